/**
 * The Discord transport of the notification pipeline: the organizer's DM (through the shared
 * prompt of src/chat/prompt.ts), channel invitations, and the guild's scheduled event. Retries
 * never duplicate: what is posted for a reservation in a channel is recorded and edited on the next
 * event, notices are recorded per outbox row, all under a lock across worker processes
 * (src/chat/recorded.ts), and posts carry a nonce Discord de-duplicates on.
 */
import type { APIGuildScheduledEvent, REST } from 'discord.js';
import {
  GuildScheduledEventEntityType,
  GuildScheduledEventPrivacyLevel,
  GuildScheduledEventStatus,
  Routes,
} from 'discord.js';
import type { Prompts } from '../chat/prompt.js';
import type { Conversation, RecordedMessages } from '../chat/recorded.js';
import type { Logger } from '../log.js';
import type { MessageModel } from '../notify/message.js';
import type { Transport, DeliveryResult } from '../notify/transport.js';
import type { Target } from './errors.js';
import { apiCode, classify, DiscordCode } from './errors.js';
import type { DiscordMessage } from './render.js';
import { invitationMessage, noticeMessage } from './render.js';
import { clip } from './text.js';

export interface DiscordTransportOptions {
  rest: REST;
  /** Shared with the buttons, which redraw the same prompts. */
  recorded: RecordedMessages<DiscordMessage>;
  prompts: Prompts<DiscordMessage>;
  log: Logger;
  clock: () => Date;
}

const delivered = (providerMessageId: string): DeliveryResult => ({ status: 'delivered', providerMessageId });

export function createDiscordTransport({ rest, recorded, prompts, log, clock }: DiscordTransportOptions): Transport {
  /** The invitation is posted once and edited after; notices reply to it. */
  async function toChannel(model: MessageModel, conversation: Conversation): Promise<string> {
    const view = model.reservation;
    const invitation = { notificationId: model.notificationId, purpose: 'invitation' } as const;
    const notice = (replyTo: string | undefined) =>
      recorded.postOnce(conversation, noticeMessage(model, 'invitees', clock()), {
        notificationId: model.notificationId,
        purpose: `notice:${model.notificationId}`,
        ...(replyTo ? { replyTo } : {}),
      });
    switch (model.event) {
      case 'invitation_tentative':
      case 'invitation_confirmed':
        return recorded.upsert(
          conversation,
          invitationMessage(view, { tentative: model.event === 'invitation_tentative' }),
          invitation,
        );
      case 'change_notice': {
        // Posted again if someone deleted it: the notice needs something to reply to.
        const body = invitationMessage(view, { tentative: view.status === 'permitted' });
        return notice(await recorded.upsert(conversation, body, invitation));
      }
      case 'cancellation_notice': {
        const existing = await recorded.find(conversation, 'invitation');
        if (existing)
          await recorded.upsert(
            conversation,
            invitationMessage(view, { cancelledReason: model.reason ?? null }),
            invitation,
          );
        return notice(existing);
      }
      default:
        return notice(await recorded.find(conversation, 'invitation'));
    }
  }

  /** The guild's scheduled event (EXTERNAL, at the playback URL): created, moved, cancelled with the reservation. */
  async function toGuildEvent(model: MessageModel, conversation: Conversation): Promise<DeliveryResult> {
    const view = model.reservation;
    const guildId = conversation.channelId;
    const recordedEvent = await recorded.findDrawn(conversation, 'event');
    const existing = recordedEvent?.messageId;
    if (model.event === 'cancellation_notice') {
      if (!existing) return delivered('none');
      const drawn = recordedEvent.drawn?.status;
      // Completed already (src/chat/events.ts) after it ran: nothing left to cancel.
      if (drawn === 'completed' || drawn === 'cancelled') return delivered(existing);
      // A started event cannot be cancelled, only ended.
      const status = drawn === 'live' ? 'completed' : 'cancelled';
      try {
        await setEventStatus(rest, guildId, existing, status);
      } catch (error) {
        if (apiCode(error) !== DiscordCode.UnknownScheduledEvent) throw error;
      }
      await recorded.markDrawn(conversation, 'event', {
        version: view.version,
        status: status === 'completed' ? 'completed' : 'cancelled',
      });
      return delivered(existing);
    }
    if (model.event !== 'invitation_confirmed' && model.event !== 'change_notice') return delivered('none');
    if (view.playbackUrl.length > 100) return { status: 'failed', reason: EVENT_LOCATION_TOO_LONG };
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
      // A started event keeps the start it began at: only its end (an extension) and words move.
      const started = recordedEvent.drawn?.status === 'live';
      const { scheduled_start_time: _start, ...unstarted } = body;
      try {
        await rest.patch(Routes.guildScheduledEvent(guildId, existing), { body: started ? unstarted : body });
        return delivered(existing);
      } catch (error) {
        if (apiCode(error) !== DiscordCode.UnknownScheduledEvent) throw error;
      }
    }
    const event = (await rest.post(Routes.guildScheduledEvents(guildId), { body })) as APIGuildScheduledEvent;
    await recorded.record(conversation, 'event', event.id);
    return delivered(event.id);
  }

  async function deliver(model: MessageModel): Promise<DeliveryResult> {
    const { channel, recipient } = model.recipient;
    const conversation = { reservationId: model.reservation.id, channelId: recipient };
    switch (channel) {
      case 'discord_channel':
        return delivered(await recorded.locked(conversation, () => toChannel(model, conversation)));
      case 'discord_dm': {
        const sent = await prompts.deliver(model, (notice) => noticeMessage(notice, 'organizer', clock()));
        return delivered(sent.messageId);
      }
      case 'discord_event':
        // The guild id stands in for the channel: one lock per reservation and guild.
        return recorded.locked(conversation, () => toGuildEvent(model, conversation));
      default:
        return { status: 'failed', reason: `the Discord transport does not deliver ${channel}` };
    }
  }

  return {
    name: 'discord',
    handles: ['discord_dm', 'discord_channel', 'discord_event'],
    rendersPromptItself: true,
    async send({ message: model }) {
      const { channel, recipient } = model.recipient;
      const target: Target =
        channel === 'discord_dm'
          ? { kind: 'dm', userId: recipient }
          : channel === 'discord_event'
            ? { kind: 'event', guildId: recipient }
            : { kind: 'channel', channelId: recipient };
      try {
        return await deliver(model);
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

const EVENT_STATUS = {
  active: GuildScheduledEventStatus.Active,
  completed: GuildScheduledEventStatus.Completed,
  cancelled: GuildScheduledEventStatus.Canceled,
} as const;

/** Starts, ends or cancels a guild's scheduled event. */
export async function setEventStatus(
  rest: REST,
  guildId: string,
  eventId: string,
  status: keyof typeof EVENT_STATUS,
): Promise<void> {
  await rest.patch(Routes.guildScheduledEvent(guildId, eventId), { body: { status: EVENT_STATUS[status] } });
}

const EVENT_LOCATION_TOO_LONG =
  'The playback URL is longer than the 100 characters a Discord event location can hold; ' +
  'no scheduled event was created.';
