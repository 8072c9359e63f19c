/**
 * The Slack channel of the notification pipeline: the organizer's DM ('slack_dm') and invited
 * channels ('slack_channel').
 *
 * Never twice: every post is recorded in chat_message (the invitation per channel, the card per
 * DM, each notice by its notification id) and looked up before posting, so a retried delivery
 * edits or skips instead of posting again; the find, the post and the record run under a per-channel
 * lock across worker processes (withChatMessageLock). The one gap left is a crash between Slack's answer and
 * the record, which Slack offers no idempotency key to close.
 *
 * Rate limits: a 429 is returned as `retry` with Slack's Retry-After (the WebClient does not retry
 * on its own here, so the worker's backoff and the outbox stay in charge), and posts are paced
 * to about one per second per channel.
 */
import { webApi } from '@slack/bolt';
import type { AppDeps } from '../app/deps.js';
import { cardFor, cardOfMessage } from '../chat/card.js';
import type { Logger } from '../log.js';
import type { Transport, Delivery, DeliveryResult } from '../notify/transport.js';
import type { MessageModel } from '../notify/message.js';
import type { ChatMessageRef } from '../store/chat-messages.js';
import { findChatMessage, saveChatMessage, withChatMessageLock } from '../store/chat-messages.js';
import { findReservation } from '../store/reservations.js';
import { DirectMessages } from './messages.js';
import { classify, isSlackError } from './errors.js';
import { boltLogger } from './logger.js';
import type { Pace } from './pacer.js';
import { ChannelPacer } from './pacer.js';
import type { SlackMessage } from './render.js';
import { cancelledInvitationMessage, invitationMessage, noticeMessage, reservationCard } from './render.js';

export interface SlackTransportOptions {
  botToken: string;
  apiUrl: string | undefined;
  deps: Pick<AppDeps, 'pool' | 'clock'>;
  log: Logger;
  /** Least time between two posts to one channel (default 1000 ms, Slack's guidance). */
  postIntervalMs?: number;
}

type Key = Omit<ChatMessageRef, 'messageId'>;

export function createSlackTransport(options: SlackTransportOptions): Transport {
  const client = new webApi.WebClient(options.botToken, {
    ...(options.apiUrl ? { slackApiUrl: options.apiUrl } : {}),
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logger: boltLogger(options.log),
  });
  return new SlackChannel(client, options.deps, new ChannelPacer(options.postIntervalMs ?? 1000));
}

