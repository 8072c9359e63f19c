/**
 * Messages Slotcast posted in chats (channel invitations, organizer prompts), so later events edit
 * them in place and thread notices under them.
 */
import { randomUUID } from 'node:crypto';
import type { Platform } from '../domain/reservation.js';
import pg from 'pg';

const { Pool: PgPool } = pg;
import { guardConnections } from './connections.js';
import type { Sql } from './sql.js';
import { statement } from './sql.js';

/**
 * invitation: the post in an invited channel; prompt: the organizer's card in a DM;
 * notice:<notification id>: a notice already posted, so a retried delivery does not post it again;
 * event: a Discord guild scheduled event (channel_id holds the guild id, message_id the event id).
 */
export type ChatMessagePurpose = 'invitation' | 'prompt' | 'event' | `notice:${string}`;

export interface ChatMessageRef {
  reservationId: string;
  platform: Platform;
  channelId: string;
  messageId: string;
  purpose: ChatMessagePurpose;
}

export async function findChatMessage(
  sql: Sql,
  key: Omit<ChatMessageRef, 'messageId'>,
): Promise<ChatMessageRef | undefined> {
  const { rows } = await sql.query<{ message_id: string }>(
    statement(
      `SELECT message_id FROM chat_message WHERE reservation_id = $1 AND platform = $2 AND channel_id = $3 AND purpose = $4`,
      [key.reservationId, key.platform, key.channelId, key.purpose],
    ),
  );
  return rows[0] ? { ...key, messageId: rows[0].message_id } : undefined;
}

/** What a message was last drawn for: the reservation's version and status then. */
export interface DrawnFor {
  version: number;
  status: string;
}

/** The recorded message and what it was last drawn for (undefined when not known). */
export async function findDrawnMessage(
  sql: Sql,
  key: Omit<ChatMessageRef, 'messageId'>,
): Promise<{ messageId: string; drawn: DrawnFor | undefined } | undefined> {
  const { rows } = await sql.query<{ message_id: string; drawn_version: number | null; drawn_status: string | null }>(
    statement(
      `SELECT message_id, drawn_version, drawn_status FROM chat_message
       WHERE reservation_id = $1 AND platform = $2 AND channel_id = $3 AND purpose = $4`,
      [key.reservationId, key.platform, key.channelId, key.purpose],
    ),
  );
  const row = rows[0];
  if (!row) return undefined;
  const drawn =
    row.drawn_version === null || row.drawn_status === null
      ? undefined
      : { version: row.drawn_version, status: row.drawn_status };
  return { messageId: row.message_id, drawn };
}

/** Notes what the recorded message now shows. */
export async function markDrawn(sql: Sql, key: Omit<ChatMessageRef, 'messageId'>, drawn: DrawnFor): Promise<void> {
  await sql.query(
    statement(
      `UPDATE chat_message SET drawn_version = $5, drawn_status = $6, updated_at = now()
       WHERE reservation_id = $1 AND platform = $2 AND channel_id = $3 AND purpose = $4`,
      [key.reservationId, key.platform, key.channelId, key.purpose, drawn.version, drawn.status],
    ),
  );
}

/**
 * Reservations whose recorded message of this purpose on this platform shows another version or
 * status than the reservation has now (commits nobody heard of: a listener was away).
 */
export async function staleMessages(
  sql: Sql,
  platform: Platform,
  purpose: ChatMessagePurpose,
  limit: number,
): Promise<string[]> {
  const { rows } = await sql.query<{ reservation_id: string }>(
    statement(
      `SELECT m.reservation_id FROM chat_message m JOIN reservation r ON r.id = m.reservation_id
       WHERE m.platform = $1 AND m.purpose = $2
         AND (m.drawn_version, m.drawn_status) IS DISTINCT FROM (r.version, r.status::text)
       ORDER BY m.updated_at LIMIT $3`,
      [platform, purpose, limit],
    ),
  );
  return rows.map((row) => row.reservation_id);
}

/** The channels where a reservation has a recorded message of this purpose. */
export async function chatMessageChannels(
  sql: Sql,
  reservationId: string,
  platform: Platform,
  purpose: ChatMessagePurpose,
): Promise<string[]> {
  const { rows } = await sql.query<{ channel_id: string }>(
    statement(`SELECT channel_id FROM chat_message WHERE reservation_id = $1 AND platform = $2 AND purpose = $3`, [
      reservationId,
      platform,
      purpose,
    ]),
  );
  return rows.map((row) => row.channel_id);
}

/**
 * Reservations whose guild event has not followed the stream: live while the event was not
 * started, or over while it still shows as live.
 */
export async function staleEvents(sql: Sql, platform: Platform, limit: number): Promise<string[]> {
  const { rows } = await sql.query<{ reservation_id: string }>(
    statement(
      `SELECT DISTINCT m.reservation_id FROM chat_message m JOIN reservation r ON r.id = m.reservation_id
       WHERE m.platform = $1 AND m.purpose = 'event'
         AND ((r.status = 'live' AND m.drawn_status IS DISTINCT FROM 'live')
           OR (r.status IN ('completed', 'cancelled', 'lapsed') AND m.drawn_status = 'live'))
       LIMIT $2`,
      [platform, limit],
    ),
  );
  return rows.map((row) => row.reservation_id);
}

/** Records (or replaces) the message that stands for this reservation in this channel. */
export async function saveChatMessage(sql: Sql, ref: ChatMessageRef): Promise<void> {
  await sql.query(
    statement(
      `INSERT INTO chat_message (id, reservation_id, platform, channel_id, message_id, purpose, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT (reservation_id, platform, channel_id, purpose)
       DO UPDATE SET message_id = EXCLUDED.message_id, updated_at = now()`,
      [randomUUID(), ref.reservationId, ref.platform, ref.channelId, ref.messageId, ref.purpose],
    ),
  );
}

/**
 * Runs `work` (find the recorded message, post or edit it, record it) while no other process
 * works on the same reservation, platform and channel. Two workers delivering two events for one
 * channel at once would otherwise both find nothing, both post, and orphan one of the posts.
 *
 * The session-level advisory lock is held on a connection from a small pool of its own: `work`
 * takes connections from the main pool, and if lock holders could use up that pool they would
 * wait on each other for ever.
 */
export async function withChatMessageLock<T>(
  pool: pg.Pool,
  key: Pick<ChatMessageRef, 'reservationId' | 'platform' | 'channelId'>,
  work: () => Promise<T>,
): Promise<T> {
  const client = await lockPoolFor(pool).connect();
  const lockKey = `chat:${key.reservationId}:${key.platform}:${key.channelId}`;
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockKey]);
    try {
      return await work();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey]);
    }
  } finally {
    client.release();
  }
}

const lockPools = new WeakMap<pg.Pool, pg.Pool>();

function lockPoolFor(pool: pg.Pool): pg.Pool {
  let lockPool = lockPools.get(pool);
  if (!lockPool) {
    // Same server and credentials as the main pool; idle connections close soon and never keep
    // the process alive.
    lockPool = new PgPool({ ...pool.options, max: 10, idleTimeoutMillis: 1_000, allowExitOnIdle: true });
    // A lock connection dropped by the server is simply replaced; the lock's holder sees its query fail.
    guardConnections(lockPool);
    lockPools.set(pool, lockPool);
  }
  return lockPool;
}
