/**
 * The Discord channel of the notification pipeline: the organizer's DM (permit prompt, notices),
 * channel invitations, and the guild's scheduled event. Retries never duplicate: the message
 * posted for a reservation in a channel is recorded (chat_message) and edited on the next event;
 * notices are recorded per outbox row, and carry a nonce Discord de-duplicates on.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { APIGuildScheduledEvent, APIMessage, REST } from 'discord.js';
import { GuildScheduledEventEntityType, GuildScheduledEventPrivacyLevel, GuildScheduledEventStatus, Routes } from 'discord.js';
import type { Logger } from '../log.js';
import type { Channel, DeliveryResult } from '../notify/channel.js';
import type { MessageModel } from '../notify/message.js';
import type { ChatMessageRef } from '../store/chat-messages.js';
import { findChatMessage, saveChatMessage } from '../store/chat-messages.js';
import { findReservation } from '../store/reservations.js';
import type { Target } from './errors.js';
import { apiCode, classify, DiscordCode } from './errors.js';
import type { DiscordMessage } from './render.js';
import { clip, invitationMessage, noticeMessage, promptMessage, viewOf } from './render.js';

export interface DiscordChannelOptions {
  rest: REST;
  pool: pg.Pool;
  log: Logger;
}

type Key = Omit<ChatMessageRef, 'messageId'>;

const delivered = (providerMessageId: string): DeliveryResult => ({ status: 'delivered', providerMessageId });

/** Discord drops a second message with the same nonce sent within minutes (enforce_nonce). */
function nonce(notificationId: string, purpose: string): string {
  return createHash('sha256').update(`${notificationId}:${purpose}`).digest('base64url').slice(0, 25);
}

