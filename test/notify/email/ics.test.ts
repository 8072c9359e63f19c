/**
 * The calendar part of every e-mail, parsed back with two independent parsers: node-ical and
 * Mozilla's ical.js (the parser Thunderbird uses).
 */
import ICAL from 'ical.js';
import ical from 'node-ical';
import type { CalendarEffect, NotificationEvent } from '../../../src/domain/notifications.js';
import { buildCalendar, parameterValue } from '../../../src/notify/email/ics.js';
import type { MessageModel } from '../../../src/notify/message.js';
import type { MessageOverrides } from '../../support/messages.js';
import { EVENTS, makeMessage } from '../../support/messages.js';

const SLOTCAST = { name: 'Aiko', email: 'bookings@slotcast.test' };

interface Parsed {
  text: string;
  method: string | undefined;
  uid: string;
  sequence: number;
  status: string | undefined;
  description: string;
  organizers: Array<{ address: string; cn: string | undefined }>;
  attendees: string[];
  start: string;
  end: string;
}

/** Both parsers' reading of the calendar; the test fails if they disagree on what it asserts. */
function parse(message: MessageModel, organizer = SLOTCAST): Parsed {
  const part = buildCalendar(message, organizer);
  if (!part) throw new Error(`no calendar for ${message.event}`);
  const text = part.content;

  const calendar = new ICAL.Component(ICAL.parse(text));
  const event = calendar.getFirstSubcomponent('vevent')!;
  const fromIcalJs = {
    method: String(calendar.getFirstPropertyValue('method') ?? ''),
    uid: String(event.getFirstPropertyValue('uid')),
    sequence: Number(event.getFirstPropertyValue('sequence')),
    status: event.getFirstPropertyValue('status') ? String(event.getFirstPropertyValue('status')) : undefined,
    description: String(event.getFirstPropertyValue('description') ?? ''),
    organizers: event.getAllProperties('organizer').map((property) => ({
      address: String(property.getFirstValue()).replace(/^mailto:/i, ''),
      cn: property.getParameter('cn') as string | undefined,
    })),
    attendees: event.getAllProperties('attendee').map((property) => String(property.getFirstValue()).toLowerCase()),
    start: (event.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString(),
    end: (event.getFirstPropertyValue('dtend') as ICAL.Time).toJSDate().toISOString(),
  };

  const vevent = Object.values(ical.sync.parseICS(text)).find((component) => component?.type === 'VEVENT') as
    | ical.VEvent
    | undefined;
  if (!vevent) throw new Error('node-ical found no VEVENT');
  const organizerOf = (value: unknown) => {
    const entry = value as string | { val: string };
    return typeof entry === 'string'
      ? { address: entry.replace(/^mailto:/i, '') }
      : { address: entry.val.replace(/^mailto:/i, '') };
  };
  const nodeOrganizers = Array.isArray(vevent.organizer)
    ? vevent.organizer
    : vevent.organizer
      ? [vevent.organizer]
      : [];
  // node-ical splits parameters at every ";", even inside quotes, so only ical.js is asked for
  // the CN; both must agree on who the organizers are.
  const fromNodeIcal = {
    uid: vevent.uid,
    sequence: Number(vevent.sequence),
    organizers: nodeOrganizers.map((value) => organizerOf(value).address),
    start: new Date(vevent.start as Date).toISOString(),
    end: new Date(vevent.end as Date).toISOString(),
  };
  expect(fromNodeIcal).toEqual({
    uid: fromIcalJs.uid,
    sequence: fromIcalJs.sequence,
    organizers: fromIcalJs.organizers.map((organizer) => organizer.address),
    start: fromIcalJs.start,
    end: fromIcalJs.end,
  });
  return { text, ...fromIcalJs, method: fromIcalJs.method || undefined };
}

const effects: Array<[NotificationEvent, CalendarEffect]> = EVENTS.flatMap((event) =>
  (['request', 'cancel'] as const).map((effect): [NotificationEvent, CalendarEffect] => [event, effect]),
);

describe('which messages carry a calendar', () => {
  test.each(EVENTS)('%s carries none when its row says none, or goes to a chat contact', (event) => {
    expect(buildCalendar(makeMessage(event, { calendar: 'none' }), SLOTCAST)).toBeUndefined();
    const chat = makeMessage(event, { calendar: 'request', recipient: { channel: 'slack_channel', recipient: 'C1' } });
    expect(buildCalendar(chat, SLOTCAST)).toBeUndefined();
  });

  test.each(effects)('%s planned as %s carries that METHOD', (event, effect) => {
    expect(parse(makeMessage(event, { calendar: effect })).method).toBe(effect === 'request' ? 'REQUEST' : 'CANCEL');
  });

  test.each([
    ['invitation_tentative', 'REQUEST'],
    ['invitation_confirmed', 'REQUEST'],
    ['change_notice', 'REQUEST'],
    ['cancellation_notice', 'CANCEL'],
  ] as const)('a row queued before calendars were planned (%s, no calendar field) keeps its %s', (event, method) => {
    expect(parse(makeMessage(event)).method).toBe(method);
  });

  test.each(['permit_prompt', 'lapse_notice', 'reconfirm_reminder', 'start_reminder'] as const)(
    'a row queued before calendars were planned (%s) carries none',
    (event) => expect(buildCalendar(makeMessage(event), SLOTCAST)).toBeUndefined(),
  );
});

describe('the entry', () => {
  const request = (overrides: MessageOverrides = {}) =>
    makeMessage('invitation_confirmed', { calendar: 'request', ...overrides });

  test('one UID per reservation, SEQUENCE = its version, times in UTC, the recipient as the only attendee', () => {
    const parsed = parse(request());
    expect(parsed).toMatchObject({
      uid: '00000000-0000-4000-8000-000000000001@slotcast',
      sequence: 2,
      status: 'CONFIRMED',
      attendees: ['mailto:viewer@example.org'],
      start: '2026-12-03T10:00:00.000Z',
      end: '2026-12-03T11:00:00.000Z',
    });
    expect(parsed.text).toMatch(/^DTSTART:20261203T100000Z\r$/m);
  });

  test('a permitted reservation is TENTATIVE; its invitation says how to watch, with the passcode', () => {
    const parsed = parse(request({ reservation: { status: 'permitted' } }));
    expect(parsed.status).toBe('TENTATIVE');
    expect(parsed.description).toContain('Watch: https://watch.example.org/hls/R-7K3Q');
    expect(parsed.description).toContain('Passcode: SESAME4242');
  });

  test('a cancellation is STATUS:CANCELLED, gives the reason, and carries no passcode or watch link', () => {
    const parsed = parse(makeMessage('cancellation_notice', { calendar: 'cancel' }));
    expect(parsed).toMatchObject({ method: 'CANCEL', status: 'CANCELLED' });
    expect(parsed.description).toContain('Reason: Speaker is ill');
    expect(parsed.text).not.toContain('SESAME4242');
    expect(parsed.description).not.toContain('Watch:');
  });

  test('an invitee taken off the list: CANCEL naming them alone, without cancelling the event (RFC 5546 3.2.5)', () => {
    const parsed = parse(
      makeMessage('invitation_withdrawn', {
        calendar: 'cancel',
        recipient: { channel: 'email', recipient: 'removed@example.org' },
      }),
    );
    expect(parsed).toMatchObject({ method: 'CANCEL', status: undefined, attendees: ['mailto:removed@example.org'] });
    expect(parsed.text).not.toMatch(/^STATUS:/m);
    expect(parsed.text).not.toContain('SESAME4242');
  });
});

describe('the organizer', () => {
  const hostile: Array<[string, string]> = [
    ['a quote that ends the parameter', 'Mallory":mailto:evil@example;X="'],
    ['a quote and a colon', 'Eve "the boss": CEO'],
    ['a backslash before a quote', 'Back\\"slash'],
    ['a line break', 'Line\nORGANIZER:mailto:evil@example'],
    ['a carriage return and a tab', 'Tab\there\rCR'],
    ['a semicolon and a comma', 'Doe; John, Jr.'],
    ['non-ASCII', 'Aiko 山田 — Ünïcode'],
  ];
  test.each(hostile)('a display name with %s leaves exactly one organizer, with the right address', (_case, name) => {
    const parsed = parse(makeMessage('invitation_confirmed', { calendar: 'request' }), { name, email: SLOTCAST.email });
    expect(parsed.organizers).toHaveLength(1);
    expect(parsed.organizers[0]!.address).toBe('bookings@slotcast.test');
    expect(parsed.organizers[0]!.cn).toBe(`${parameterValue(name)} via Slotcast`);
    expect(parsed.organizers[0]!.cn).not.toMatch(/["\u0000-\u001f]/);
    const unfolded = parsed.text.replace(/\r\n[ \t]/g, '');
    expect(unfolded.match(/^ORGANIZER[;:]/gm)).toHaveLength(1);
    expect(unfolded).not.toMatch(/:mailto:evil@example\r?$/im);
  });

  test('parameter values keep everything RFC 5545 allows in quotes', () => {
    expect(parameterValue('Aiko 山田; Doe, J.')).toBe('Aiko 山田; Doe, J.');
    expect(parameterValue('Mallory":mailto:x;X="')).toBe("Mallory':mailto:x;X='");
  });
});
