/**
 * The Discord channel of the notification pipeline: the organizer's DM (permit prompt, notices),
 * channel invitations, and the guild's scheduled event. Retries never duplicate: the message
 * posted for a reservation in a channel is recorded (chat_message) and edited on the next event;
 * notices are recorded per outbox row, and carry a nonce Discord de-duplicates on. Each delivery
 * runs under withChatMessageLock for its channel, so two workers never both find nothing and post.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { APIGuildScheduledEvent, APIMessage, REST } from 'discord.js';
import {
  GuildScheduledEventEntityType,
  GuildScheduledEventPrivacyLevel,
  GuildScheduledEventStatus,
  Routes,
} from 'discord.js';
import { cardOfMessage } from '../chat/card.js';
import type { Logger } from '../log.js';
import type { Transport, DeliveryResult } from '../notify/transport.js';
import type { MessageModel } from '../notify/message.js';
import { findChatMessage, saveChatMessage, withChatMessageLock } from '../store/chat-messages.js';
import { findReservation } from '../store/reservations.js';
import type { Target } from './errors.js';
import { apiCode, classify, DiscordCode } from './errors.js';
import type { DiscordMessage } from './render.js';
import { invitationMessage, noticeMessage, promptMessage } from './render.js';
import { clip } from './text.js';
import type { ChatKey as Key, Prompts } from './messages.js';
import { createPrompts, currentPrompt, editRecorded, promptKey } from './messages.js';

export interface DiscordTransportOptions {
  rest: REST;
  pool: pg.Pool;
  log: Logger;
  clock: () => Date;
  /** Shared with the buttons, which refresh the same prompts; made here when not given. */
  prompts?: Prompts;
}

const delivered = (providerMessageId: string): DeliveryResult => ({ status: 'delivered', providerMessageId });

/** Discord drops a second message with the same nonce sent within minutes (enforce_nonce). */
function nonce(notificationId: string, purpose: string): string {
  return createHash('sha256').update(`${notificationId}:${purpose}`).digest('base64url').slice(0, 25);
}