export function createDiscordChannel({ rest, pool, log }: DiscordChannelOptions): Channel {
  const dmChannels = new Map<string, string>();

  const find = (key: Key) => findChatMessage(pool, key);
  const save = (key: Key, messageId: string) => saveChatMessage(pool, { ...key, messageId });

  const post = async (channelId: string, body: DiscordMessage, extra: Record<string, unknown> = {}): Promise<APIMessage> =>
    (await rest.post(Routes.channelMessages(channelId), { body: { ...body, ...extra } })) as APIMessage;

  /** Edits the recorded message, or posts (and records) a new one when there is none or it was deleted. */
  async function upsert(key: Key, body: DiscordMessage, notificationId: string): Promise<string> {
    const existing = await find(key);
    if (existing) {
      try {
        await rest.patch(Routes.channelMessage(key.channelId, existing.messageId), { body });
        return existing.messageId;
      } catch (error) {
        if (apiCode(error) !== DiscordCode.UnknownMessage) throw error;
      }
    }
    const posted = await post(key.channelId, body, { nonce: nonce(notificationId, key.purpose), enforce_nonce: true });
    await save(key, posted.id);
    return posted.id;
  }

  /** Posts a notice once per outbox row, as a reply to the message it is about when there is one. */
  async function notice(key: Omit<Key, 'purpose'>, body: DiscordMessage, notificationId: string, replyTo: string | undefined): Promise<string> {
    const noticeKey: Key = { ...key, purpose: `notice:${notificationId}` };
    const existing = await find(noticeKey);
    if (existing) return existing.messageId;
    const reference = replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {};
    const posted = await post(key.channelId, body, { ...reference, nonce: nonce(notificationId, 'notice'), enforce_nonce: true });
    await save(noticeKey, posted.id);
    return posted.id;
  }

  async function toChannel(model: MessageModel, channelId: string): Promise<DeliveryResult> {
    const view = model.reservation;
    const base = { reservationId: view.id, platform: 'discord' as const, channelId };
    const invitation: Key = { ...base, purpose: 'invitation' };
    switch (model.event) {
      case 'invitation_tentative':
      case 'invitation_confirmed':
        return delivered(await upsert(invitation, invitationMessage(view, { tentative: model.event === 'invitation_tentative' }), model.notificationId));
      case 'change_notice': {
        const id = await upsert(invitation, invitationMessage(view, { tentative: view.status === 'permitted' }), model.notificationId);
        return delivered(await notice(base, noticeMessage(model, 'invitees'), model.notificationId, id));
      }
      case 'cancellation_notice': {
        const existing = await find(invitation);
        if (existing) await upsert(invitation, invitationMessage(view, { cancelledReason: model.reason ?? null }), model.notificationId);
        return delivered(await notice(base, noticeMessage(model, 'invitees'), model.notificationId, existing?.messageId));
      }
      default: {
        const existing = await find(invitation);
        return delivered(await notice(base, noticeMessage(model, 'invitees'), model.notificationId, existing?.messageId));
      }
    }
  }

  async function dmChannel(userId: string): Promise<string> {
    let channelId = dmChannels.get(userId);
    if (!channelId) {
      // Discord keeps one DM channel per user; opening it again returns the same one.
      channelId = ((await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as { id: string }).id;
      dmChannels.set(userId, channelId);
    }
    return channelId;
  }

  /**
   * The prompt shows the reservation as it is now (read at delivery), so a late or repeated
   * delivery never turns a reconfirmed prompt back into a permitted one.
   */
  async function promptNow(model: MessageModel, userId: string): Promise<DiscordMessage> {
    const current = await findReservation(pool, model.reservation.id);
    if (!current) return promptMessage(model.reservation, model.ingest);
    // The stream key goes to the organizer's own DM and nowhere else.
    const isOrganizer = current.organizer.platform === 'discord' && current.organizer.userId === userId;
    const ingest = isOrganizer ? (model.ingest ?? { url: current.server.ingestBaseUrl, streamKey: current.streamKey }) : undefined;
    return promptMessage(viewOf(current), ingest);
  }

  async function toOrganizer(model: MessageModel, userId: string): Promise<DeliveryResult> {
    const channelId = await dmChannel(userId);
    const base = { reservationId: model.reservation.id, platform: 'discord' as const, channelId };
    const prompt: Key = { ...base, purpose: 'prompt' };
    if (model.event === 'permit_prompt') return delivered(await upsert(prompt, await promptNow(model, userId), model.notificationId));
    const existing = await find(prompt);
    if (existing && ['change_notice', 'cancellation_notice', 'lapse_notice'].includes(model.event)) {
      await upsert(prompt, await promptNow(model, userId), model.notificationId);
    }
    return delivered(await notice(base, noticeMessage(model, 'organizer'), model.notificationId, existing?.messageId));
  }

  /** The guild's scheduled event (EXTERNAL, at the playback URL): created, moved, cancelled with the reservation. */
  async function toGuildEvent(model: MessageModel, guildId: string): Promise<DeliveryResult> {
    const view = model.reservation;
    const key: Key = { reservationId: view.id, platform: 'discord', channelId: guildId, purpose: 'event' };
    const existing = await find(key);
    if (model.event === 'cancellation_notice') {
      if (!existing) return delivered('none');
      try {
        await rest.patch(Routes.guildScheduledEvent(guildId, existing.messageId), { body: { status: GuildScheduledEventStatus.Canceled } });
      } catch (error) {
        if (apiCode(error) !== DiscordCode.UnknownScheduledEvent) throw error;
      }
      return delivered(existing.messageId);
    }
    if (model.event !== 'invitation_confirmed' && model.event !== 'change_notice') return delivered('none');
    if (view.playbackUrl.length > 100) {
      return { status: 'failed', reason: 'The playback URL is longer than the 100 characters a Discord event location can hold; no scheduled event was created.' };
    }
    const body = {
      name: clip(view.title, 100),
      description: clip([view.description, `Hosted by ${view.organizer.name} · ${view.code}`].filter(Boolean).join('\n\n'), 1000),
      scheduled_start_time: view.startsAt,
      scheduled_end_time: view.endsAt,
      // The passcode stays out: an event is visible to the whole server, not only the invitees.
      entity_type: GuildScheduledEventEntityType.External,
      entity_metadata: { location: view.playbackUrl },
      privacy_level: GuildScheduledEventPrivacyLevel.GuildOnly,
    };
    if (existing) {
      try {
        await rest.patch(Routes.guildScheduledEvent(guildId, existing.messageId), { body });
        return delivered(existing.messageId);
      } catch (error) {
        if (apiCode(error) !== DiscordCode.UnknownScheduledEvent) throw error;
      }
    }
    const event = (await rest.post(Routes.guildScheduledEvents(guildId), { body })) as APIGuildScheduledEvent;
    await save(key, event.id);
    return delivered(event.id);
  }

  return {
    name: 'discord',
    handles: ['discord_dm', 'discord_channel', 'discord_event'],
    async send({ message: model }) {
      const { channel, recipient } = model.recipient;
      const target: Target =
        channel === 'discord_dm' ? { kind: 'dm', userId: recipient } : channel === 'discord_event' ? { kind: 'event', guildId: recipient } : { kind: 'channel', channelId: recipient };
      try {
        switch (channel) {
          case 'discord_channel':
            return await toChannel(model, recipient);
          case 'discord_dm':
            return await toOrganizer(model, recipient);
          case 'discord_event':
            return await toGuildEvent(model, recipient);
          default:
            return { status: 'failed', reason: `the Discord channel does not deliver ${channel}` };
        }
      } catch (error) {
        const result = classify(error, target);
        log.warn('discord delivery did not go through', { notification: model.notificationId, event: model.event, channel, status: result.status, reason: result.status === 'delivered' ? undefined : result.reason });
        return result;
      }
    },
  };
}
