/**
 * The organizer's DM prompt (chat_message purpose 'prompt'), kept showing the reservation as it
 * is now. Both the notification channel and the buttons go through here, so a prompt is never
 * left saying "Permitted" with a Reconfirm button after the reservation moved on, whichever
 * message the organizer acted from.
 */
import type { REST } from 'discord.js';
import { Routes } from 'discord.js';
import type pg from 'pg';
import { cardFor } from '../chat/card.js';
import type { ChatMessageRef } from '../store/chat-messages.js';
import { findChatMessage, withChatMessageLock } from '../store/chat-messages.js';
import type { StoredReservation } from '../store/reservations.js';
import { findReservation } from '../store/reservations.js';
import { apiCode, DiscordCode } from './errors.js';
import type { DiscordMessage } from './render.js';
import { promptMessage } from './render.js';

export type ChatKey = Omit<ChatMessageRef, 'messageId'>;

export const promptKey = (reservationId: string, channelId: string): ChatKey => ({
  reservationId,
  platform: 'discord',
  channelId,
  purpose: 'prompt',
});

/** The prompt for the DM of `dmUserId`, as the card model draws it for that reader. */
export function currentPrompt(reservation: StoredReservation, dmUserId: string, now: Date): DiscordMessage {
  return promptMessage(
    cardFor(reservation, { reader: { platform: 'discord', userId: dmUserId }, place: 'direct_message', now }),
  );
}

/**
 * Edits the recorded message in place: its id, or undefined when none is recorded or it was
 * deleted (the caller decides whether to post anew). Call it under withChatMessageLock.
 */
export async function editRecorded(
  rest: REST,
  pool: pg.Pool,
  key: ChatKey,
  body: DiscordMessage,
): Promise<string | undefined> {
  const existing = await findChatMessage(pool, key);
  if (!existing) return undefined;
  try {
    await rest.patch(Routes.channelMessage(key.channelId, existing.messageId), { body });
    return existing.messageId;
  } catch (error) {
    if (apiCode(error) !== DiscordCode.UnknownMessage) throw error;
    return undefined;
  }
}

/** The message a button or form was used on, and how to rewrite it through the interaction. */
export interface Pressed {
  messageId: string | undefined;
  edit(body: DiscordMessage): Promise<void>;
}

export interface Prompts {
  /** The user's DM channel (Discord keeps one per user; opening it again returns the same one). */
  dmChannel(userId: string): Promise<string>;
  /**
   * Re-renders the organizer's recorded prompt after an action. When the action came from the
   * prompt itself it is rewritten through the interaction (`pressed.edit`), else over REST.
   * Returns whether the pressed message was the prompt.
   */
  refresh(reservationId: string, pressed?: Pressed): Promise<boolean>;
}

export function createPrompts({ rest, pool, clock }: { rest: REST; pool: pg.Pool; clock: () => Date }): Prompts {
  const dmChannels = new Map<string, string>();

  async function dmChannel(userId: string): Promise<string> {
    let channelId = dmChannels.get(userId);
    if (!channelId) {
      channelId = ((await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string }).id;
      dmChannels.set(userId, channelId);
    }
    return channelId;
  }

  async function refresh(reservationId: string, pressed?: Pressed): Promise<boolean> {
    const before = await findReservation(pool, reservationId);
    // Only a Discord organizer has a prompt in a Discord DM.
    if (before?.organizer.platform !== 'discord') return false;
    const userId = before.organizer.userId;
    const key = promptKey(reservationId, await dmChannel(userId));
    return withChatMessageLock(pool, key, async () => {
      // Read again under the lock: of two refreshes racing, the later one shows the later state.
      const current = (await findReservation(pool, reservationId)) ?? before;
      const body = currentPrompt(current, userId, clock());
      const recorded = await findChatMessage(pool, key);
      if (recorded && pressed && recorded.messageId === pressed.messageId) {
        await pressed.edit(body);
        return true;
      }
      await editRecorded(rest, pool, key, body);
      return false;
    });
  }

  return { dmChannel, refresh };
}
