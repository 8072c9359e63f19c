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
