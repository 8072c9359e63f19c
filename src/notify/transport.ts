/**
 * A transport delivers rendered messages to one kind of contact: e-mail, Slack, Discord. The
 * delivery worker (src/jobs/delivery.ts) claims outbox rows, builds a MessageModel for each and
 * hands it to the transport that handles the row's NotificationChannel (the contact's kind). Adding a platform means
 * adding a Transport; nothing in the worker changes.
 */
import type { NotificationChannel } from '../domain/notifications.js';
import type { MessageModel } from './message.js';

export interface Delivery {
  message: MessageModel;
  /** 1 on the first try; grows with every retry. */
  attempt: number;
}

/**
 * - delivered: done; `providerMessageId` is recorded (SMTP Message-ID, Slack ts, Discord id).
 * - retry: a passing failure (connection refused, 4xx, 429, timeout); tried again with backoff,
 *   or after `retryAfterMs` when the provider said how long to wait.
 * - failed: will never work (address rejected, channel not found, bot not in channel); the row is
 *   marked failed with `reason`, and the organizer gets one report listing such contacts.
 */
export type DeliveryResult =
  | { status: 'delivered'; providerMessageId: string }
  | { status: 'retry'; reason: string; retryAfterMs?: number }
  | { status: 'failed'; reason: string };

export interface Transport {
  /** For logs: "email", "slack", "discord". */
  readonly name: string;
  /** The outbox channels this one delivers. */
  readonly handles: readonly NotificationChannel[];
  /**
   * The transport draws the permit prompt from the reservation it reads itself (a chat card, read
   * under its message lock, so it shows the state as of the edit), so the worker does not read the
   * reservation for it and the message carries no `ingest`.
   */
  readonly rendersPromptItself?: boolean;
  /**
   * Sends one message. Must not throw for expected failures: classify them. A throw is treated
   * as `retry`. Must be safe to call again for the same notificationId after a crash (make the
   * provider call idempotent where the provider allows it).
   */
  send(delivery: Delivery): Promise<DeliveryResult>;
  close?(): Promise<void>;
}