class SlackChannel implements Transport {
  readonly name = 'slack';
  readonly handles = ['slack_dm', 'slack_channel'] as const;
  private readonly dms: DirectMessages;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly deps: Pick<AppDeps, 'pool' | 'clock'>,
    private readonly pacer: ChannelPacer,
  ) {
    this.dms = new DirectMessages(client);
  }

  async send({ message }: Delivery): Promise<DeliveryResult> {
    const { channel, recipient } = message.recipient;
    try {
      return await this.pacer.run(recipient, (pace) =>
        channel === 'slack_dm' ? this.toDm(message, pace) : this.toChannel(message, pace),
      );
    } catch (error) {
      return classify(error, message.recipient);
    }
  }

  private toChannel(message: MessageModel, pace: Pace): Promise<DeliveryResult> {
    const channelId = message.recipient.recipient;
    return this.locked(message, channelId, () => this.toChannelLocked(message, channelId, pace));
  }

  private async toChannelLocked(message: MessageModel, channelId: string, pace: Pace): Promise<DeliveryResult> {
    const key = (purpose: Key['purpose']): Key => ({
      reservationId: message.reservation.id,
      platform: 'slack',
      channelId,
      purpose,
    });
    const notice = key(`notice:${message.notificationId}`);
    switch (message.event) {
      case 'invitation_tentative':
      case 'invitation_confirmed':
        return this.upsert(key('invitation'), invitationMessage(message), pace);
      case 'change_notice': {
        const invitation = await findChatMessage(this.deps.pool, key('invitation'));
        if (!invitation)
          return this.postOnce(
            notice,
            withDetails(noticeMessage(message, 'channel'), invitationMessage(message)),
            pace,
          );
        await this.updateQuietly(channelId, invitation.messageId, invitationMessage(message));
        return this.postOnce(notice, noticeMessage(message, 'channel'), pace, { threadTs: invitation.messageId });
      }
      case 'cancellation_notice': {
        const invitation = await findChatMessage(this.deps.pool, key('invitation'));
        if (invitation) await this.updateQuietly(channelId, invitation.messageId, cancelledInvitationMessage(message));
        return this.postOnce(
          notice,
          noticeMessage(message, 'channel'),
          pace,
          invitation ? { threadTs: invitation.messageId } : {},
        );
      }
      case 'start_reminder': {
        const invitation = await findChatMessage(this.deps.pool, key('invitation'));
        // Broadcast: a reminder hidden in a thread reminds nobody.
        return this.postOnce(
          notice,
          noticeMessage(message, 'channel'),
          pace,
          invitation ? { threadTs: invitation.messageId, broadcast: true } : {},
        );
      }
      default:
        return this.postOnce(notice, noticeMessage(message, 'channel'), pace);
    }
  }

  private async toDm(message: MessageModel, pace: Pace): Promise<DeliveryResult> {
    const userId = message.recipient.recipient;
    const channelId = await this.dms.channelFor(userId);
    return this.locked(message, channelId, () => this.toDmLocked(message, userId, channelId, pace));
  }

  private async toDmLocked(
    message: MessageModel,
    userId: string,
    channelId: string,
    pace: Pace,
  ): Promise<DeliveryResult> {
    const key = (purpose: Key['purpose']): Key => ({
      reservationId: message.reservation.id,
      platform: 'slack',
      channelId,
      purpose,
    });
    const notice = key(`notice:${message.notificationId}`);
    if (message.event === 'permit_prompt')
      return this.upsert(key('prompt'), await this.currentCard(message, userId), pace);
    if (message.event === 'delivery_failure_report') return this.postOnce(notice, noticeMessage(message, 'dm'), pace);

    // Notices about a reservation with a card: the card shows the new state, the notice goes in its thread.
    const prompt = await findChatMessage(this.deps.pool, key('prompt'));
    if (prompt) await this.updateQuietly(channelId, prompt.messageId, await this.currentCard(message, userId));
    const broadcast = message.event === 'lapse_notice' || message.event === 'reconfirm_reminder';
    return this.postOnce(
      notice,
      noticeMessage(message, 'dm'),
      pace,
      prompt ? { threadTs: prompt.messageId, broadcast } : {},
    );
  }

  /**
   * Runs one delivery's find → post → record while no other worker process does so for the same
   * reservation and channel: otherwise two could both find no invitation (or card) and both post.
   * The pacer only orders sends within this process.
   */
  private locked<T>(message: MessageModel, channelId: string, work: () => Promise<T>): Promise<T> {
    return withChatMessageLock(
      this.deps.pool,
      { reservationId: message.reservation.id, platform: 'slack', channelId },
      work,
    );
  }

  /**
   * The card shows the reservation as it is now (invitees, buttons for its current state), read at
   * delivery; the stream key only when the DM is the organizer's own.
   */
  private async currentCard(message: MessageModel, userId: string): Promise<SlackMessage> {
    const reservation = await findReservation(this.deps.pool, message.reservation.id);
    const now = this.deps.clock();
    const reader = { platform: 'slack' as const, userId };
    return reservationCard(
      reservation ? cardFor(reservation, { reader, place: 'direct_message', now }) : cardOfMessage(message, now),
    );
  }

  /** Edits the recorded message, or posts and records one. */
  private async upsert(key: Key, content: SlackMessage, pace: Pace): Promise<DeliveryResult> {
    const existing = await findChatMessage(this.deps.pool, key);
    if (existing) {
      try {
        await this.client.chat.update({
          channel: key.channelId,
          ts: existing.messageId,
          text: content.text,
          blocks: content.blocks,
        });
        return delivered(key.channelId, existing.messageId);
      } catch (error) {
        // Someone deleted the post: post it again rather than lose the invitation.
        if (!isSlackError(error, 'message_not_found', 'cant_update_message')) throw error;
      }
    }
    return this.post(key, content, pace, {});
  }

  /** Posts a notice unless an earlier attempt of this delivery already did. */
  private async postOnce(
    key: Key,
    content: SlackMessage,
    pace: Pace,
    thread: { threadTs?: string; broadcast?: boolean } = {},
  ): Promise<DeliveryResult> {
    const existing = await findChatMessage(this.deps.pool, key);
    if (existing) return delivered(key.channelId, existing.messageId);
    return this.post(key, content, pace, thread);
  }

  private async post(
    key: Key,
    content: SlackMessage,
    pace: Pace,
    thread: { threadTs?: string; broadcast?: boolean },
  ): Promise<DeliveryResult> {
    await pace();
    const message = { channel: key.channelId, text: content.text, blocks: content.blocks, unfurl_links: false };
    const posted = await this.client.chat.postMessage(
      thread.threadTs
        ? { ...message, thread_ts: thread.threadTs, reply_broadcast: thread.broadcast ?? false }
        : message,
    );
    if (!posted.ts) throw new Error('chat.postMessage returned no ts');
    await saveChatMessage(this.deps.pool, { ...key, channelId: posted.channel ?? key.channelId, messageId: posted.ts });
    return delivered(key.channelId, posted.ts);
  }

  /** Keeping an older post current is best effort; the notice itself must still go out. */
  private async updateQuietly(channel: string, ts: string, content: SlackMessage): Promise<void> {
    try {
      await this.client.chat.update({ channel, ts, text: content.text, blocks: content.blocks });
    } catch (error) {
      if (!isSlackError(error, 'message_not_found', 'cant_update_message', 'edit_window_closed')) throw error;
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
