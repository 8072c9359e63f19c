/**
 * Slack's side of the recorded messages (src/chat/recorded.ts): posting, editing, and opening the
 * app's DM with a user (chat.update needs the DM's channel id, D…, not the user id).
 */
import type { webApi } from '@slack/bolt';
import type { MessagePort, PostOptions } from '../chat/recorded.js';
import { isSlackError } from './errors.js';
import type { ChannelPacer } from './pacer.js';
import type { SlackMessage } from './render.js';

export class SlackMessages implements MessagePort<SlackMessage> {
  readonly platform = 'slack' as const;

  /** `pacer`: posts wait their turn in the channel (deliveries); interactive answers do not. */
  constructor(
    private readonly client: webApi.WebClient,
    private readonly pacer?: ChannelPacer,
  ) {}

  async openDm(userId: string): Promise<string> {
    const { channel } = await this.client.conversations.open({ users: userId });
    if (!channel?.id) throw new Error('conversations.open returned no channel');
    return channel.id;
  }

  async edit(channelId: string, messageId: string, body: SlackMessage): Promise<boolean> {
    try {
      await this.client.chat.update({ channel: channelId, ts: messageId, text: body.text, blocks: body.blocks });
      return true;
    } catch (error) {
      // Someone deleted the post, or it can no longer be edited.
      if (isSlackError(error, 'message_not_found', 'cant_update_message', 'edit_window_closed')) return false;
      throw error;
    }
  }

  async post(channelId: string, body: SlackMessage, options: PostOptions): Promise<string> {
    await this.pacer?.pace(channelId);
    const message = { channel: channelId, text: body.text, blocks: body.blocks, unfurl_links: false };
    const posted = await this.client.chat.postMessage(
      options.replyTo
        ? { ...message, thread_ts: options.replyTo, reply_broadcast: options.broadcast ?? false }
        : message,
    );
    if (!posted.ts) throw new Error('chat.postMessage returned no ts');
    return posted.ts;
  }
}
