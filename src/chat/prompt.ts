/**
 * The organizer's prompt (claim 6, docs/method.md): the card in their DM with the app (chat_message
 * purpose 'prompt'), kept showing the reservation as it is now. Deliveries and actions taken
 * anywhere (the prompt, a reminder, a list, a form) go through here, on every platform, so a
 * prompt is never left saying "Permitted" with a Reconfirm button after the reservation moved on.
 *
 * Every redraw holds the conversation's lock and reads the reservation under it: of two redraws
 * racing (a delivery and a button press), the later one shows the later state.
 */
import type pg from 'pg';
import type { NotificationEvent } from '../domain/notifications.js';
import type { MessageModel } from '../notify/message.js';
import type { StoredReservation } from '../store/reservations.js';
import { findReservation } from '../store/reservations.js';
import type { ReservationCard } from './card.js';
import { cardFor, cardOfMessage } from './card.js';
import type { Conversation, RecordedMessages } from './recorded.js';

/** Notices to the organizer that change what the prompt shows, so it is redrawn with them. */
const REDRAWN_WITH: ReadonlySet<NotificationEvent> = new Set([
  'change_notice',
  'cancellation_notice',
  'lapse_notice',
  'reconfirm_reminder',
]);
/** Notices that must be seen, not only found in the prompt's thread. */
const BROADCAST: ReadonlySet<NotificationEvent> = new Set(['lapse_notice', 'reconfirm_reminder']);

/** The message an action was taken from, and how to rewrite it through the interaction. */
export interface Pressed<Body> {
  channelId: string;
  messageId: string;
  edit(body: Body): Promise<void>;
}

export interface Redrawn {
  /** Whether the pressed message was the prompt (and so was redrawn). */
  pressedWasPrompt: boolean;
  /** The reservation as the redraw read it. */
  reservation: StoredReservation | undefined;
}

export class Prompts<Body> {
  constructor(
    private readonly pool: pg.Pool,
    private readonly recorded: RecordedMessages<Body>,
    private readonly render: (card: ReservationCard) => Body,
    private readonly clock: () => Date,
    /** The reservation's web page, linked from the prompt (src/web: its card and buttons). */
    private readonly pageUrl?: (code: string) => string,
  ) {}

  /**
   * Delivers a message for the organizer's DM: the permit prompt itself (posted, or edited when a
   * retry finds it), or a notice, threaded under the prompt, which it first redraws. Returns the
   * DM channel and the message delivered.
   */
  async deliver(
    message: MessageModel,
    notice: (message: MessageModel) => Body,
  ): Promise<{ channelId: string; messageId: string }> {
    const userId = message.recipient.recipient;
    const channelId = await this.recorded.dmChannel(userId);
    const conversation = { reservationId: message.reservation.id, channelId };
    const messageId = await this.recorded.locked(conversation, async () => {
      const options = { notificationId: message.notificationId };
      if (message.event === 'permit_prompt') {
        const body = this.render(await this.card(conversation, userId, message));
        return this.recorded.upsert(conversation, body, { ...options, purpose: 'prompt' });
      }
      const prompt = await this.recorded.find(conversation, 'prompt');
      if (prompt && REDRAWN_WITH.has(message.event)) {
        await this.recorded.port.edit(channelId, prompt, this.render(await this.card(conversation, userId, message)));
      }
      // A failure report is about other people's deliveries: it stands on its own.
      const threaded = prompt !== undefined && message.event !== 'delivery_failure_report';
      return this.recorded.postOnce(conversation, notice(message), {
        ...options,
        purpose: `notice:${message.notificationId}`,
        ...(threaded ? { replyTo: prompt, broadcast: BROADCAST.has(message.event) } : {}),
      });
    });
    return { channelId, messageId };
  }

  /**
   * Redraws the organizer's recorded prompt after an action. When the action was taken from the
   * prompt itself, it is rewritten through `pressed` (an interaction's own answer), else through
   * the port. Does nothing when no prompt was posted yet: its delivery will draw the current state.
   */
  async redraw(reservationId: string, pressed?: Pressed<Body>): Promise<Redrawn> {
    const before = await findReservation(this.pool, reservationId);
    // Only an organizer on this platform has a prompt in a DM here.
    if (before?.organizer.platform !== this.recorded.port.platform) {
      return { pressedWasPrompt: false, reservation: before };
    }
    const userId = before.organizer.userId;
    const conversation = { reservationId, channelId: await this.recorded.dmChannel(userId) };
    return this.recorded.locked(conversation, async () => {
      const current = (await findReservation(this.pool, reservationId)) ?? before;
      const prompt = await this.recorded.find(conversation, 'prompt');
      if (!prompt) return { pressedWasPrompt: false, reservation: current };
      const body = this.render(this.cardOf(current, userId));
      if (pressed?.messageId === prompt && pressed.channelId === conversation.channelId) {
        await pressed.edit(body);
        return { pressedWasPrompt: true, reservation: current };
      }
      await this.recorded.port.edit(conversation.channelId, prompt, body);
      return { pressedWasPrompt: false, reservation: current };
    });
  }

  /** The card for the DM of `userId`, from the reservation read now (the message's snapshot if it is gone). */
  private async card(conversation: Conversation, userId: string, message: MessageModel): Promise<ReservationCard> {
    const current = await findReservation(this.pool, conversation.reservationId);
    return current ? this.cardOf(current, userId) : cardOfMessage(message, this.clock());
  }

  private cardOf(reservation: StoredReservation, userId: string): ReservationCard {
    const reader = { platform: this.recorded.port.platform, userId };
    const card = cardFor(reservation, { reader, place: 'direct_message', now: this.clock() });
    return this.pageUrl ? { ...card, pageUrl: this.pageUrl(reservation.code) } : card;
  }
}
