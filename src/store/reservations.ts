/**
 * Reservation rows in and out, in plain SQL (see src/store/client.ts for why). Every function
 * takes the `Sql` it runs on; the use case that calls it owns the transaction.
 */
import type { Booking, Interval } from '../domain/availability.js';
import type { PlannedNotification } from '../domain/notifications.js';
import type { NotifyMode } from '../domain/policy.js';
import type { Platform, Reservation } from '../domain/reservation.js';
import type { ServerKind } from '../domain/server-kind.js';
import type { TimelineReservation } from '../domain/timeline.js';
import type { ReservationStatus } from '../domain/status.js';
import { SLOT_HOLDING_STATUSES } from '../domain/status.js';
import type { AuditRecord } from './outbox.js';
import { EFFECTS_CTES, effectsParameters } from './outbox.js';
import type { Sql } from './sql.js';
import { statement } from './sql.js';

export interface StoredReservation extends Reservation {
  streamKey: string;
  createdAt: Date;
  updatedAt: Date;
  confirmedAt: Date | null;
  cancelledAt: Date | null;
}

interface ReservationRow {
  id: string;
  code: string;
  title: string;
  description: string | null;
  server_id: string;
  server_name: string;
  ingest_base_url: string;
  playback_base_url: string;
  server_kind: ServerKind;
  server_buffer_seconds: number;
  organizer_platform: Platform;
  organizer_tenant_id: string;
  organizer_user_id: string;
  organizer_name: string;
  organizer_email: string | null;
  starts_at: Date;
  ends_at: Date;
  status: ReservationStatus;
  notify_mode: NotifyMode;
  reconfirm_deadline: Date;
  passcode: string;
  stream_key: string;
  emails: string[] | null;
  slack_channels: string[] | null;
  discord_channels: string[] | null;
  version: number;
  cancel_reason: string | null;
  confirmed_at: Date | null;
  cancelled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** The reservation with the server fields every caller needs. */
const SELECT_RESERVATION = `
  SELECT r.*, s.name AS server_name, s.ingest_base_url, s.playback_base_url, s.kind AS server_kind,
    s.buffer_seconds AS server_buffer_seconds
  FROM reservation r JOIN distribution_server s ON s.id = r.server_id`;

function toDomain(row: ReservationRow): StoredReservation {
  return {
    id: row.id,
    code: row.code,
    title: row.title,
    description: row.description,
    server: {
      id: row.server_id,
      name: row.server_name,
      ingestBaseUrl: row.ingest_base_url,
      playbackBaseUrl: row.playback_base_url,
      kind: row.server_kind,
      bufferSeconds: row.server_buffer_seconds,
    },
    organizer: {
      platform: row.organizer_platform,
      tenantId: row.organizer_tenant_id,
      userId: row.organizer_user_id,
      name: row.organizer_name,
      email: row.organizer_email,
    },
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    status: row.status,
    notifyMode: row.notify_mode,
    reconfirmDeadline: row.reconfirm_deadline,
    passcode: row.passcode,
    streamKey: row.stream_key,
    invitees: {
      emails: row.emails ?? [],
      slackChannels: row.slack_channels ?? [],
      discordChannels: row.discord_channels ?? [],
    },
    version: row.version,
    cancelReason: row.cancel_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    confirmedAt: row.confirmed_at,
    cancelledAt: row.cancelled_at,
  };
}

export function isUuid(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);
}

/**
 * Reservations are addressed by id or by their human code (any case). Anything else names no
 * reservation and is not sent to the database at all: a NUL from a decoded path would make
 * PostgreSQL fail the query instead of finding nothing.
 */
function byIdOrCode(idOrCode: string): [string, string] | undefined {
  if (isUuid(idOrCode)) return ['r.id = $1::uuid', idOrCode];
  return /^[\w-]{1,64}$/.test(idOrCode) ? ['r.code = $1', idOrCode.toUpperCase()] : undefined;
}

