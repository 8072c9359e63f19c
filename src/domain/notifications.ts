/**
 * Which notifications each event implies, and for whom. Pure: the use cases write the plan into
 * the outbox in the same transaction as the state change; delivery happens elsewhere.
 *
 * Claims: 1/8 invitations to every contact (e-mail among them); 2/3 they carry the playback URL
 * and passcode (in the payload); 4 cancellation notices; 5 change notices; 6 the permit prompt
 * and invitations on reconfirmation; 7 invitations already at permission, again at reconfirmation.
 */
import type { Attendance, PublishRefusalReason } from './admission.js';
import type { FieldChange } from './changes.js';
import { changesWhatInviteesSee } from './changes.js';
import type { NotifyMode } from './policy.js';
import type { Invitees, Organizer, Platform, Reservation } from './reservation.js';
import type { ServerKind } from './server-kind.js';
import { playbackUrl } from './reservation.js';
import type { ReservationStatus } from './status.js';

export const NOTIFICATION_EVENTS = [
  'permit_prompt',
  'invitation_tentative',
  'invitation_confirmed',
  'change_notice',
  'cancellation_notice',
  'lapse_notice',
  'reconfirm_reminder',
  'start_reminder',
  'delivery_failure_report',
  /** To the organizer's e-mail on reconfirmation: the entry goes into their own calendar. */
  'confirmation_notice',
  /** To an invitee removed by a change: no longer invited, while the stream goes on. */
  'invitation_withdrawn',
  /** To the organizer: the streaming server refused a publish (once per reservation and reason). */
  'publish_refused',
  /** To the organizer after the stream: how many watched, the peak, which invitees joined. */
  'attendance_summary',
  /** To the organizer: their stream key was replaced (never the key itself). */
  'stream_key_replaced',
  /** To the organizer: nobody has streamed by start + NO_SHOW_AFTER (once per start time). */
  'no_show_notice',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export const NOTIFICATION_CHANNELS = [
  'email',
  'slack_channel',
  'discord_channel',
  'slack_dm',
  'discord_dm',
  'discord_event',
] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/**
 * What an e-mail does to its recipient's calendar entry for the reservation (RFC 5546): add or
 * update it (REQUEST), remove it (CANCEL), or leave the calendar alone. Planned per recipient,
 * so a calendar only ever gets updates and cancellations of an entry it was given. Only e-mail
 * carries calendars; chat contacts always get 'none'.
 */
export type CalendarEffect = 'request' | 'cancel' | 'none';

export interface Contact {
  channel: NotificationChannel;
  /** An e-mail address, a channel id or a user id, depending on the channel. */
  recipient: string;
}

/**
 * What a message says, frozen when the event happened. Never holds the stream key: the permit
 * prompt's renderer reads it from the reservation at delivery time, so the outbox holds no
 * secret the reservation table does not.
 */
export interface MessagePayload {
  event: NotificationEvent;
  reservation: {
    id: string;
    code: string;
    title: string;
    description: string | null;
    serverName: string;
    /** Absent in rows planned before server kinds existed. */
    serverKind?: ServerKind;
    playbackUrl: string;
    passcode: string;
    startsAt: string;
    endsAt: string;
    reconfirmDeadline: string;
    status: ReservationStatus;
    version: number;
    organizer: { platform: Platform; tenantId: string; userId: string; name: string };
  };
  /** Who caused the event and when (ISO-8601). */
  actorName: string;
  at: string;
  changes?: FieldChange[];
  reason?: string | null;
  /** Delivery failure reports: the contacts that could not be reached. */
  unreachable?: Array<Contact & { reason: string }>;
  /** This recipient's calendar entry (absent in rows planned before calendars were planned). */
  calendar?: CalendarEffect;
  /** Refused publishes: why, when, and the window the stream may run in (ISO-8601). */
  refusal?: PublishRefusal;
  /** Attendance summaries. */
  attendance?: Attendance;
}

export interface PublishRefusal {
  reason: PublishRefusalReason;
  at: string;
  opensAt: string;
  closesAt: string;
  /** wrong_server: the server the publisher reached. */
  reachedServer?: string;
}

export interface PlannedNotification extends Contact {
  event: NotificationEvent;
  dedupeKey: string;
  payload: MessagePayload;
}

/**
 * Have the invitees already been told about a reservation in this status? Then they hold it in
 * their calendars — and so does an organizer with an e-mail address, whose own entry follows
 * the invitees': tentative at permission in mode permit-and-reconfirm, confirmed at
 * reconfirmation, updated and removed with the reservation.
 */
export function inviteesWereTold(status: ReservationStatus, mode: NotifyMode): boolean {
  if (status === 'permitted') return mode === 'permit_and_reconfirm';
  return status === 'confirmed' || status === 'live';
}

export function inviteeContacts(invitees: Invitees): Contact[] {
  return [
    ...invitees.emails.map((recipient) => ({ channel: 'email' as const, recipient })),
    ...invitees.slackChannels.map((recipient) => ({ channel: 'slack_channel' as const, recipient })),
    ...invitees.discordChannels.map((recipient) => ({ channel: 'discord_channel' as const, recipient })),
  ];
}

/** The organizer's own inbox: a DM on their platform, or e-mail for API users who gave one. */
export function organizerContact(organizer: Organizer): Contact | undefined {
  switch (organizer.platform) {
    case 'slack':
      return { channel: 'slack_dm', recipient: organizer.userId };
    case 'discord':
      return { channel: 'discord_dm', recipient: organizer.userId };
    case 'api':
      return organizer.email ? { channel: 'email', recipient: organizer.email } : undefined;
  }
}

/**
 * Reservations made from Discord also live as a scheduled event in the organizer's guild: created
 * with the confirmed invitation, updated with changes, cancelled with the reservation.
 */
function guildEvent(reservation: Reservation): Contact[] {
  return reservation.organizer.platform === 'discord'
    ? [{ channel: 'discord_event', recipient: reservation.organizer.tenantId }]
    : [];
}

export interface EventContext {
  actorName: string;
  at: Date;
}

/** A reservation as messages describe it: everything but the secrets and the invitee lists. */
export function snapshotOf(reservation: Reservation): MessagePayload['reservation'] {
  return {
    id: reservation.id,
    code: reservation.code,
    title: reservation.title,
    description: reservation.description,
    serverName: reservation.server.name,
    ...(reservation.server.kind ? { serverKind: reservation.server.kind } : {}),
    playbackUrl: playbackUrl(reservation.server.playbackBaseUrl, reservation.code),
    passcode: reservation.passcode,
    startsAt: reservation.startsAt.toISOString(),
    endsAt: reservation.endsAt.toISOString(),
    reconfirmDeadline: reservation.reconfirmDeadline.toISOString(),
    status: reservation.status,
    version: reservation.version,
    organizer: {
      platform: reservation.organizer.platform,
      tenantId: reservation.organizer.tenantId,
      userId: reservation.organizer.userId,
      name: reservation.organizer.name,
    },
  };
}

function payloadFor(
  event: NotificationEvent,
  reservation: Reservation,
  context: EventContext,
  extra: Pick<MessagePayload, 'changes' | 'reason' | 'unreachable' | 'refusal' | 'attendance'> = {},
): MessagePayload {
  return {
    event,
    reservation: snapshotOf(reservation),
    actorName: context.actorName,
    at: context.at.toISOString(),
    ...extra,
  };
}

/** One row per recipient per event; the key makes a replayed event a no-op. E-mail rows carry `calendar`. */
export function dedupeKey(
  reservation: Pick<Reservation, 'id' | 'version'>,
  event: NotificationEvent,
  contact: Contact,
): string {
  return `${reservation.id}:v${reservation.version}:${event}:${contact.channel}:${contact.recipient}`;
}

function rows(
  event: NotificationEvent,
  reservation: Reservation,
  contacts: Contact[],
  payload: MessagePayload,
  calendar: CalendarEffect = 'none',
): PlannedNotification[] {
  return contacts.map((contact) => ({
    ...contact,
    event,
    dedupeKey: dedupeKey(reservation, event, contact),
    payload: { ...payload, calendar: contact.channel === 'email' ? calendar : 'none' },
  }));
}

function toOrganizer(
  event: NotificationEvent,
  reservation: Reservation,
  payload: MessagePayload,
  calendar: CalendarEffect = 'none',
): PlannedNotification[] {
  const contact = organizerContact(reservation.organizer);
  return contact ? rows(event, reservation, [contact], payload, calendar) : [];
}

/** The organizer's calendar entry, for an event that updates (or removes) it only if they hold one. */
function organizerEntry(before: Reservation, effect: 'request' | 'cancel'): CalendarEffect {
  return inviteesWereTold(before.status, before.notifyMode) ? effect : 'none';
}

/** A request was permitted: the organizer is asked to reconfirm (claim 6); in mode 7 invitees hear now. */
export function planPermitted(reservation: Reservation, context: EventContext): PlannedNotification[] {
  // In mode 7 the organizer's e-mailed prompt carries the tentative entry the invitees get.
  const planned = toOrganizer(
    'permit_prompt',
    reservation,
    payloadFor('permit_prompt', reservation, context),
    organizerEntry(reservation, 'request'),
  );
  if (reservation.notifyMode === 'permit_and_reconfirm') {
    const payload = payloadFor('invitation_tentative', reservation, context);
    planned.push(
      ...rows('invitation_tentative', reservation, inviteeContacts(reservation.invitees), payload, 'request'),
    );
  }
  return planned;
}

/**
 * Reconfirmed: every invitee gets the confirmed invitation (claims 6 and 7), and an organizer
 * with an e-mail address the confirmed entry for their own calendar. Organizers in chat see
 * their card change instead, and a DM carries no calendar.
 */
export function planReconfirmed(reservation: Reservation, context: EventContext): PlannedNotification[] {
  const payload = payloadFor('invitation_confirmed', reservation, context);
  const planned = rows(
    'invitation_confirmed',
    reservation,
    [...inviteeContacts(reservation.invitees), ...guildEvent(reservation)],
    payload,
    'request',
  );
  const organizer = organizerContact(reservation.organizer);
  if (organizer?.channel === 'email') {
    const confirmation = payloadFor('confirmation_notice', reservation, context);
    planned.push(...rows('confirmation_notice', reservation, [organizer], confirmation, 'request'));
  }
  return planned;
}

/**
 * Changed (claim 5). Invitees who had been told and still are invited get a change notice;
 * newly added ones get the invitation they would have had; removed ones are told they are no
 * longer invited, and only their calendar entry is removed. The organizer always gets the change
 * confirmed, with their calendar entry updated if they hold one.
 */
export function planChanged(
  before: Reservation,
  after: Reservation,
  changes: FieldChange[],
  context: EventContext,
): PlannedNotification[] {
  const planned = toOrganizer(
    'change_notice',
    after,
    payloadFor('change_notice', after, context, { changes }),
    organizerEntry(before, 'request'),
  );
  if (!inviteesWereTold(before.status, before.notifyMode)) return planned;

  const key = (contact: Contact) => `${contact.channel}:${contact.recipient}`;
  const previous = new Set(inviteeContacts(before.invitees).map(key));
  const current = inviteeContacts(after.invitees);
  const currentKeys = new Set(current.map(key));
  const kept = current.filter((contact) => previous.has(key(contact)));
  const added = current.filter((contact) => !previous.has(key(contact)));
  const removed = inviteeContacts(before.invitees).filter((contact) => !currentKeys.has(key(contact)));

  if (changesWhatInviteesSee(changes)) {
    // A live stream's event follows too: an extended end is the end guild members see.
    const event = after.status === 'confirmed' || after.status === 'live' ? guildEvent(after) : [];
    const notice = payloadFor('change_notice', after, context, { changes });
    planned.push(...rows('change_notice', after, [...kept, ...event], notice, 'request'));
  }
  const invitation = after.status === 'permitted' ? 'invitation_tentative' : 'invitation_confirmed';
  planned.push(...rows(invitation, after, added, payloadFor(invitation, after, context), 'request'));
  const withdrawn = payloadFor('invitation_withdrawn', after, context);
  planned.push(...rows('invitation_withdrawn', after, removed, withdrawn, 'cancel'));
  return planned;
}

/** Cancelled (claim 4): everyone who had been told, and the organizer. */
export function planCancelled(before: Reservation, after: Reservation, context: EventContext): PlannedNotification[] {
  const payload = payloadFor('cancellation_notice', after, context, { reason: after.cancelReason });
  const planned = toOrganizer('cancellation_notice', after, payload, organizerEntry(before, 'cancel'));
  if (inviteesWereTold(before.status, before.notifyMode)) {
    const event = before.status === 'confirmed' || before.status === 'live' ? guildEvent(after) : [];
    const told = [...inviteeContacts(after.invitees), ...event];
    planned.push(...rows('cancellation_notice', after, told, payload, 'cancel'));
  }
  return planned;
}

/** Lapsed unconfirmed: the organizer is told; invitees only if they had been told at permission. */
export function planLapsed(before: Reservation, after: Reservation, context: EventContext): PlannedNotification[] {
  const lapse = payloadFor('lapse_notice', after, context);
  const planned = toOrganizer('lapse_notice', after, lapse, organizerEntry(before, 'cancel'));
  if (inviteesWereTold(before.status, before.notifyMode)) {
    const reason = 'It was not reconfirmed in time.';
    const payload = payloadFor('cancellation_notice', after, context, { reason });
    planned.push(...rows('cancellation_notice', after, inviteeContacts(after.invitees), payload, 'cancel'));
  }
  return planned;
}

/** Reminders planned by the job queue; keyed by version so a change allows a fresh reminder. */
export function planReminder(
  event: 'reconfirm_reminder' | 'start_reminder',
  reservation: Reservation,
  context: EventContext,
): PlannedNotification[] {
  const payload = payloadFor(event, reservation, context);
  if (event === 'reconfirm_reminder') return toOrganizer(event, reservation, payload);
  return rows(event, reservation, inviteeContacts(reservation.invitees), payload);
}

/**
 * One report to the organizer naming the contacts that could not be reached. Reports are not
 * tied to a version (failures arrive over time), so the time keeps each one distinct.
 */
export function planFailureReport(
  reservation: Reservation,
  unreachable: Array<Contact & { reason: string }>,
  context: EventContext,
): PlannedNotification[] {
  const contact = organizerContact(reservation.organizer);
  if (!contact || unreachable.length === 0) return [];
  const payload = payloadFor('delivery_failure_report', reservation, context, { unreachable });
  return [
    {
      ...contact,
      event: 'delivery_failure_report',
      dedupeKey: `${dedupeKey(reservation, 'delivery_failure_report', contact)}:${context.at.toISOString()}`,
      payload: { ...payload, calendar: 'none' },
    },
  ];
}

/**
 * The organizer's inboxes for what only they are told about their stream: their DM (or e-mail for
 * API organizers), and their e-mail too when a chat organizer has one on file.
 */
function organizerInboxes(organizer: Organizer): Contact[] {
  const contact = organizerContact(organizer);
  const contacts = contact ? [contact] : [];
  if (organizer.email && contact?.channel !== 'email') contacts.push({ channel: 'email', recipient: organizer.email });
  return contacts;
}

/**
 * The server refused the organizer's publish. Told once per reservation and reason (the key has
 * no version in it: a changed reservation does not repeat the notice), in their DM or e-mail.
 */
export function planPublishRefused(
  reservation: Reservation,
  refusal: PublishRefusal,
  context: EventContext,
): PlannedNotification[] {
  const contact = organizerContact(reservation.organizer);
  if (!contact) return [];
  const payload = payloadFor('publish_refused', reservation, context, { refusal });
  return [
    {
      ...contact,
      event: 'publish_refused',
      dedupeKey: `${reservation.id}:publish_refused:${refusal.reason}:${contact.channel}:${contact.recipient}`,
      payload: { ...payload, calendar: 'none' },
    },
  ];
}

/** The dedupe key's start for a reservation's no-show notice at this start time. */
export function noShowKey(reservation: Pick<Reservation, 'id' | 'startsAt'>): string {
  return `${reservation.id}:no_show:${reservation.startsAt.toISOString()}:`;
}

/**
 * Nobody has streamed by start + NO_SHOW_AFTER: the organizer is told in their DM and e-mail,
 * once per start time (moved to a later start, it may be told again for that one).
 */
export function planNoShow(reservation: Reservation, context: EventContext): PlannedNotification[] {
  const payload = payloadFor('no_show_notice', reservation, context);
  return organizerInboxes(reservation.organizer).map((contact) => ({
    ...contact,
    event: 'no_show_notice',
    dedupeKey: `${noShowKey(reservation)}${contact.channel}:${contact.recipient}`,
    payload: { ...payload, calendar: 'none' },
  }));
}

/** After the stream, once: who watched, in the organizer's DM and e-mail. */
export function planAttendanceSummary(
  reservation: Reservation,
  attendance: Attendance,
  context: EventContext,
): PlannedNotification[] {
  // A stream cancelled while it ran: the summary says so, with the organizer's reason.
  const reason = reservation.status === 'cancelled' ? { reason: reservation.cancelReason } : {};
  const payload = payloadFor('attendance_summary', reservation, context, { attendance, ...reason });
  return organizerInboxes(reservation.organizer).map((contact) => ({
    ...contact,
    event: 'attendance_summary',
    dedupeKey: `${reservation.id}:attendance_summary:${contact.channel}:${contact.recipient}`,
    payload: { ...payload, calendar: 'none' },
  }));
}

/**
 * The stream key was replaced: the organizer is told once, in their DM or e-mail, that the old
 * key no longer works. The new key is not in it: the outbox holds no secret, and the organizer
 * reads it where it shows (their card, the API's answer).
 */
export function planStreamKeyReplaced(reservation: Reservation, context: EventContext): PlannedNotification[] {
  return toOrganizer('stream_key_replaced', reservation, payloadFor('stream_key_replaced', reservation, context));
}
