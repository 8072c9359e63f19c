/**
 * Messages Slotcast posted in chats (channel invitations, organizer prompts), so later events edit
 * them in place and thread notices under them.
 */
import { randomUUID } from 'node:crypto';
import type { Platform } from '../domain/reservation.js';
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