export async function findReservation(sql: Sql, idOrCode: string): Promise<StoredReservation | undefined> {
  const address = byIdOrCode(idOrCode);
  if (!address) return undefined;
  const [where, value] = address;
  const { rows } = await sql.query<ReservationRow>(statement(`${SELECT_RESERVATION} WHERE ${where}`, [value]));
  return rows[0] && toDomain(rows[0]);
}

/** The reservation a request key made, with the fingerprint of that request (null when stored before fingerprints). */
export async function findByRequestKey(
  sql: Sql,
  requestKey: string,
): Promise<{ reservation: StoredReservation; fingerprint: string | null } | undefined> {
  const { rows } = await sql.query<ReservationRow & { request_fingerprint: string | null }>(
    statement(`${SELECT_RESERVATION} WHERE r.request_key = $1`, [requestKey]),
  );
  return rows[0] && { reservation: toDomain(rows[0]), fingerprint: rows[0].request_fingerprint };
}

/**
 * Reads a reservation and holds its row until the transaction ends. Waiting for the lock, then
 * reading, happens in one statement: PostgreSQL re-reads a row that changed while it waited.
 */
export async function lockReservation(sql: Sql, idOrCode: string): Promise<StoredReservation | undefined> {
  const address = byIdOrCode(idOrCode);
  if (!address) return undefined;
  const [where, value] = address;
  const { rows } = await sql.query<ReservationRow>(
    statement(`${SELECT_RESERVATION} WHERE ${where} FOR UPDATE OF r`, [value]),
  );
  return rows[0] && toDomain(rows[0]);
}

/**
 * A timestamp as epoch milliseconds (bigint text): alternatives read hundreds of bookings per
 * refused request, and parsing timestamp text into Dates was a visible share of its CPU.
 */
const EPOCH_MS = (expression: string) => `(extract(epoch FROM ${expression}) * 1000)::bigint`;

/** Slot-holding reservations on some servers within a window (the placeholders name the parameters). */
const BOOKED_IN = (servers: string, start: string, end: string, excludeId: string) =>
  `SELECT server_id, lane, ${EPOCH_MS('lower(occupied)')} AS "from", ${EPOCH_MS('upper(occupied)')} AS until FROM reservation
   WHERE status IN ('permitted', 'confirmed', 'live') AND (${excludeId}::uuid IS NULL OR id <> ${excludeId}::uuid)
     AND server_id = ANY(${servers}::uuid[]) AND occupied && tstzrange(${start}, ${end})`;

/**
 * What slot-holding reservations occupy on these servers within a window, with their lanes.
 * `excludeId` leaves out a reservation being changed, so it does not collide with itself.
 */
export async function bookings(
  sql: Sql,
  serverIds: string[],
  window: Interval,
  excludeId?: string,
): Promise<Map<string, Booking[]>> {
  const { rows } = await sql.query<{ server_id: string; lane: number; from: string; until: string }>(
    statement(BOOKED_IN('$1', '$2', '$3', '$4'), [
      serverIds,
      new Date(window.start),
      new Date(window.end),
      excludeId ?? null,
    ]),
  );
  const byServer = new Map<string, Booking[]>(serverIds.map((id) => [id, []]));
  for (const row of rows)
    byServer.get(row.server_id)?.push({ lane: row.lane, start: Number(row.from), end: Number(row.until) });
  return byServer;
}

/**
 * `bookings` for two sets of servers with a window each, in one round trip: the alternatives to
 * a refused request look far around on its own server and just at its time on the others.
 * Two selects, not one with an OR: PostgreSQL plans the OR of two ranges as a walk through every
 * slot-holding reservation (EXPLAIN at 1M rows, bench:scale), each select alone as a range
 * search in the exclusion constraint's index. UNION, not UNION ALL: a reservation in both sets is
 * one booking (no two slot-holding reservations share a server, lane and time).
 */
