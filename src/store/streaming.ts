/**
 * Publish and viewer sessions, the gate's snapshot of reservations, and the viewer-token key, in
 * plain SQL. Every function takes the `Sql` it runs on.
 */
import type { ViewerStay } from '../domain/admission.js';
import type { ServerKind } from '../domain/server-kind.js';
import type { ReservationStatus } from '../domain/status.js';
import type { Sql } from './sql.js';
import { statement } from './sql.js';

/** What the streaming gate keeps in memory of a reservation (secrets included: it checks them). */
export interface GateReservation {
  id: string;
  code: string;
  title: string;
  serverId: string;
  serverKind: ServerKind;
  status: ReservationStatus;
  startsAt: Date;
  endsAt: Date;
  bufferMs: number;
  passcode: string;
  streamKey: string;
  emails: string[];
}

const GATE_COLUMNS = `r.id, r.code, r.title, r.server_id AS "serverId", s.kind AS "serverKind", r.status, r.starts_at AS "startsAt",
  r.ends_at AS "endsAt", s.buffer_seconds * 1000 AS "bufferMs", r.passcode, r.stream_key AS "streamKey",
  coalesce(r.emails, '{}') AS emails
  FROM reservation r JOIN distribution_server s ON s.id = r.server_id`;

/**
 * The reservations on enforcing servers a gate must know: those holding a slot, and those that
 * stopped holding one in the last day (so a late publisher is told "cancelled", not "unknown key").
 */
export async function gateReservations(sql: Sql): Promise<GateReservation[]> {
  const { rows } = await sql.query<GateReservation>(
    statement(
      `SELECT ${GATE_COLUMNS}
       WHERE s.kind <> 'external'
         AND (r.status IN ('permitted', 'confirmed', 'live') OR r.updated_at > now() - interval '1 day')`,
      [],
    ),
  );
  return rows;
}

export async function gateReservation(sql: Sql, id: string): Promise<GateReservation | undefined> {
  const { rows } = await sql.query<GateReservation>(statement(`SELECT ${GATE_COLUMNS} WHERE r.id = $1::uuid`, [id]));
  return rows[0];
}

export async function insertPublishSession(
  sql: Sql,
  session: { reservationId: string; serverId: string; clientId: string; ip: string; at: Date },
): Promise<string> {
  const { rows } = await sql.query<{ id: string }>(
    statement(
      `INSERT INTO publish_session (id, reservation_id, server_id, client_id, ip, started_at)
       VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3, $4, $5) RETURNING id`,
      [session.reservationId, session.serverId, session.clientId, session.ip, session.at],
    ),
  );
  return rows[0]!.id;
}

export async function endPublishSession(sql: Sql, id: string, at: Date, reason: string): Promise<void> {
  await sql.query(
    statement('UPDATE publish_session SET ended_at = $2, end_reason = $3 WHERE id = $1::uuid AND ended_at IS NULL', [
      id,
      at,
      reason,
    ]),
  );
}

/** Sessions a stopped or crashed process left open on these servers: they ended when it did. */
export async function endOpenPublishSessions(sql: Sql, serverIds: string[], at: Date, reason: string): Promise<number> {
  const { rowCount } = await sql.query(
    statement(
      `UPDATE publish_session SET ended_at = $2, end_reason = $3
       WHERE server_id = ANY($1::uuid[]) AND ended_at IS NULL`,
      [serverIds, at, reason],
    ),
  );
  return rowCount ?? 0;
}

/** Publish sessions still open on these servers (their publishers may stream on). */
export async function openPublishSessions(
  sql: Sql,
  serverIds: string[],
): Promise<Array<{ id: string; reservationId: string; serverId: string; clientId: string; ip: string }>> {
  const { rows } = await sql.query<{
    id: string;
    reservationId: string;
    serverId: string;
    clientId: string;
    ip: string;
  }>(
    statement(
      `SELECT id, reservation_id AS "reservationId", server_id AS "serverId", client_id AS "clientId", ip
       FROM publish_session WHERE server_id = ANY($1::uuid[]) AND ended_at IS NULL`,
      [serverIds],
    ),
  );
  return rows;
}

export async function hasPublished(sql: Sql, reservationId: string): Promise<boolean> {
  const { rows } = await sql.query(
    statement('SELECT 1 FROM publish_session WHERE reservation_id = $1::uuid LIMIT 1', [reservationId]),
  );
  return rows.length > 0;
}

export async function insertViewerSession(
  sql: Sql,
  viewer: { reservationId: string; credential: 'token' | 'passcode'; invitee: string | null; ip: string; at: Date },
): Promise<string> {
  const { rows } = await sql.query<{ id: string }>(
    statement(
      `INSERT INTO viewer_session (id, reservation_id, credential, invitee, ip, joined_at)
       VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4, $5) RETURNING id`,
      [viewer.reservationId, viewer.credential, viewer.invitee, viewer.ip, viewer.at],
    ),
  );
  return rows[0]!.id;
}

export async function endViewerSession(sql: Sql, id: string, at: Date): Promise<void> {
  await sql.query(
    statement('UPDATE viewer_session SET left_at = $2 WHERE id = $1::uuid AND left_at IS NULL', [id, at]),
  );
}

/** Closes the reservation's open sessions at `at` (the stream is over) and returns every viewer stay. */
export async function closeStreamSessions(
  sql: Sql,
  reservationId: string,
  at: Date,
  reason: string,
): Promise<ViewerStay[]> {
  await sql.query(
    statement(
      `UPDATE publish_session SET ended_at = $2, end_reason = $3 WHERE reservation_id = $1::uuid AND ended_at IS NULL`,
      [reservationId, at, reason],
    ),
  );
  const { rows } = await sql.query<ViewerStay>(
    statement(
      `UPDATE viewer_session SET left_at = coalesce(left_at, greatest(joined_at, $2))
       WHERE reservation_id = $1::uuid
       RETURNING credential, invitee, ip, joined_at AS "joinedAt", left_at AS "leftAt"`,
      [reservationId, at],
    ),
  );
  return rows;
}

export async function hasAttendanceSummary(sql: Sql, reservationId: string): Promise<boolean> {
  const { rows } = await sql.query(
    statement(`SELECT 1 FROM notification WHERE reservation_id = $1::uuid AND event = 'attendance_summary' LIMIT 1`, [
      reservationId,
    ]),
  );
  return rows.length > 0;
}

/** The key personal watch links are signed with (made by the migration). */
export async function viewerTokenKey(sql: Sql): Promise<string> {
  const { rows } = await sql.query<{ value: string }>(
    statement(`SELECT value FROM service_secret WHERE name = 'viewer_token'`, []),
  );
  if (!rows[0]) throw new Error('The viewer-token key is missing: run the migrations (npx slotcast migrate).');
  return rows[0].value;
}
