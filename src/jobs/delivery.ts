/**
 * Delivers outbox rows through the transports: claim (with a lease), build the message, send,
 * record the outcome. Retriable failures come back with exponential backoff for up to 24 hours;
 * permanent ones are marked failed and reported to the organizer once.
 */
import type pg from 'pg';
import { ingestOf } from '../domain/reservation.js';
import type { NotificationChannel } from '../domain/notifications.js';
import type { Metrics } from '../app/metrics.js';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';
import type { Transport, DeliveryResult } from '../notify/transport.js';
import type { MessageModel } from '../notify/message.js';
import type { ClaimedNotification } from '../store/notifications.js';
import { claimNotifications, extendLease, markFailed, markRetry, markSent } from '../store/notifications.js';
import type { StoredReservation } from '../store/reservations.js';
import { findReservation } from '../store/reservations.js';
import { isEnforcing } from '../domain/server-kind.js';
import { personalWatchUrl } from '../domain/viewer-token.js';
import { isInvitation } from '../notify/message.js';
import { viewerTokenKey } from '../store/streaming.js';
import { forEachConcurrently } from './concurrency.js';

export interface DeliverySettings {
  /** How long a claim holds a row; a worker that dies releases its rows when this runs out. */
  leaseMs: number;
  /** Messages in flight at once per worker. */
  concurrency: number;
  /** Give up retrying after this long (default 24h). */
  giveUpAfterMs: number;
}

export interface DeliveryHooks {
  /** Deliver these ids again at `at`. */
  retryLater(ids: string[], at: Date): Promise<void>;
  /** Some rows of this reservation failed for good. */
  failedForGood(reservationId: string): Promise<void>;
  /** Every delivery and every final failure, for the service's metrics. */
  metrics: Pick<Metrics, 'delivered' | 'deliveryFailed'>;
}

const FIRST_RETRY_MS = 5_000;
const LONGEST_WAIT_MS = 3_600_000;
// Rows claimed at once. Large enough that a fan-out does not stall at batch ends; the lease is
// renewed while the batch is worked through (keepClaimed), so it need not cover the whole batch.
const CLAIM_BATCH = 500;