export async function bookingsNearby(
  sql: Sql,
  near: { serverIds: string[]; window: Interval },
  elsewhere: { serverIds: string[]; window: Interval },
  excludeId?: string,
): Promise<Map<string, Booking[]>> {
  const { rows } = await sql.query<{ server_id: string; lane: number; from: string; until: string }>(
    statement(
      `${BOOKED_IN('$1', '$2', '$3', '$7')}
       UNION
       ${BOOKED_IN('$4', '$5', '$6', '$7')}`,
      [
        near.serverIds,
        new Date(near.window.start),
        new Date(near.window.end),
        elsewhere.serverIds,
        new Date(elsewhere.window.start),
        new Date(elsewhere.window.end),
        excludeId ?? null,
      ],
    ),
  );
  const byServer = new Map<string, Booking[]>([...near.serverIds, ...elsewhere.serverIds].map((id) => [id, []]));
  for (const row of rows)
    byServer.get(row.server_id)?.push({ lane: row.lane, start: Number(row.from), end: Number(row.until) });
  return byServer;
}

export interface NewReservation extends Reservation {
  streamKey: string;
  requestKey: string | null;
  /** What the request with `requestKey` asked for (see requestFingerprint in app/request.ts). */
  requestFingerprint: string | null;
  lane: number;
  occupied: Interval;
}

export type InsertOutcome =
  | { inserted: true; reservation: StoredReservation; notificationIds: string[] }
  /** The server is gone, inactive, or no longer has that lane. */
  | { inserted: false };

/**
 * Inserts a reservation with its notifications and audit entry in one statement — so in one
 * implicit transaction and one round trip. The exclusion constraint decides: a lane already
 * occupied at an overlapping time raises 23P01 (see `isOverlapViolation`) and nothing is written.
 */
export async function insertReservation(
  sql: Sql,
  data: NewReservation,
  planned: PlannedNotification[],
  audit: AuditRecord,
): Promise<InsertOutcome> {
  const { rows } = await sql.query<{ created_at: Date; notification_ids: string[] }>(
    // Locking the server row queues concurrent inserts for one server instead of letting their
    // exclusion checks wait on each other, which PostgreSQL can only break as a deadlock after
    // deadlock_timeout (1 s). The constraint, not this lock, is what forbids over-booking.
    statement(
      `WITH target AS (
       SELECT id, name, ingest_base_url, playback_base_url FROM distribution_server
       WHERE id = $5::uuid AND active AND $21::int < capacity
       FOR UPDATE),
     inserted AS (
       INSERT INTO reservation (id, code, title, description, server_id, organizer_platform, organizer_tenant_id,
         organizer_user_id, organizer_name, organizer_email, starts_at, ends_at, status, notify_mode, reconfirm_deadline,
         passcode, stream_key, emails, slack_channels, discord_channels, lane, occupied, version, request_key,
         request_fingerprint, updated_at)
       SELECT $1::uuid, $2::text, $3::text, $4::text, target.id, $6::"Platform", $7::text, $8::text, $9::text, $10::text,
         $11::timestamptz, $12::timestamptz, $13::"ReservationStatus", $14::"NotifyMode", $15::timestamptz, $16::text,
         $17::text, $18::text[], $19::text[], $20::text[], $21::int, tstzrange($22::timestamptz, $23::timestamptz), $24::int, $25::text,
         $26::text, now()
       FROM target
       RETURNING *),
     ${EFFECTS_CTES('inserted', 27)}
     SELECT inserted.created_at, (SELECT coalesce(array_agg(id::text), '{}') FROM written) AS notification_ids
     FROM inserted`,
      [
        data.id,
        data.code,
        data.title,
        data.description,
        data.server.id,
        data.organizer.platform,
        data.organizer.tenantId,
        data.organizer.userId,
        data.organizer.name,
        data.organizer.email,
        data.startsAt,
        data.endsAt,
        data.status,
        data.notifyMode,
        data.reconfirmDeadline,
        data.passcode,
        data.streamKey,
        data.invitees.emails,
        data.invitees.slackChannels,
        data.invitees.discordChannels,
        data.lane,
        new Date(data.occupied.start),
        new Date(data.occupied.end),
        data.version,
        data.requestKey,
        data.requestFingerprint,
        ...effectsParameters(planned, audit),
      ],
    ),
  );
  const row = rows[0];
  if (!row) return { inserted: false };
  // Everything else stored is what we sent; only the clock's value is new.
  const {
    lane: _lane,
    occupied: _occupied,
    requestKey: _requestKey,
    requestFingerprint: _requestFingerprint,
    ...reservation
  } = data;
  const stored: StoredReservation = {
    ...reservation,
    createdAt: row.created_at,
    updatedAt: row.created_at,
    confirmedAt: null,
    cancelledAt: null,
  };
  return { inserted: true, reservation: stored, notificationIds: row.notification_ids };
}

