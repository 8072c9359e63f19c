/**
 * Messages the app posted in chats, recorded in chat_message, so later events edit them in place
 * and thread notices under them, and a retried delivery edits or skips instead of posting again.
 * Finding, locking and recording is the same on every platform and lives here; posting, editing
 * and opening a DM is the platform's, behind a small MessagePort.
 *
 * Never twice: the find, the post and the record of one reservation's messages in one channel run
 * under withChatMessageLock, across worker processes. The one gap left is a crash between the
 * platform's answer and the record.
 */
import type pg from 'pg';
import type { ChatMessagePurpose, DrawnFor } from '../store/chat-messages.js';
import {
  findChatMessage,
  findDrawnMessage,
  markDrawn,
  saveChatMessage,
  withChatMessageLock,
} from '../store/chat-messages.js';

export type ChatPlatform = 'slack' | 'discord';

export interface PostOptions {
  purpose: ChatMessagePurpose;
  /** The outbox row a delivery posts for; platforms that de-duplicate posts key on it. */
  notificationId?: string;
  /** The message this one answers: threaded under it, or a reply to it. */
  replyTo?: string;
  /** Seen in the channel too, not only in the thread under `replyTo` (where the platform threads). */
  broadcast?: boolean;
}

/** What a platform adapter provides: the calls to its API. */
export interface MessagePort<Body> {
  readonly platform: ChatPlatform;
  /** Opens (or finds) the app's direct-message channel with a user; its id. */
  openDm(userId: string): Promise<string>;
  /** Rewrites a posted message; false when it is gone (deleted, or no longer editable). */
  edit(channelId: string, messageId: string, body: Body): Promise<boolean>;
  /** Posts a message; its id. */
  post(channelId: string, body: Body, options: PostOptions): Promise<string>;
}

/** One reservation's messages in one channel: the unit that is locked. */
export interface Conversation {
  reservationId: string;
  channelId: string;
}

export class RecordedMessages<Body> {
  private readonly dms = new Map<string, Promise<string>>();

  constructor(
    private readonly pool: pg.Pool,
    readonly port: MessagePort<Body>,
  ) {}

  /**
   * The app's DM channel with a user, opened once and kept: editing a DM needs the channel's id,
   * and a user keeps one DM channel with the app. Concurrent callers share one lookup; a failed
   * one is not remembered.
   */
  dmChannel(userId: string): Promise<string> {
    let channel = this.dms.get(userId);
    if (!channel) {
      channel = this.port.openDm(userId);
      channel.catch(() => this.dms.delete(userId));
      this.dms.set(userId, channel);
    }
    return channel;
  }

  /**
   * Runs `work` while no other process works on the same conversation: two deliveries for one
   * channel would otherwise both find nothing recorded and both post.
   */
  locked<T>(conversation: Conversation, work: () => Promise<T>): Promise<T> {
    return withChatMessageLock(this.pool, { ...conversation, platform: this.port.platform }, work);
  }

  /** The recorded message's id. */
  async find(conversation: Conversation, purpose: ChatMessagePurpose): Promise<string | undefined> {
    const found = await findChatMessage(this.pool, { ...conversation, platform: this.port.platform, purpose });
    return found?.messageId;
  }

  /** The recorded message's id and what it was last drawn for. */
  findDrawn(
    conversation: Conversation,
    purpose: ChatMessagePurpose,
  ): Promise<{ messageId: string; drawn: DrawnFor | undefined } | undefined> {
    return findDrawnMessage(this.pool, { ...conversation, platform: this.port.platform, purpose });
  }

  /** Notes what the recorded message now shows. Call it locked. */
  markDrawn(conversation: Conversation, purpose: ChatMessagePurpose, drawn: DrawnFor): Promise<void> {
    return markDrawn(this.pool, { ...conversation, platform: this.port.platform, purpose }, drawn);
  }

  /** Edits the recorded message, or posts and records one when none is recorded or it is gone. Call it locked. */
  async upsert(conversation: Conversation, body: Body, options: PostOptions): Promise<string> {
    const existing = await this.find(conversation, options.purpose);
    if (existing && (await this.port.edit(conversation.channelId, existing, body))) return existing;
    return this.post(conversation, body, options);
  }

  /** Posts unless an earlier attempt of this delivery did; the message's id either way. Call it locked. */
  async postOnce(conversation: Conversation, body: Body, options: PostOptions): Promise<string> {
    return (await this.find(conversation, options.purpose)) ?? this.post(conversation, body, options);
  }

  /** Records a message (or what stands for one, such as a Discord scheduled event) posted some other way. */
  async record(conversation: Conversation, purpose: ChatMessagePurpose, messageId: string): Promise<void> {
    await saveChatMessage(this.pool, { ...conversation, platform: this.port.platform, purpose, messageId });
  }

  private async post(conversation: Conversation, body: Body, options: PostOptions): Promise<string> {
    const messageId = await this.port.post(conversation.channelId, body, options);
    await this.record(conversation, options.purpose, messageId);
    return messageId;
  }
}