/** 5 s, 10 s, 20 s … capped at an hour, with ±20% jitter so retries of a fan-out spread out. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1), LONGEST_WAIT_MS);
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class DeliveryWorker {
  private readonly transports = new Map<NotificationChannel, Transport>();
  private tokenKey: Promise<string> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    transports: Transport[],
    private readonly settings: DeliverySettings,
    private readonly hooks: DeliveryHooks,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    for (const transport of transports) {
      for (const handled of transport.handles) this.transports.set(handled, transport);
    }
  }

  /** Delivers those of `ids` that are due and not held by another worker. */
  async deliver(ids: string[]): Promise<void> {
    for (let start = 0; start < ids.length; start += CLAIM_BATCH) {
      const claimed = await claimNotifications(this.pool, ids.slice(start, start + CLAIM_BATCH), this.settings.leaseMs);
      const retries = new Map<number, string[]>();
      const failedReservations = new Set<string>();
      const unfinished = new Set(claimed.map((row) => row.id));
      const heartbeat = this.keepClaimed(unfinished);
      try {
        await forEachConcurrently(claimed, this.settings.concurrency, async (row) => {
          const outcome = await this.deliverOne(row).finally(() => unfinished.delete(row.id));
          if (outcome.status === 'retry') {
            const at = outcome.at.getTime();
            retries.set(at, [...(retries.get(at) ?? []), row.id]);
          } else if (outcome.status === 'failed' && row.event !== 'delivery_failure_report') {
            failedReservations.add(row.reservationId);
          }
        });
      } finally {
        clearInterval(heartbeat);
      }
      for (const [at, retryIds] of retries) await this.hooks.retryLater(retryIds, new Date(at));
      for (const reservationId of failedReservations) await this.hooks.failedForGood(reservationId);
    }
  }

  /**
   * A batch is claimed at once but sent a few at a time; a slow provider can take longer than the
   * lease to get through it. Renewing the lease every third of it keeps the rows this worker has
   * yet to send from being swept up and sent a second time by another job or worker.
   */
  private keepClaimed(unfinished: Set<string>): NodeJS.Timeout {
    let renewing = false;
    const timer = setInterval(
      () => {
        if (renewing || unfinished.size === 0) return;
        renewing = true;
        extendLease(this.pool, [...unfinished], this.settings.leaseMs)
          .catch((error: unknown) =>
            this.log.debug('renewing a delivery lease failed', { error: coerceError(error).message }),
          )
          .finally(() => {
            renewing = false;
          });
      },
      Math.max(100, Math.floor(this.settings.leaseMs / 3)),
    );
    timer.unref();
    return timer;
  }

  private async deliverOne(
    row: ClaimedNotification,
  ): Promise<{ status: 'sent' | 'failed' } | { status: 'retry'; at: Date }> {
    const transport = this.transports.get(row.channel);
    let result: DeliveryResult;
    if (!transport) {
      result = {
        status: 'failed',
        reason: `Nothing delivers ${row.channel} messages here: that platform is not connected.`,
      };
    } else {
      try {
        result = await transport.send({ message: await this.messageFor(row, transport), attempt: row.attempts });
      } catch (error) {
        result = { status: 'retry', reason: coerceError(error).message };
      }
    }
    const now = this.clock();
    switch (result.status) {
      case 'delivered':
        await markSent(this.pool, row.id, result.providerMessageId);
        this.hooks.metrics.delivered(row.channel, (now.getTime() - row.createdAt.getTime()) / 1_000);
        return { status: 'sent' };
      case 'failed':
        this.log.warn('delivery failed for good', {
          notification: row.id,
          channel: row.channel,
          event: row.event,
          reason: result.reason,
        });
        await markFailed(this.pool, row.id, result.reason);
        this.hooks.metrics.deliveryFailed(row.channel);
        return { status: 'failed' };
      case 'retry': {
        const at = new Date(now.getTime() + Math.max(result.retryAfterMs ?? 0, backoffMs(row.attempts)));
        if (at.getTime() - row.createdAt.getTime() > this.settings.giveUpAfterMs) {
          await markFailed(this.pool, row.id, `Gave up after ${row.attempts} attempts: ${result.reason}`);
          this.hooks.metrics.deliveryFailed(row.channel);
          return { status: 'failed' };
        }
        this.log.info('delivery will be retried', {
          notification: row.id,
          channel: row.channel,
          attempt: row.attempts,
          at: at.toISOString(),
          reason: result.reason,
        });
        await markRetry(this.pool, row.id, at, result.reason);
        return { status: 'retry', at };
      }
    }
  }

  /** The permit prompt's stream key is read here only for a transport that does not read the reservation itself. */
  private async messageFor(row: ClaimedNotification, transport: Transport): Promise<MessageModel> {
    const needsIngest = row.event === 'permit_prompt' && !transport.rendersPromptItself;
    const message = messageFromRow(row, needsIngest ? await findReservation(this.pool, row.reservationId) : undefined);
    // An e-mail invitee of a stream Slotcast enforces gets their personal watch link (issue 9),
    // made here so that the outbox never holds it.
    if (row.channel === 'email' && isInvitation(row.event) && isEnforcing(row.payload.reservation.serverKind)) {
      this.tokenKey ??= viewerTokenKey(this.pool).catch((error: unknown) => {
        this.tokenKey = undefined; // read again next time
        throw error;
      });
      const key = await this.tokenKey;
      message.personalWatchUrl = personalWatchUrl(
        message.reservation.playbackUrl,
        key,
        message.reservation.id,
        row.recipient,
      );
    }
    return message;
  }
}

/**
 * The message model for an outbox row. Only the permit prompt is given the reservation as it is
 * now, for the ingest URL and stream key, which no payload holds.
 */
export function messageFromRow(
  row: Pick<ClaimedNotification, 'id' | 'event' | 'channel' | 'recipient' | 'payload'>,
  current?: Pick<StoredReservation, 'code' | 'server' | 'streamKey'>,
): MessageModel {
  const { payload } = row;
  return {
    notificationId: row.id,
    event: row.event,
    recipient: { channel: row.channel, recipient: row.recipient },
    reservation: payload.reservation,
    actorName: payload.actorName,
    at: new Date(payload.at),
    ...(payload.changes ? { changes: payload.changes } : {}),
    ...(payload.reason !== undefined ? { reason: payload.reason } : {}),
    ...(payload.unreachable ? { unreachable: payload.unreachable } : {}),
    ...(payload.calendar ? { calendar: payload.calendar } : {}),
    ...(payload.refusal ? { refusal: payload.refusal } : {}),
    ...(payload.attendance ? { attendance: payload.attendance } : {}),
    ...(row.event === 'permit_prompt' && current ? { ingest: ingestOf(current) } : {}),
  };
}