/** 23P01: the exclusion constraint refused an overlapping booking on the same server and lane. */
export function isOverlapViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === '23P01';
}

/** The columns a use case may change, in domain terms. */
export interface ReservationPatch {
  title?: string;
  description?: string | null;
  serverId?: string;
  lane?: number;
  occupied?: Interval;
  startsAt?: Date;
  endsAt?: Date;
  status?: ReservationStatus;
  reconfirmDeadline?: Date;
  passcode?: string;
  streamKey?: string;
  emails?: string[];
  slackChannels?: string[];
  discordChannels?: string[];
  version?: number;
  cancelReason?: string | null;
  confirmedAt?: Date;
  cancelledAt?: Date;
}

const PATCH_COLUMNS: Record<keyof ReservationPatch, string> = {
  title: 'title',
  description: 'description',
  serverId: 'server_id',
  lane: 'lane',
  occupied: 'occupied',
  startsAt: 'starts_at',
  endsAt: 'ends_at',
  status: 'status',
  reconfirmDeadline: 'reconfirm_deadline',
  passcode: 'passcode',
  streamKey: 'stream_key',
  emails: 'emails',
  slackChannels: 'slack_channels',
  discordChannels: 'discord_channels',
  version: 'version',
  cancelReason: 'cancel_reason',
  confirmedAt: 'confirmed_at',
  cancelledAt: 'cancelled_at',
};

/** Writes the patch and returns the reservation as it now is. */
export async function updateReservation(sql: Sql, id: string, patch: ReservationPatch): Promise<StoredReservation> {
  const entries = Object.entries(patch).filter(([, value]) => value !== undefined) as Array<
    [keyof ReservationPatch, unknown]
  >;
  const assignments = entries.map(([key], index) =>
    key === 'occupied' ? `occupied = $${index + 2}::tstzrange` : `${PATCH_COLUMNS[key]} = $${index + 2}`,
  );
  const { rows } = await sql.query<ReservationRow>(
    statement(
      `WITH updated AS (UPDATE reservation SET ${[...assignments, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING *)
     SELECT updated.*, s.name AS server_name, s.ingest_base_url, s.playback_base_url, s.kind AS server_kind,
       s.buffer_seconds AS server_buffer_seconds
     FROM updated JOIN distribution_server s ON s.id = updated.server_id`,
      [id, ...entries.map(([key, value]) => (key === 'occupied' ? toRangeLiteral(value as Interval) : value))],
    ),
  );
  return toDomain(rows[0]!);
}

function toRangeLiteral(range: Interval): string {
  return `[${new Date(range.start).toISOString()},${new Date(range.end).toISOString()})`;
}

export interface ReservationFilter {
  statuses?: ReservationStatus[];
  from?: Date;
  to?: Date;
  serverName?: string;
  organizer?: { platform: Platform; tenantId: string; userId?: string };
  limit: number;
}

