/**
 * Calendar invitations (RFC 5545/5546) with ical-generator. One UID per reservation and
 * SEQUENCE = the reservation's version, so calendars update (REQUEST) or remove (CANCEL) the
 * same entry in place as the reservation changes. Whether a message carries a calendar at all is
 * planned per recipient in src/domain/notifications.ts (MessageModel.calendar).
 */
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import type { CalendarEffect, NotificationEvent } from '../../domain/notifications.js';
import type { MessageModel } from '../message.js';

export interface CalendarPart {
  method: 'REQUEST' | 'CANCEL';
  content: string;
}

/** Outbox rows planned before calendars were planned per recipient: the calendar each event used to carry. */
function legacyEffect(event: NotificationEvent): CalendarEffect {
  switch (event) {
    case 'invitation_tentative':
    case 'invitation_confirmed':
    case 'change_notice':
      return 'request';
    case 'cancellation_notice':
      return 'cancel';
    default:
      return 'none';
  }
}

/** Which messages carry a calendar part, and with what method. */
export function calendarMethod(message: MessageModel): CalendarPart['method'] | undefined {
  if (message.recipient.channel !== 'email') return undefined;
  const effect = message.calendar ?? legacyEffect(message.event);
  return effect === 'request' ? 'REQUEST' : effect === 'cancel' ? 'CANCEL' : undefined;
}

export function reservationUid(reservationId: string): string {
  return `${reservationId}@slotcast`;
}

/**
 * A parameter value (such as ORGANIZER's CN) as RFC 5545 allows it inside quotes: no DQUOTE and
 * no control characters (section 3.1, QSAFE-CHAR). ical-generator puts a backslash before a quote,
 * which RFC 5545 does not know: a display name such as `Mallory":mailto:evil@example;X="` would
 * end the quoted value early and make parsers read another organizer. Quotes become apostrophes,
 * controls spaces, and backslashes (which ical-generator would double) slashes.
 */
export function parameterValue(value: string): string {
  return value
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function buildCalendar(
  message: MessageModel,
  organizer: { name: string; email: string },
): CalendarPart | undefined {
  const method = calendarMethod(message);
  if (!method) return undefined;
  const reservation = message.reservation;
  // RFC 5546 3.2.5: STATUS:CANCELLED cancels the whole event; uninviting one attendee must not say so.
  const withdrawn = message.event === 'invitation_withdrawn';
  const status =
    method === 'CANCEL'
      ? withdrawn
        ? null
        : ICalEventStatus.CANCELLED
      : reservation.status === 'permitted'
        ? ICalEventStatus.TENTATIVE
        : ICalEventStatus.CONFIRMED;
  const calendar = ical({
    prodId: { company: 'Slotcast', product: 'Slotcast', language: 'EN' },
    method: method === 'CANCEL' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
  });
  // A cancellation says what is gone and why; how to watch (and the passcode) stays out of it.
  const description =
    method === 'CANCEL'
      ? [reservation.description ?? '', message.reason ? `Reason: ${message.reason}` : '']
      : [reservation.description ?? '', `Watch: ${reservation.playbackUrl}`, `Passcode: ${reservation.passcode}`];
  calendar.createEvent({
    id: reservationUid(reservation.id),
    sequence: reservation.version,
    stamp: message.at,
    start: new Date(reservation.startsAt),
    end: new Date(reservation.endsAt),
    summary: reservation.title,
    description: description.filter(Boolean).join('\n'),
    url: reservation.playbackUrl,
    location: reservation.playbackUrl,
    organizer: { name: parameterValue(`${organizer.name} via Slotcast`), email: organizer.email },
    // The recipient alone: for a CANCEL that names one attendee, only their entry goes. None
    // when there is no one to name (the watch page's "Add to calendar" for a passcode viewer).
    attendees: message.recipient.recipient ? [{ email: message.recipient.recipient, rsvp: false }] : [],
    status,
  });
  // DTSTART/DTEND in UTC: ical-generator writes Date values with a trailing Z when no zone is set.
  return { method, content: calendar.toString() };
}
