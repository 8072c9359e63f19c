/**
 * The organizer's prompt (claim 6, docs/method.md): the card in their DM with the app (chat_message
 * purpose 'prompt'), kept showing the reservation as it is now. It follows every commit on its
 * reservation, whatever made it (src/chat/follow.ts: the web pages, the API, a chat button, a job),
 * so a prompt is never left saying "Permitted" with a Reconfirm button after the reservation moved on.
 *
 * Every draw holds the conversation's lock, reads the reservation under it and notes on the
 * recorded row what it drew (version and status): of two instances hearing one commit, or a
 * delivery and a button press racing, the first draws the state after it and the others find it
 * drawn and do nothing.
 */
import type pg from 'pg';
import type { CommitFollower } from './follow.js';
import type { NotificationEvent } from '../domain/notifications.js';
import type { MessageModel } from '../notify/message.js';
import type { DrawnFor } from '../store/chat-messages.js';
import { staleMessages } from '../store/chat-messages.js';
import type { StoredReservation } from '../store/reservations.js';
import { findReservation } from '../store/reservations.js';
import type { ReservationCard } from './card.js';
import { cardFor, cardOfMessage } from './card.js';
import type { Conversation, RecordedMessages } from './recorded.js';

/**
 * Notices to the organizer that change what the prompt shows, so it is brought up to date with
 * them (when their commit's own redraw has not yet). A reconfirm reminder follows no commit: the
 * buttons a card offers depend on the time too, so it is drawn again whatever it shows.
 */
const REDRAWN_WITH: ReadonlySet<NotificationEvent> = new Set(['change_notice', 'cancellation_notice', 'lapse_notice']);
const DRAWN_AGAIN_WITH: ReadonlySet<NotificationEvent> = new Set(['reconfirm_reminder']);
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

export class Prompts<Body> implements CommitFollower {
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
   * retry finds it), or a notice, threaded under the prompt, which it first brings up to date
   * (unless the commit's follower did already). Returns the DM channel and the message delivered.
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
      const current = await findReservation(this.pool, conversation.reservationId);
      if (message.event === 'permit_prompt') {
        const card = current ? this.cardOf(current, userId) : cardOfMessage(message, this.clock());
        const posted = await this.recorded.upsert(conversation, this.render(card), { ...options, purpose: 'prompt' });
        if (current) await this.recorded.markDrawn(conversation, 'prompt', drawnFor(current));
        return posted;
      }
      const prompt = await this.recorded.findDrawn(conversation, 'prompt');
      if (prompt && current && (DRAWN_AGAIN_WITH.has(message.event) || REDRAWN_WITH.has(message.event)))
        await this.draw(conversation, userId, prompt, current, { always: DRAWN_AGAIN_WITH.has(message.event) });
      // A failure report is about other people's deliveries: it stands on its own.
      const threaded = prompt !== undefined && message.event !== 'delivery_failure_report';
      return this.recorded.postOnce(conversation, notice(message), {
        ...options,
        purpose: `notice:${message.notificationId}`,
        ...(threaded ? { replyTo: prompt.messageId, broadcast: BROADCAST.has(message.event) } : {}),
      });
    });
    return { channelId, messageId };
  }

  /**
   * Brings the organizer's recorded prompt up to date with the reservation as committed, unless it
   * shows that already. When an action was taken from the prompt itself, it is rewritten through
   * `pressed` (the interaction's own answer), else through the port. Does nothing when no prompt
   * was posted yet: its delivery will draw the current state.
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
      const prompt = await this.recorded.findDrawn(conversation, 'prompt');
      if (!prompt) return { pressedWasPrompt: false, reservation: current };
      const wasPressed = pressed?.messageId === prompt.messageId && pressed.channelId === conversation.channelId;
      await this.draw(conversation, userId, prompt, current, { through: wasPressed ? pressed : undefined });
      return { pressedWasPrompt: wasPressed, reservation: current };
    });
  }

  /** After any commit on the reservation (src/chat/follow.ts). */
  follow(reservationId: string): Promise<Redrawn> {
    return this.redraw(reservationId);
  }

  /** Reservations whose prompt on this platform shows another version or status than they have now. */
  stale(limit: number): Promise<string[]> {
    return staleMessages(this.pool, this.recorded.port.platform, 'prompt', limit);
  }

  /** Draws the prompt as `current` is, unless it shows that already (or `always`), and notes it. Call it locked. */
  private async draw(
    conversation: Conversation,
    userId: string,
    prompt: { messageId: string; drawn: DrawnFor | undefined },
    current: StoredReservation,
    options: { through?: Pressed<Body>; always?: boolean },
  ): Promise<void> {
    const now = drawnFor(current);
    if (!options.always && prompt.drawn?.version === now.version && prompt.drawn.status === now.status) return;
    const body = this.render(this.cardOf(current, userId));
    // A prompt someone deleted cannot be drawn: noted all the same, so nothing retries it.
    if (options.through) await options.through.edit(body);
    else await this.recorded.port.edit(conversation.channelId, prompt.messageId, body);
    await this.recorded.markDrawn(conversation, 'prompt', now);
  }

  private cardOf(reservation: StoredReservation, userId: string): ReservationCard {
    const reader = { platform: this.recorded.port.platform, userId };
    const card = cardFor(reservation, { reader, place: 'direct_message', now: this.clock() });
    return this.pageUrl ? { ...card, pageUrl: this.pageUrl(reservation.code) } : card;
  }
}

/** What a prompt drawn from `reservation` shows: its version and status. */
export function drawnFor(reservation: Pick<StoredReservation, 'version' | 'status'>): DrawnFor {
  return { version: reservation.version, status: reservation.status };
}
