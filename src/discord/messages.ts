/**
 * Discord's side of the recorded messages (src/chat/recorded.ts): posting, editing, and the bot's
 * DM with a user. Posts made by a delivery carry a nonce Discord de-duplicates on, so a retry
 * that raced a slow first attempt still posts once.
 */
import { createHash } from 'node:crypto';
import type { APIMessage, REST } from 'discord.js';
import { Routes } from 'discord.js';
import type { MessagePort, PostOptions } from '../chat/recorded.js';
import { apiCode, DiscordCode } from './errors.js';
import type { DiscordMessage } from './render.js';

/** Discord drops a second message with the same nonce sent within minutes (enforce_nonce). */
function nonce(notificationId: string, purpose: string): string {
  return createHash('sha256').update(`${notificationId}:${purpose}`).digest('base64url').slice(0, 25);
}

export class DiscordMessages implements MessagePort<DiscordMessage> {
  readonly platform = 'discord' as const;

  constructor(private readonly rest: REST) {}

  /** Discord keeps one DM channel per user; opening it again returns the same one. */
  async openDm(userId: string): Promise<string> {
    const opened = (await this.rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string };
    return opened.id;
  }

  async edit(channelId: string, messageId: string, body: DiscordMessage): Promise<boolean> {
    try {
      await this.rest.patch(Routes.channelMessage(channelId, messageId), { body });
      return true;
    } catch (error) {
      if (apiCode(error) !== DiscordCode.UnknownMessage) throw error;
      return false;
    }
  }

  async post(channelId: string, body: DiscordMessage, options: PostOptions): Promise<string> {
    const kind = options.purpose.startsWith('notice:') ? 'notice' : options.purpose;
    const posted = (await this.rest.post(Routes.channelMessages(channelId), {
      body: {
        ...body,
        ...(options.replyTo ? { message_reference: { message_id: options.replyTo, fail_if_not_exists: false } } : {}),
        ...(options.notificationId ? { nonce: nonce(options.notificationId, kind), enforce_nonce: true } : {}),
      },
    })) as APIMessage;
    return posted.id;
  }
}
