/**
 * Publish and viewer sessions (one truth for every instance: issue 16), the gate's snapshot of
 * reservations, wrong viewer tries, and the viewer-token key, in plain SQL. Every function takes the `Sql` it runs on.
 */
import { createHash } from 'node:crypto';
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
 * The reservations on enforcing servers that hold a slot and start before `until`, and every live
 * one (a server's buffer may open a window earlier than `until` reaches): what the gate keeps in
 * memory. Read by the partial index on starts_at and the status index, so its cost follows the
 * reservations near now, not all the future ones.
 */
export async function nearReservations(sql: Sql, until: Date): Promise<GateReservation[]> {
  const { rows } = await sql.query<GateReservation>(
    statement(
      `SELECT ${GATE_COLUMNS}
       WHERE s.kind <> 'external' AND r.status IN ('permitted', 'confirmed', 'live')
         AND (r.starts_at <= $1 OR r.status = 'live')`,
      [until],
    ),
  );
  return rows;
}

/** A reservation by its stream key (unique index), on an enforcing server. */
export async function gateReservationByKey(sql: Sql, key: string): Promise<GateReservation | undefined> {
  const { rows } = await sql.query<GateReservation>(
    statement(`SELECT ${GATE_COLUMNS} WHERE r.stream_key = $1 AND s.kind <> 'external'`, [key]),
  );
  return rows[0];
}

/** A reservation by its code (unique index), any server kind (the watch page words the others). */
export async function gateReservationByCode(sql: Sql, code: string): Promise<GateReservation | undefined> {
  const { rows } = await sql.query<GateReservation>(statement(`SELECT ${GATE_COLUMNS} WHERE r.code = $1`, [code]));
  return rows[0];
}

/** The longest set-up/teardown buffer of any enforcing server, in ms (how early a window opens). */
export async function longestBufferMs(sql: Sql): Promise<number> {
  const { rows } = await sql.query<{ ms: number | null }>(
    statement(`SELECT max(buffer_seconds) * 1000 AS ms FROM distribution_server WHERE kind <> 'external'`, []),
  );
  return Number(rows[0]?.ms ?? 0);
}

export async function gateReservation(sql: Sql, id: string): Promise<GateReservation | undefined> {
  const { rows } = await sql.query<GateReservation>(statement(`SELECT ${GATE_COLUMNS} WHERE r.id = $1::uuid`, [id]));
  return rows[0];
}

/** A publish session as the gate sees it. */
export interface PublishSessionRow {
  id: string;
  reservationId: string;
  serverId: string;
  clientId: string;
  ip: string;
  /** Seconds since its server last spoke of it (the database's clock). */
  silentSeconds: number;
}

const SESSION_COLUMNS = `id, reservation_id AS "reservationId", server_id AS "serverId", client_id AS "clientId", ip,
  extract(epoch FROM now() - last_seen_at)::float8 AS "silentSeconds"`;

/** The reservation's open publish session (at most one: index publish_session_one_open). */
export async function openSessionOf(sql: Sql, reservationId: string): Promise<PublishSessionRow | undefined> {
  const { rows } = await sql.query<PublishSessionRow>(
    statement(`SELECT ${SESSION_COLUMNS} FROM publish_session WHERE reservation_id = $1::uuid AND ended_at IS NULL`, [
      reservationId,
    ]),
  );
  return rows[0];
}

/** Every open publish session on a server. */
export async function openSessionsOn(sql: Sql, serverId: string): Promise<PublishSessionRow[]> {
  const { rows } = await sql.query<PublishSessionRow>(
    statement(`SELECT ${SESSION_COLUMNS} FROM publish_session WHERE server_id = $1::uuid AND ended_at IS NULL`, [
      serverId,
    ]),
  );
  return rows;
}

/** The open publish session of a server's connection, if any. */
export async function openSessionOfClient(
  sql: Sql,
  serverId: string,
  clientId: string,
): Promise<PublishSessionRow | undefined> {
  const { rows } = await sql.query<PublishSessionRow>(
    statement(
      `SELECT ${SESSION_COLUMNS} FROM publish_session
       WHERE server_id = $1::uuid AND client_id = $2 AND ended_at IS NULL`,
      [serverId, clientId],
    ),
  );
  return rows[0];
}

/** What a session records of its stream key: a digest, so the table holds no key. */
export function keyDigest(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

export async function insertPublishSession(
  sql: Sql,
  session: { reservationId: string; serverId: string; clientId: string; ip: string; at: Date; key: string },
): Promise<string> {
  const { rows } = await sql.query<{ id: string }>(
    statement(
      `INSERT INTO publish_session (id, reservation_id, server_id, client_id, ip, started_at, key_digest)
       VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3, $4, $5, $6) RETURNING id`,
      [session.reservationId, session.serverId, session.clientId, session.ip, session.at, keyDigest(session.key)],
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

/** The connection ended (its server said so): returns the session it ended, if it was open. */
export async function endClientSession(
  sql: Sql,
  serverId: string,
  clientId: string,
  at: Date,
  reason: string,
): Promise<{ id: string; reservationId: string } | undefined> {
  const { rows } = await sql.query<{ id: string; reservationId: string }>(
    statement(
      `UPDATE publish_session SET ended_at = $3, end_reason = $4
       WHERE server_id = $1::uuid AND client_id = $2 AND ended_at IS NULL
       RETURNING id, reservation_id AS "reservationId"`,
      [serverId, clientId, at, reason],
    ),
  );
  return rows[0];
}

/** Its server spoke of these connections: they are there. */
export async function touchPublishSessions(sql: Sql, serverId: string, clientIds: string[]): Promise<void> {
  if (clientIds.length === 0) return;
  await sql.query(
    statement(
      `UPDATE publish_session SET last_seen_at = now()
       WHERE server_id = $1::uuid AND client_id = ANY($2::text[]) AND ended_at IS NULL`,
      [serverId, clientIds],
    ),
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

/**
 * Open sessions on servers of these kinds that nobody has heard of for `silentMs` (their server's update
 * calls, MediaMTX's path list, the embedded server's owner) have gone: ended, and returned to
 * the one instance whose UPDATE ended them.
 */
export async function endSilentSessions(
  sql: Sql,
  kinds: ServerKind[],
  silentMs: number,
  at: Date,
): Promise<Array<{ id: string; reservationId: string }>> {
  if (kinds.length === 0) return [];
  const { rows } = await sql.query<{ id: string; reservationId: string }>(
    statement(
      `UPDATE publish_session p SET ended_at = $3, end_reason = 'gone'
       FROM distribution_server s
       WHERE s.id = p.server_id AND s.kind::text = ANY($1::text[])
         AND p.ended_at IS NULL AND p.last_seen_at < now() - make_interval(secs => $2)
       RETURNING p.id, p.reservation_id AS "reservationId"`,
      [kinds, silentMs / 1_000, at],
    ),
  );
  return rows;
}

/** Why a session ended on its own: its publisher is gone, nothing is left to cut. */
const GONE_BY_ITSELF = ['disconnected', 'gone', 'service_stopped'];

/**
 * Claims the cut of the reservation's publishers on these servers (those this instance can cut):
 * every session still open, or ended by a wind-up but not yet cut, is marked cut and returned —
 * to exactly one instance, however many try at once. `onlyOtherThan`: a moved reservation cuts
 * only its publishers on other servers than its own.
 */
export async function claimCut(
  sql: Sql,
  cut: {
    reservationId: string;
    serverIds: string[];
    at: Date;
    reason: string;
    onlyOtherThan?: string;
    /** The key that stays (a replaced key's cut): its sessions are not cut. */
    keptKey?: string;
  },
): Promise<Array<{ id: string; serverId: string; clientId: string; reservationId: string; ip: string }>> {
  if (cut.serverIds.length === 0) return [];
  const { rows } = await sql.query<{
    id: string;
    serverId: string;
    clientId: string;
    reservationId: string;
    ip: string;
  }>(
    statement(
      `UPDATE publish_session
       SET cut_at = $3, ended_at = coalesce(ended_at, $3), end_reason = coalesce(end_reason, $4)
       WHERE reservation_id = $1::uuid AND server_id = ANY($2::uuid[]) AND cut_at IS NULL
         AND (ended_at IS NULL OR NOT end_reason = ANY($5::text[]))
         AND ($6::uuid IS NULL OR server_id <> $6::uuid)
         AND ($7::text IS NULL OR key_digest IS DISTINCT FROM $7::text)
       RETURNING id, server_id AS "serverId", client_id AS "clientId", reservation_id AS "reservationId", ip`,
      [
        cut.reservationId,
        cut.serverIds,
        cut.at,
        cut.reason,
        GONE_BY_ITSELF,
        cut.onlyOtherThan ?? null,
        cut.keptKey === undefined ? null : keyDigest(cut.keptKey),
      ],
    ),
  );
  return rows;
}

/** Open publish and viewer sessions per reservation, fleet-wide (for /metrics). */
export async function streamActivity(sql: Sql): Promise<Array<{ code: string; publishers: number; viewers: number }>> {
  const { rows } = await sql.query<{ code: string; publishers: number; viewers: number }>(
    statement(
      `SELECT r.code, count(DISTINCT p.id)::int AS publishers, count(DISTINCT v.id)::int AS viewers
       FROM reservation r
       LEFT JOIN publish_session p ON p.reservation_id = r.id AND p.ended_at IS NULL
       LEFT JOIN viewer_session v ON v.reservation_id = r.id AND v.left_at IS NULL
       WHERE r.status = 'live' AND (p.id IS NOT NULL OR v.id IS NOT NULL)
       GROUP BY r.code`,
      [],
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
      `INSERT INTO viewer_session (id, reservation_id, credential, invitee, ip, joined_at, last_seen_at)
       VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4, $5, now()) RETURNING id`,
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

/**
 * A viewer seen through requests (HLS, nginx RTMP plays), wherever they land: one open session
 * per key. Returns whether this request opened it (a new viewer) — a request within a second of
 * the last one writes nothing.
 */
export async function keyedViewerSeen(
  sql: Sql,
  viewer: {
    reservationId: string;
    key: string;
    credential: 'token' | 'passcode';
    invitee: string | null;
    ip: string;
    at: Date;
  },
): Promise<boolean> {
  const { rows } = await sql.query<{ opened: boolean }>(
    statement(
      `INSERT INTO viewer_session (id, reservation_id, credential, invitee, ip, joined_at, session_key, last_seen_at)
       VALUES (gen_random_uuid(), $1::uuid, $2, $3, $4, $5, $6, now())
       ON CONFLICT (reservation_id, session_key) WHERE left_at IS NULL AND session_key IS NOT NULL
       DO UPDATE SET last_seen_at = now() WHERE viewer_session.last_seen_at < now() - interval '1 second'
       RETURNING (xmax = 0) AS opened`,
      [viewer.reservationId, viewer.credential, viewer.invitee, viewer.ip, viewer.at, viewer.key],
    ),
  );
  return rows[0]?.opened ?? false;
}

/** A keyed viewer is still there (nginx's update call for a player): whether its session is open. */
export async function keyedViewerStillThere(sql: Sql, key: string): Promise<boolean> {
  const { rows } = await sql.query(
    statement('UPDATE viewer_session SET last_seen_at = now() WHERE session_key = $1 AND left_at IS NULL RETURNING 1', [
      key,
    ]),
  );
  return rows.length > 0;
}

export async function endKeyedViewer(sql: Sql, key: string, at: Date): Promise<void> {
  await sql.query(
    statement('UPDATE viewer_session SET left_at = $2 WHERE session_key = $1 AND left_at IS NULL', [key, at]),
  );
}

/**
 * Viewers unheard of for `idleMs` have left, when they were last seen: keyed ones that stopped
 * asking, and connections whose instance died without saying so.
 */
export async function endIdleViewers(sql: Sql, idleMs: number): Promise<number> {
  const { rowCount } = await sql.query(
    statement(
      `UPDATE viewer_session SET left_at = greatest(joined_at, last_seen_at)
       WHERE left_at IS NULL AND last_seen_at < now() - make_interval(secs => $1)`,
      [idleMs / 1_000],
    ),
  );
  return rowCount ?? 0;
}

/** Ends the reservation's open keyed viewers; returns their keys (RTMP players to drop). */
export async function endKeyedViewersOf(sql: Sql, reservationId: string, at: Date): Promise<string[]> {
  const { rows } = await sql.query<{ key: string }>(
    statement(
      `UPDATE viewer_session SET left_at = greatest(joined_at, $2)
       WHERE reservation_id = $1::uuid AND left_at IS NULL AND session_key IS NOT NULL
       RETURNING session_key AS key`,
      [reservationId, at],
    ),
  );
  return rows.map((row) => row.key);
}

/** The instance holding these viewers' connections says they are still there. */
export async function touchViewerSessions(sql: Sql, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql.query(
    statement('UPDATE viewer_session SET last_seen_at = now() WHERE id = ANY($1::uuid[]) AND left_at IS NULL', [ids]),
  );
}

/** Viewers watching a reservation right now, on any instance. */
export async function openViewerCount(sql: Sql, reservationId: string): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(
    statement('SELECT count(*)::int AS n FROM viewer_session WHERE reservation_id = $1::uuid AND left_at IS NULL', [
      reservationId,
    ]),
  );
  return rows[0]?.n ?? 0;
}

/** Wrong or missing viewer credentials from `ip` since `since`, fleet-wide. */
export async function wrongTriesSince(sql: Sql, ip: string, since: Date): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(
    statement('SELECT count(*)::int AS n FROM viewer_wrong_try WHERE ip = $1 AND tried_at > $2', [ip, since]),
  );
  return rows[0]?.n ?? 0;
}

export async function recordWrongTry(sql: Sql, ip: string, at: Date): Promise<void> {
  await sql.query(statement('INSERT INTO viewer_wrong_try (ip, tried_at) VALUES ($1, $2)', [ip, at]));
}

export async function forgetWrongTries(sql: Sql, before: Date): Promise<void> {
  await sql.query(statement('DELETE FROM viewer_wrong_try WHERE tried_at <= $1', [before]));
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