export function createDiscordTransport({
  rest,
  pool,
  log,
  clock,
  prompts = createPrompts({ rest, pool, clock }),
}: DiscordTransportOptions): Transport {
  const find = (key: Key) => findChatMessage(pool, key);
  const save = (key: Key, messageId: string) => saveChatMessage(pool, { ...key, messageId });

  const post = async (
    channelId: string,
    body: DiscordMessage,
    extra: Record<string, unknown> = {},
  ): Promise<APIMessage> =>
    (await rest.post(Routes.channelMessages(channelId), { body: { ...body, ...extra } })) as APIMessage;

  /** Edits the recorded message, or posts (and records) a new one when there is none or it was deleted. */
  async function upsert(key: Key, body: DiscordMessage, notificationId: string): Promise<string> {
    const edited = await editRecorded(rest, pool, key, body);
    if (edited) return edited;
    const posted = await post(key.channelId, body, { nonce: nonce(notificationId, key.purpose), enforce_nonce: true });
    await save(key, posted.id);
    return posted.id;
  }

  /** Posts a notice once per outbox row, as a reply to the message it is about when there is one. */
  async function notice(
    key: Omit<Key, 'purpose'>,
    body: DiscordMessage,
    notificationId: string,
    replyTo: string | undefined,
  ): Promise<string> {
    const noticeKey: Key = { ...key, purpose: `notice:${notificationId}` };
    const existing = await find(noticeKey);
    if (existing) return existing.messageId;
    const reference = replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {};
    const posted = await post(key.channelId, body, {
      ...reference,
      nonce: nonce(notificationId, 'notice'),
      enforce_nonce: true,
    });
    await save(noticeKey, posted.id);
    return posted.id;
  }

  async function toChannel(model: MessageModel, channelId: string): Promise<DeliveryResult> {
    const base = { reservationId: model.reservation.id, platform: 'discord' as const, channelId };
    return withChatMessageLock(pool, base, () => toChannelLocked(model, base));
  }

  async function toChannelLocked(model: MessageModel, base: Omit<Key, 'purpose'>): Promise<DeliveryResult> {
    const view = model.reservation;
    const invitation: Key = { ...base, purpose: 'invitation' };
    switch (model.event) {
      case 'invitation_tentative':
      case 'invitation_confirmed':
        return delivered(
          await upsert(
            invitation,
            invitationMessage(view, { tentative: model.event === 'invitation_tentative' }),
            model.notificationId,
          ),
        );
      case 'change_notice': {
        const id = await upsert(
          invitation,
          invitationMessage(view, { tentative: view.status === 'permitted' }),
          model.notificationId,
        );
        return delivered(await notice(base, noticeMessage(model, 'invitees', clock()), model.notificationId, id));
      }
      case 'cancellation_notice': {
        const existing = await find(invitation);
        if (existing)
          await upsert(
            invitation,
            invitationMessage(view, { cancelledReason: model.reason ?? null }),
            model.notificationId,
          );
        return delivered(
          await notice(base, noticeMessage(model, 'invitees', clock()), model.notificationId, existing?.messageId),
        );
      }
      default: {
        const existing = await find(invitation);
        return delivered(
          await notice(base, noticeMessage(model, 'invitees', clock()), model.notificationId, existing?.messageId),
        );
      }
    }
  }

  /**
   * The prompt shows the reservation as it is now (read at delivery), so a late or repeated
   * delivery never turns a reconfirmed prompt back into a permitted one.
   */
  async function promptNow(model: MessageModel, userId: string): Promise<DiscordMessage> {
    const current = await findReservation(pool, model.reservation.id);
    if (!current) return promptMessage(cardOfMessage(model, clock()));
    return currentPrompt(current, userId, clock());
  }

  async function toOrganizer(model: MessageModel, userId: string): Promise<DeliveryResult> {
    const channelId = await prompts.dmChannel(userId);
    const base = { reservationId: model.reservation.id, platform: 'discord' as const, channelId };
    return withChatMessageLock(pool, base, () => toOrganizerLocked(model, userId, base));
  }

  async function toOrganizerLocked(
    model: MessageModel,
    userId: string,
    base: Omit<Key, 'purpose'>,
  ): Promise<DeliveryResult> {
    const prompt = promptKey(base.reservationId, base.channelId);
    if (model.event === 'permit_prompt')
      return delivered(await upsert(prompt, await promptNow(model, userId), model.notificationId));
    const existing = await find(prompt);
    if (existing && ['change_notice', 'cancellation_notice', 'lapse_notice'].includes(model.event)) {
      await upsert(prompt, await promptNow(model, userId), model.notificationId);
    }
    return delivered(
      await notice(base, noticeMessage(model, 'organizer', clock()), model.notificationId, existing?.messageId),
    );
  }

  /** The guild's scheduled event (EXTERNAL, at the playback URL): created, moved, cancelled with the reservation. */
  async function toGuildEvent(model: MessageModel, guildId: string): Promise<DeliveryResult> {
    // The guild id stands in for the channel: one lock per reservation and guild.
    const key: Key = { reservationId: model.reservation.id, platform: 'discord', channelId: guildId, purpose: 'event' };
    return withChatMessageLock(pool, key, () => toGuildEventLocked(model, key));
  }

  async function toGuildEventLocked(model: MessageModel, key: Key): Promise<DeliveryResult> {
    const view = model.reservation;
    const guildId = key.channelId;
    const existing = await find(key);
    if (model.event === 'cancellation_notice') {
      if (!existing) return delivered('none');
      try {
        await rest.patch(Routes.guildScheduledEvent(guildId, existing.messageId), {
          body: { status: GuildScheduledEventStatus.Canceled },
        });
      } catch (error) {
        if (apiCode(error) !== DiscordCode.UnknownScheduledEvent) throw error;
      }
      return delivered(existing.messageId);
    }
    if (model.event !== 'invitation_confirmed' && model.event !== 'change_notice') return delivered('none');
    if (view.playbackUrl.length > 100) {
      return {
        status: 'failed',
        reason:
          'The playback URL is longer than the 100 characters a Discord event location can hold; no scheduled event was created.',
      };
    }
    const body = {
      name: clip(view.title, 100),
      description: clip(
        [view.description, `Hosted by ${view.organizer.name} · ${view.code}`].filter(Boolean).join('\n\n'),
        1000,
      ),
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
        channel === 'discord_dm'
          ? { kind: 'dm', userId: recipient }
          : channel === 'discord_event'
            ? { kind: 'event', guildId: recipient }
            : { kind: 'channel', channelId: recipient };
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
        log.warn('discord delivery did not go through', {
          notification: model.notificationId,
          event: model.event,
          channel,
          status: result.status,
          reason: result.status === 'delivered' ? undefined : result.reason,
        });
        return result;
      }
    },
  };
}
