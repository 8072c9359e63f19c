/**
 * The Slack transport of the notification pipeline: the organizer's DM ('slack_dm', through the
 * shared prompt of src/chat/prompt.ts) and invited channels ('slack_channel').
 *
 * Never twice: every post is recorded (the invitation per channel, the card per DM, each notice by
 * its notification id) and looked up before posting, under a lock across worker processes, so a
 * retried delivery edits or skips instead of posting again (src/chat/recorded.ts).
 *
 * Rate limits: a 429 is returned as `retry` with Slack's Retry-After (the WebClient does not retry
 * on its own here, so the worker's backoff and the outbox stay in charge), and posts are paced
 * to about one per second per channel.
 */
import { webApi } from '@slack/bolt';
import type { ChatPort } from '../chat/port.js';
import type { Prompts } from '../chat/prompt.js';
import type { Conversation, RecordedMessages } from '../chat/recorded.js';
import type { Logger } from '../log.js';
import type { MessageModel } from '../notify/message.js';
import type { Transport, Delivery, DeliveryResult } from '../notify/transport.js';
import { classify } from './errors.js';
import { boltLogger } from './logger.js';
import { SlackMessages } from './messages.js';
import { ChannelPacer } from './pacer.js';
import type { SlackMessage } from './render.js';
import { cancelledInvitationMessage, invitationMessage, noticeMessage, reservationCard } from './render.js';

export interface SlackTransportOptions {
  botToken: string;
  apiUrl: string | undefined;
  chat: ChatPort;
  log: Logger;
  /** Least time between two posts to one channel (default 1000 ms, Slack's guidance). */
  postIntervalMs?: number;
}

export function createSlackTransport(options: SlackTransportOptions): Transport {
  const client = new webApi.WebClient(options.botToken, {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logger: boltLogger(options.log),
  });
  const pacer = new ChannelPacer(options.postIntervalMs ?? 1000);
  const { recorded, prompts } = options.chat.messages(new SlackMessages(client, pacer), reservationCard);
  return new SlackTransport(recorded, prompts, pacer);
}

class SlackTransport implements Transport {
  readonly name = 'slack';
  readonly handles = ['slack_dm', 'slack_channel'] as const;
  readonly rendersPromptItself = true;

  constructor(
    private readonly recorded: RecordedMessages<SlackMessage>,
    private readonly prompts: Prompts<SlackMessage>,
    private readonly pacer: ChannelPacer,
  ) {}

  async send({ message }: Delivery): Promise<DeliveryResult> {
    const { channel, recipient } = message.recipient;
    try {
      return await this.pacer.run(recipient, async () => {
        if (channel === 'slack_dm') {
          const sent = await this.prompts.deliver(message, (notice) => noticeMessage(notice, 'dm'));
          return delivered(sent.channelId, sent.messageId);
        }
        const conversation = { reservationId: message.reservation.id, channelId: recipient };
        const ts = await this.recorded.locked(conversation, () => this.toChannel(message, conversation));
        return delivered(recipient, ts);
      });
    } catch (error) {
      return classify(error, message.recipient);
    }
  }

  /** The invitation is posted once and edited after; notices are threaded under it. */
  private async toChannel(message: MessageModel, conversation: Conversation): Promise<string> {
    const { channelId } = conversation;
    const notice = { notificationId: message.notificationId, purpose: `notice:${message.notificationId}` } as const;
    switch (message.event) {
      case 'invitation_tentative':
      case 'invitation_confirmed':
        return this.recorded.upsert(conversation, invitationMessage(message), {
          notificationId: message.notificationId,
          purpose: 'invitation',
        });
      case 'change_notice': {
        const invitation = await this.recorded.find(conversation, 'invitation');
        if (!invitation)
          return this.recorded.postOnce(
            conversation,
            withDetails(noticeMessage(message, 'channel'), invitationMessage(message)),
            notice,
          );
        // Keeping an older post current is best effort; the notice itself must still go out.
        await this.recorded.port.edit(channelId, invitation, invitationMessage(message));
        return this.recorded.postOnce(conversation, noticeMessage(message, 'channel'), {
          ...notice,
          replyTo: invitation,
        });
      }
      case 'cancellation_notice': {
        const invitation = await this.recorded.find(conversation, 'invitation');
        if (invitation) await this.recorded.port.edit(channelId, invitation, cancelledInvitationMessage(message));
        return this.recorded.postOnce(conversation, noticeMessage(message, 'channel'), {
          ...notice,
          ...(invitation ? { replyTo: invitation } : {}),
        });
      }
      case 'start_reminder': {
        const invitation = await this.recorded.find(conversation, 'invitation');
        // Broadcast: a reminder hidden in a thread reminds nobody.
        return this.recorded.postOnce(conversation, noticeMessage(message, 'channel'), {
          ...notice,
          ...(invitation ? { replyTo: invitation, broadcast: true } : {}),
        });
      }
      default:
        return this.recorded.postOnce(conversation, noticeMessage(message, 'channel'), notice);
    }
  }
}

function withDetails(notice: SlackMessage, details: SlackMessage): SlackMessage {
  return { text: notice.text, blocks: [...notice.blocks, ...details.blocks] };
}

const delivered = (channel: string, ts: string): DeliveryResult => ({
  status: 'delivered',
  providerMessageId: `${channel}:${ts}`,
});
