/**
 * A reservation's scheduled event (a Discord guild event, chat_message purpose 'event') follows
 * the stream (issue 17): started when the stream goes live, completed when it is over — ended at
 * its time, or cancelled while it ran. Deliveries create, move and cancel it (src/discord/transport.ts);
 * this follows the commits that make no notice (src/chat/follow.ts). The row notes the status it
 * was last set for, under the conversation's lock: of the instances hearing one commit, one sets it.
 */
import type pg from 'pg';
import type { ReservationStatus } from '../domain/status.js';
import { chatMessageChannels, staleEvents } from '../store/chat-messages.js';
import { findReservation } from '../store/reservations.js';
import type { CommitFollower } from './follow.js';
import type { RecordedMessages } from './recorded.js';

export type EventStatus = 'active' | 'completed';

/** What the event becomes now, given the reservation's status and the one it was last set for. */
export function nextEventStatus(status: ReservationStatus, drawnStatus: string | undefined): EventStatus | undefined {
  if (status === 'live') return drawnStatus === 'live' ? undefined : 'active';
  // An event that was started can only be completed (Discord refuses to cancel it).
  if (drawnStatus === 'live' && ['completed', 'cancelled', 'lapsed'].includes(status)) return 'completed';
  return undefined;
}

export class FollowedEvents<Body> implements CommitFollower {
  constructor(
    private readonly pool: pg.Pool,
    private readonly recorded: RecordedMessages<Body>,
    /** Sets the event's status on the platform; the channel id stands for the guild. */
    private readonly setStatus: (channelId: string, eventId: string, status: EventStatus) => Promise<void>,
  ) {}

  async follow(reservationId: string): Promise<void> {
    const platform = this.recorded.port.platform;
    for (const channelId of await chatMessageChannels(this.pool, reservationId, platform, 'event')) {
      const conversation = { reservationId, channelId };
      await this.recorded.locked(conversation, async () => {
        const event = await this.recorded.findDrawn(conversation, 'event');
        const reservation = await findReservation(this.pool, reservationId);
        if (!event || !reservation) return;
        const next = nextEventStatus(reservation.status, event.drawn?.status);
        if (!next) return;
        await this.setStatus(channelId, event.messageId, next);
        await this.recorded.markDrawn(conversation, 'event', {
          version: reservation.version,
          status: next === 'active' ? 'live' : reservation.status,
        });
      });
    }
  }

  stale(limit: number): Promise<string[]> {
    return staleEvents(this.pool, this.recorded.port.platform, limit);
  }
}
