/**
 * Calendar invitations (RFC 5545/5546) with ical-generator. One UID per reservation and
 * SEQUENCE = the reservation's version, so calendars update (REQUEST) or remove (CANCEL) the
 * same entry in place as the reservation changes.
 */
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import type { MessageModel } from '../message.js';

export interface CalendarPart {
  method: 'REQUEST' | 'CANCEL';
  content: string;
}

/** Which messages carry a calendar part, and with what method. */
export function calendarMethod(message: MessageModel): CalendarPart['method'] | undefined {
  switch (message.event) {
    case 'invitation_tentative':
    case 'invitation_confirmed':
    case 'change_notice':
      return 'REQUEST';
    case 'cancellation_notice':
      return 'CANCEL';
    default:
      return undefined;
  }
}

export function reservationUid(reservationId: string): string {
  return `${reservationId}@slotcast`;
}

export function buildCalendar(
  message: MessageModel,
  organizer: { name: string; email: string },
): CalendarPart | undefined {
  const method = calendarMethod(message);
  if (!method) return undefined;
  const reservation = message.reservation;
  const status =
    method === 'CANCEL'
      ? ICalEventStatus.CANCELLED
      : reservation.status === 'permitted'
        ? ICalEventStatus.TENTATIVE
        : ICalEventStatus.CONFIRMED;
  const calendar = ical({
    prodId: { company: 'Slotcast', product: 'Slotcast', language: 'EN' },
    method: method === 'CANCEL' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
  });
  calendar.createEvent({
    id: reservationUid(reservation.id),
    sequence: reservation.version,
    stamp: message.at,
    start: new Date(reservation.startsAt),
    end: new Date(reservation.endsAt),
    summary: reservation.title,
    description: [
      reservation.description ?? '',
      `Watch: ${reservation.playbackUrl}`,
      `Passcode: ${reservation.passcode}`,
      message.reason ? `Reason: ${message.reason}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
    url: reservation.playbackUrl,
    location: reservation.playbackUrl,
    organizer: { name: `${reservation.organizer.name} via Slotcast`, email: organizer.email },
    attendees: message.recipient.channel === 'email' ? [{ email: message.recipient.recipient, rsvp: false }] : [],
    status,
  });
  // DTSTART/DTEND in UTC: ical-generator writes Date values with a trailing Z when no zone is set.
  return { method, content: calendar.toString() };
}
