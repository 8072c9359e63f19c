/**
 * Delivery bookkeeping on the outbox. Rows are claimed with a lease (`locked_until`) through
 * FOR UPDATE SKIP LOCKED, so two workers never hold the same row, and a worker that dies simply
 * lets its lease run out: the row is then claimed again. Never lost; sent once unless the worker
 * dies between the provider accepting a message and the row being marked (see channel.ts).
 */
import type { Contact, MessagePayload, NotificationChannel, NotificationEvent } from '../domain/notifications.js';
import type { Sql } from './sql.js';
import { statement } from './sql.js';

export interface ClaimedNotification {
  id: string;
  reservationId: string;
  event: NotificationEvent;
  channel: NotificationChannel;
  recipient: string;
  payload: MessagePayload;
  attempts: number;
  createdAt: Date;
}

interface Row {
  id: string;
  reservation_id: string;
  event: NotificationEvent;
  channel: NotificationChannel;
  recipient: string;
  payload: ClaimedNotification['payload'];
  attempts: number;
  created_at: Date;
}

const toClaimed = (row: Row): ClaimedNotification => ({
  id: row.id,
  reservationId: row.reservation_id,
  event: row.event,
  channel: row.channel,
  recipient: row.recipient,
  payload: row.payload,
  attempts: row.attempts,
  createdAt: row.created_at,
});

/** Claims those of `ids` that are due and free; each claimed row's attempt count grows by one. */
export async function claimNotifications(sql: Sql, ids: string[], leaseMs: number): Promise<ClaimedNotification[]> {
  const { rows } = await sql.query<Row>(
    statement(
      `UPDATE notification n SET locked_until = now() + make_interval(secs => $2::float8 / 1000), attempts = n.attempts + 1
       WHERE n.id IN (
         SELECT id FROM notification
         WHERE id = ANY($1::uuid[]) AND status = 'pending' AND next_attempt_at <= now()
           AND (locked_until IS NULL OR locked_until < now())
         FOR UPDATE SKIP LOCKED)
       RETURNING n.id, n.reservation_id, n.event, n.channel, n.recipient, n.payload, n.attempts, n.created_at`,
      [ids, leaseMs],
    ),
  );
  return rows.map(toClaimed);
}

/**
 * Renews the lease on rows this worker holds and is still working through: a worker that is alive
 * keeps its rows however slow the provider, and only a dead one's rows are claimed again.
 */
export async function extendLease(sql: Sql, ids: string[], leaseMs: number): Promise<void> {
  await sql.query(
    statement(
      `UPDATE notification SET locked_until = now() + make_interval(secs => $2::float8 / 1000)
       WHERE id = ANY($1::uuid[]) AND status = 'pending' AND locked_until IS NOT NULL`,
      [ids, leaseMs],
    ),
  );
}

export async function markSent(sql: Sql, id: string, providerMessageId: string): Promise<void> {
  await sql.query(
    statement(
      `UPDATE notification SET status = 'sent', sent_at = now(), provider_message_id = $2, locked_until = NULL, last_error = NULL WHERE id = $1`,
      [id, providerMessageId],
    ),
  );
}

export async function markRetry(sql: Sql, id: string, nextAttemptAt: Date, reason: string): Promise<void> {
  await sql.query(
    statement(`UPDATE notification SET next_attempt_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1`, [
      id,
      nextAttemptAt,
      reason,
    ]),
  );
}

export async function markFailed(sql: Sql, id: string, reason: string): Promise<void> {
  await sql.query(
    statement(`UPDATE notification SET status = 'failed', locked_until = NULL, last_error = $2 WHERE id = $1`, [
      id,
      reason,
    ]),
  );
}

/** Pending rows that nobody holds and that are due: the sweeper's catch for lost enqueues and expired leases. */
export async function duePendingIds(sql: Sql, olderThanMs: number, limit: number): Promise<string[]> {
  const { rows } = await sql.query<{ id: string }>(
    statement(
      `SELECT id FROM notification
       WHERE status = 'pending' AND next_attempt_at <= now() - make_interval(secs => $1::float8 / 1000)
         AND (locked_until IS NULL OR locked_until < now())
       ORDER BY next_attempt_at LIMIT $2`,
      [olderThanMs, limit],
    ),
  );
  return rows.map((row) => row.id);
}

/**
 * Takes the permanent failures of a reservation not yet reported, and marks them reported, in
 * one statement: each failure is reported once, however many workers look.
 */
export async function takeUnreportedFailures(
  sql: Sql,
  reservationId: string,
): Promise<Array<Contact & { reason: string }>> {
  const { rows } = await sql.query<{ channel: NotificationChannel; recipient: string; last_error: string | null }>(
    statement(
      `UPDATE notification SET reported_at = now()
       WHERE reservation_id = $1 AND status = 'failed' AND reported_at IS NULL AND event <> 'delivery_failure_report'
       RETURNING channel, recipient, last_error`,
      [reservationId],
    ),
  );
  // The same contact can fail for several events (an invitation, then a change notice): name it once.
  const seen = new Map<string, { channel: NotificationChannel; recipient: string; reason: string }>();
  for (const row of rows)
    seen.set(`${row.channel}:${row.recipient}`, {
      channel: row.channel,
      recipient: row.recipient,
      reason: row.last_error ?? 'unknown',
    });
  return [...seen.values()];
}

/** Rows waiting to be delivered or given up on, per channel (for /metrics). */
export async function outboxBacklog(
  sql: Sql,
): Promise<Array<{ channel: NotificationChannel; status: 'pending' | 'failed'; count: number }>> {
  const { rows } = await sql.query<{ channel: NotificationChannel; status: 'pending' | 'failed'; count: number }>(
    statement(
      `SELECT channel, status, count(*)::int AS count FROM notification WHERE status IN ('pending', 'failed') GROUP BY channel, status`,
      [],
    ),
  );
  return rows;
}