/**
 * Reservations overlapping [from, to), soonest first. History piles up (a million past rows is
 * an ordinary year of a busy service), so the query is shaped for the indexes that keep it flat
 * (see the migration 20261202100200_listing_indexes):
 * - `ends_at > from` alone would be a scan: no index orders by one column and filters on the
 *   other. A reservation that ends after `from` starts after `from` minus the longest reservation
 *   ever stored, which an index on the duration answers at once; that bound makes the condition a
 *   range on `starts_at`, read in the listing's own order, so LIMIT stops the scan early.
 * - Statuses that hold a slot are also named as literals, so the partial index of active
 *   reservations (which a parameter cannot be proven to match) serves "my active reservations".
 */
export async function listReservationRows(sql: Sql, filter: ReservationFilter): Promise<StoredReservation[]> {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const add = (condition: (placeholder: string) => string, value: unknown) => {
    values.push(value);
    conditions.push(condition(`$${values.length}`));
  };
  if (filter.statuses) {
    add((p) => `r.status = ANY(${p}::"ReservationStatus"[])`, filter.statuses);
    if (filter.statuses.every((status) => SLOT_HOLDING_STATUSES.includes(status)))
      conditions.push(`r.status IN (${SLOT_HOLDING_STATUSES.map((status) => `'${status}'`).join(', ')})`);
  }
  if (filter.from)
    add(
      (p) =>
        `r.ends_at > ${p} AND r.starts_at > ${p}::timestamptz - (SELECT max(ends_at - starts_at) FROM reservation)`,
      filter.from,
    );
  if (filter.to) add((p) => `r.starts_at < ${p}`, filter.to);
  if (filter.serverName) add((p) => `s.name = ${p}`, filter.serverName);
  if (filter.organizer) {
    add((p) => `r.organizer_platform = ${p}::"Platform"`, filter.organizer.platform);
    add((p) => `r.organizer_tenant_id = ${p}`, filter.organizer.tenantId);
    if (filter.organizer.userId !== undefined) add((p) => `r.organizer_user_id = ${p}`, filter.organizer.userId);
  }
  values.push(filter.limit);
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const { rows } = await sql.query<ReservationRow>(
    statement(`${SELECT_RESERVATION} ${where} ORDER BY r.starts_at, r.id LIMIT $${values.length}`, values),
  );
  return rows.map(toDomain);
}

/** What the timeline draws of a reservation: no secrets, no invitees. */
export type TimelineRow = TimelineReservation;

/**
 * Reservations that hold or held a slot (permitted, confirmed, live, completed) occupying some of
 * [from, to). As in `listReservationRows`, the longest reservation stored bounds how early one
 * can start and still reach `from` (plus a day: no server's buffer is longer), which makes the
 * condition a range on `starts_at`.
 */
export async function timelineRows(sql: Sql, window: { from: Date; to: Date }): Promise<TimelineRow[]> {
  const { rows } = await sql.query<{
    id: string;
    code: string;
    title: string;
    server_id: string;
    lane: number;
    starts_at: Date;
    ends_at: Date;
    status: ReservationStatus;
    organizer_platform: Platform;
    organizer_tenant_id: string;
    organizer_user_id: string;
    organizer_name: string;
  }>(
    statement(
      `SELECT id, code, title, server_id, lane, starts_at, ends_at, status, organizer_platform, organizer_tenant_id,
         organizer_user_id, organizer_name
       FROM reservation
       WHERE status IN ('permitted', 'confirmed', 'live', 'completed')
         AND starts_at < $2
         AND starts_at > $1::timestamptz - interval '1 day' - (SELECT coalesce(max(ends_at - starts_at), interval '0') FROM reservation)
         AND occupied && tstzrange($1, $2)
       ORDER BY starts_at, id`,
      [window.from, window.to],
    ),
  );
  return rows.map((row) => ({
    id: row.id,
    code: row.code,
    title: row.title,
    serverId: row.server_id,
    lane: row.lane,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    status: row.status,
    organizer: {
      platform: row.organizer_platform,
      tenantId: row.organizer_tenant_id,
      userId: row.organizer_user_id,
      name: row.organizer_name,
    },
  }));
}
