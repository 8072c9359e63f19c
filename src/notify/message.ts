/**
 * One message model per event, the input of every channel's renderer (e-mail, Slack, Discord).
 * Built from an outbox row: what the event said when it happened (the frozen payload), plus, for
 * the organizer's permit prompt by e-mail only, the ingest URL and stream key read at delivery time
 * (chat transports read the reservation themselves).
 */
import type { FieldChange } from '../domain/changes.js';
import type { Attendance } from '../domain/admission.js';
import type {
  CalendarEffect,
  Contact,
  MessagePayload,
  NotificationEvent,
  PublishRefusal,
} from '../domain/notifications.js';

export interface MessageModel {
  /** The outbox row this message delivers; stable across retries (e-mail Message-ID, idempotency). */
  notificationId: string;
  event: NotificationEvent;
  recipient: Contact;
  reservation: MessagePayload['reservation'];
  /** Who caused the event, and when. */
  actorName: string;
  at: Date;
  /** Change notices (claim 5, docs/method.md): what changed, old → new. */
  changes?: FieldChange[];
  /** Cancellation notices (claim 4): why, when a reason was given. */
  reason?: string | null;
  /**
   * The permit prompt only, for transports that do not read the reservation themselves (e-mail):
   * where to stream to. Secret; never in any other message.
   */
  ingest?: { url: string; streamKey: string };
  /** Delivery failure reports only: the contacts that could not be reached. */
  unreachable?: Array<{ channel: Contact['channel']; recipient: string; reason: string }>;
  /** E-mail only: what this message does to the recipient's calendar (see CalendarEffect). */
  calendar?: CalendarEffect;
  /** Refused publishes (to the organizer): why and when. */
  refusal?: PublishRefusal;
  /** Attendance summaries (to the organizer). */
  attendance?: Attendance;
  /**
   * Invitations by e-mail to a stream Slotcast enforces: the invitee's personal watch link (a
   * secret of theirs), added at delivery time; never in the outbox.
   */
  personalWatchUrl?: string;
}

/** The one-line summary every renderer starts from (e-mail subject, chat fallback text). */
export function headline(message: MessageModel): string {
  const title = message.reservation.title;
  switch (message.event) {
    case 'permit_prompt':
      return `Permitted: ${title} — reconfirm by the deadline`;
    case 'invitation_tentative':
      return `Tentative invitation: ${title}`;
    case 'invitation_confirmed':
      return `Invitation: ${title}`;
    case 'change_notice':
      return `Changed: ${title}`;
    case 'cancellation_notice':
      return `Cancelled: ${title}`;
    case 'lapse_notice':
      return `Lapsed: ${title} was not reconfirmed in time`;
    case 'reconfirm_reminder':
      return `Reminder: reconfirm ${title} before the deadline`;
    case 'start_reminder':
      return `Starting soon: ${title}`;
    case 'delivery_failure_report':
      return `Some invitations for ${title} could not be delivered`;
    case 'confirmation_notice':
      return `Confirmed: ${title}`;
    case 'invitation_withdrawn':
      return `No longer invited: ${title}`;
    case 'publish_refused':
      return `Stream refused: ${title}`;
    case 'no_show_notice':
      return `Nobody is streaming yet: ${title}`;
    case 'attendance_summary':
      return message.reservation.status === 'cancelled'
        ? `Who watched before it was cancelled: ${title}`
        : `Who watched: ${title}`;
    case 'stream_key_replaced':
      return `New stream key: ${title}`;
  }
}

/** Human names of the fields a change notice lists. */
export const FIELD_LABELS: Record<FieldChange['field'], string> = {
  title: 'Title',
  description: 'Description',
  server: 'Server',
  startsAt: 'Start',
  endsAt: 'End',
  passcode: 'Passcode',
  emails: 'E-mail invitees',
  slackChannels: 'Slack channels',
  discordChannels: 'Discord channels',
};

/** Does this event invite people (and so carry playback URL and passcode)? */
export function isInvitation(event: NotificationEvent): boolean {
  return event === 'invitation_tentative' || event === 'invitation_confirmed' || event === 'start_reminder';
}
