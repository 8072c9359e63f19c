/**
 * What became of the messages to a reservation's invitees, as the organizer's page shows it: for
 * each contact, its latest message and whether it went out (from the outbox).
 */
import type { NotificationChannel, NotificationEvent } from '../domain/notifications.js';
import type { Sql } from './sql.js';
import { statement } from './sql.js';

export type DeliveryState = 'pending' | 'sent' | 'failed';

export interface ContactDelivery {
  channel: NotificationChannel;
  recipient: string;
  event: NotificationEvent;
  status: DeliveryState;
  attempts: number;
  /** Why the last attempt did not go through (a failed or retried message). */
  lastError: string | null;
  at: Date;
}

/** The latest message to each invitee contact (e-mail, Slack and Discord channels). */
export async function latestInviteeDeliveries(sql: Sql, reservationId: string): Promise<ContactDelivery[]> {
  const { rows } = await sql.query<{
    channel: NotificationChannel;
    recipient: string;
    event: NotificationEvent;
    status: DeliveryState;
    attempts: number;
    last_error: string | null;
    at: Date;
  }>(
    statement(
      `SELECT DISTINCT ON (channel, recipient) channel, recipient, event, status, attempts, last_error,
         coalesce(sent_at, created_at) AS at
       FROM notification
       WHERE reservation_id = $1 AND channel IN ('email', 'slack_channel', 'discord_channel')
       ORDER BY channel, recipient, created_at DESC, id DESC`,
      [reservationId],
    ),
  );
  return rows.map((row) => ({
    channel: row.channel,
    recipient: row.recipient,
    event: row.event,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    at: row.at,
  }));
}
