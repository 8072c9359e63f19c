/**
 * The organizer's DM with the app, and the card (permit prompt) recorded in it. chat.update needs
 * the DM's channel id (D…), not the user id, so it is looked up once per user (conversations.open)
 * and kept.
 */
import type { webApi } from '@slack/bolt';
import type { Sql } from '../store/sql.js';
import type { StoredReservation } from '../store/reservations.js';
import { findChatMessage } from '../store/chat-messages.js';
import { cardFor } from '../chat/card.js';
import { reservationCard } from './render.js';

export class DirectMessages {
  private readonly channels = new Map<string, Promise<string>>();

  constructor(private readonly client: webApi.WebClient) {}

  channelFor(userId: string): Promise<string> {
    let channel = this.channels.get(userId);
    if (!channel) {
      channel = this.client.conversations.open({ users: userId }).then(({ channel: opened }) => {
        if (!opened?.id) throw new Error('conversations.open returned no channel');
        return opened.id;
      });
      // A failed lookup is not remembered.
      channel.catch(() => this.channels.delete(userId));
      this.channels.set(userId, channel);
    }
    return channel;
  }

  /**
   * Brings the organizer's recorded card up to date (state, times, buttons), so no stale button
   * stays behind. Does nothing when no card was posted yet: its delivery will render the current state.
   */
  async refreshCard(sql: Sql, reservation: StoredReservation, now: Date): Promise<void> {
    if (reservation.organizer.platform !== 'slack') return;
    const channel = await this.channelFor(reservation.organizer.userId);
    const ref = await findChatMessage(sql, {
      reservationId: reservation.id,
      platform: 'slack',
      channelId: channel,
      purpose: 'prompt',
    });
    if (!ref) return;
    const reader = { platform: 'slack' as const, userId: reservation.organizer.userId };
    const card = reservationCard(cardFor(reservation, { reader, place: 'direct_message', now }));
    await this.client.chat.update({ channel, ts: ref.messageId, text: card.text, blocks: card.blocks });
  }
}
