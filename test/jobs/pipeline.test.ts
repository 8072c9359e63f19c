/**
 * The notification pipeline end to end: use case → outbox → Agenda → SMTP, with the e-mails and
 * their calendar parts parsed back. Each claim of the patent that e-mail carries has a test here.
 */
import ical from 'node-ical';
import { changeReservation } from '../../src/app/change.js';
import { cancelReservation, reconfirmReservation } from '../../src/app/lifecycle.js';
import { requestReservation } from '../../src/app/request.js';
import type { StoredReservation } from '../../src/store/reservations.js';
import { HOUR, makeActor, makeRequest, makeServer, waitFor } from '../support/fixtures.js';
import type { ReceivedMail, TestSmtp } from '../support/smtp.js';
import { startTestSmtp } from '../support/smtp.js';
import type { TestService } from '../support/service.js';
import { startTestService } from '../support/service.js';

let smtp: TestSmtp;
let world: TestService;

beforeAll(async () => {
  smtp = await startTestSmtp();
  world = await startTestService({
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Slotcast <bookings@slotcast.test>',
    MAIL_TIME_ZONE: 'Asia/Tokyo',
    FAILURE_REPORT_DELAY: '1s',
  });
});
afterAll(async () => {
  await world.close();
  await smtp.close();
});

const deps = () => world.service.deps;
const organizer = () => makeActor({ email: `organizer-${Math.random().toString(36).slice(2, 8)}@example.org` });
let inviteeCounter = 0;
const invitees = (count: number) => Array.from({ length: count }, () => `viewer${++inviteeCounter}@example.org`);

async function permitted(
  actor = organizer(),
  overrides: Parameters<typeof makeRequest>[1] = {},
): Promise<StoredReservation> {
  const server = await makeServer(world.db.prisma, { playbackBaseUrl: 'https://watch.example.org/live' });
  const outcome = await requestReservation(
    deps(),
    actor,
    makeRequest(server.name, { emails: invitees(2), ...overrides }),
  );
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.value;
}

function calendarOf(mail: ReceivedMail) {
  const part = mail.parsed.attachments.find((attachment) => attachment.contentType.startsWith('text/calendar'));
  if (!part) throw new Error(`no text/calendar part in "${mail.parsed.subject}"`);
  const text = part.content.toString('utf8');
  const event = Object.values(ical.sync.parseICS(text)).find((component) => component?.type === 'VEVENT') as
    | ical.VEvent
    | undefined;
  if (!event) throw new Error('no VEVENT in the calendar part');
  return {
    text,
    event,
    start: new Date(event.start as Date).toISOString(),
    end: new Date(event.end as Date).toISOString(),
    method: /^METHOD:(\w+)/m.exec(text)?.[1],
    sequence: Number(/^SEQUENCE:(\d+)/m.exec(text)?.[1]),
  };
}

async function mailsTo(address: string, count: number): Promise<ReceivedMail[]> {
  await waitFor(() => smtp.to(address).length >= count, 20_000);
  return smtp.to(address);
}

test('claims 6 and 8: at permission only the organizer is told, with the deadline, ingest URL and stream key', async () => {
  const actor = organizer();
  const reservation = await permitted(actor);
  const [prompt] = await mailsTo(actor.email!, 1);
  expect(prompt!.parsed.subject).toBe(`Permitted: ${reservation.title} — reconfirm by the deadline`);
  expect(prompt!.parsed.text).toContain('Reconfirm by:');
  expect(prompt!.parsed.text).toContain(reservation.streamKey);
  expect(prompt!.parsed.text).toContain('rtmp://ingest.example.org/live');
  for (const invitee of reservation.invitees.emails) expect(smtp.to(invitee)).toHaveLength(0);
});

test('claims 1, 2, 3, 6, 8: on reconfirmation every invitee gets an e-mail with the playback URL, passcode and a calendar REQUEST', async () => {
  const actor = organizer();
  const reservation = await permitted(actor, { passcode: 'sesame-42' });
  await reconfirmReservation(deps(), actor, reservation.id);
  for (const address of reservation.invitees.emails) {
    const [mail] = await mailsTo(address, 1);
    expect(mail!.parsed.subject).toBe(`Invitation: ${reservation.title}`);
    expect(mail!.parsed.text).toContain(`https://watch.example.org/live/${reservation.code}`); // claim 2
    expect(mail!.parsed.text).toContain('sesame-42'); // claim 3
    // MAIL_TIME_ZONE: the zone named once, UTC alongside.
    expect(mail!.parsed.text).toMatch(/^When: .*\d{2}:\d{2} – \d{2}:\d{2} JST \(.*\d{2}:\d{2} – \d{2}:\d{2} UTC\)$/m);
    expect(mail!.parsed.text).not.toContain(reservation.streamKey);
    expect(mail!.parsed.messageId).toMatch(/@slotcast>$/);
    const calendar = calendarOf(mail!);
    expect(calendar.method).toBe('REQUEST');
    expect(calendar.event.uid).toBe(`${reservation.id}@slotcast`);
    expect(calendar.sequence).toBe(2);
    expect(calendar.text).toMatch(/^STATUS:CONFIRMED/m);
    expect(calendar.text).toMatch(/^DTSTART:\d{8}T\d{6}Z/m);
    expect(calendar.start).toBe(reservation.startsAt.toISOString());
    expect(calendar.end).toBe(reservation.endsAt.toISOString());
    expect(String(calendar.event.description)).toContain('sesame-42');
    expect(String(calendar.event.description)).toContain(`watch.example.org/live/${reservation.code}`);
  }
});

test('claim 7: in mode permit-and-reconfirm invitees get a tentative hold at permission, confirmed under the same UID at reconfirmation', async () => {
  const actor = organizer();
  const modeDeps = { ...deps(), policy: { ...deps().policy, notifyMode: 'permit_and_reconfirm' as const } };
  const server = await makeServer(world.db.prisma);
  const outcome = await requestReservation(modeDeps, actor, makeRequest(server.name, { emails: invitees(1) }));
  if (!outcome.ok) throw new Error(outcome.message);
  const address = outcome.value.invitees.emails[0]!;
  const [tentative] = await mailsTo(address, 1);
  expect(tentative!.parsed.subject).toMatch(/^Tentative invitation/);
  const hold = calendarOf(tentative!);
  expect(hold.text).toMatch(/^STATUS:TENTATIVE/m);
  await reconfirmReservation(modeDeps, actor, outcome.value.id);
  const [, confirmed] = await mailsTo(address, 2);
  const final = calendarOf(confirmed!);
  expect(final.event.uid).toBe(hold.event.uid);
  expect(final.sequence).toBeGreaterThan(hold.sequence);
  expect(final.text).toMatch(/^STATUS:CONFIRMED/m);
});

test('claim 5: a change sends an updated REQUEST with a higher SEQUENCE, saying what changed, old → new, by whom', async () => {
  const actor = organizer();
  const reservation = await permitted(actor);
  await reconfirmReservation(deps(), actor, reservation.id);
  const address = reservation.invitees.emails[0]!;
  const [invitation] = await mailsTo(address, 1);
  const startsAt = new Date(reservation.startsAt.getTime() + 2 * HOUR);
  await changeReservation(deps(), actor, reservation.id, {
    title: 'Moved town hall',
    startsAt,
    endsAt: new Date(startsAt.getTime() + HOUR),
  });
  const [, notice] = await mailsTo(address, 2);
  expect(notice!.parsed.subject).toBe('Changed: Moved town hall');
  expect(notice!.parsed.text).toContain(`Title: ${reservation.title} → Moved town hall`);
  expect(notice!.parsed.text).toMatch(/Start: .* → .*/);
  expect(notice!.parsed.text).toContain(`changed by ${actor.name}`);
  const update = calendarOf(notice!);
  expect(update.method).toBe('REQUEST');
  expect(update.event.uid).toBe(calendarOf(invitation!).event.uid);
  expect(update.sequence).toBeGreaterThan(calendarOf(invitation!).sequence);
  expect(update.start).toBe(startsAt.toISOString());
});

test('claim 4: a cancellation sends METHOD:CANCEL under the same UID with a higher SEQUENCE, and the reason', async () => {
  const actor = organizer();
  const reservation = await permitted(actor);
  await reconfirmReservation(deps(), actor, reservation.id);
  const address = reservation.invitees.emails[0]!;
  const [invitation] = await mailsTo(address, 1);
  await cancelReservation(deps(), actor, reservation.id, { reason: 'Speaker is ill' });
  const [, cancellation] = await mailsTo(address, 2);
  expect(cancellation!.parsed.subject).toBe(`Cancelled: ${reservation.title}`);
  expect(cancellation!.parsed.text).toContain('Speaker is ill');
  const cancel = calendarOf(cancellation!);
  expect(cancel.method).toBe('CANCEL');
  expect(cancel.event.uid).toBe(calendarOf(invitation!).event.uid);
  expect(cancel.sequence).toBeGreaterThan(calendarOf(invitation!).sequence);
  expect(cancel.text).toMatch(/^STATUS:CANCELLED/m);
});

test('a recipient the mail server rejects (550) is marked failed and reported to the organizer once', async () => {
  const actor = organizer();
  const [good, bad] = invitees(2);
  smtp.rejectRecipients([bad!]);
  const reservation = await permitted(actor, { emails: [good!, bad!] });
  await reconfirmReservation(deps(), actor, reservation.id);
  await mailsTo(good!, 1);
  await waitFor(
    async () =>
      (await world.db.prisma.notification.findFirst({ where: { recipient: bad!, status: 'failed' } })) !== null,
  );
  const reports = await waitFor(async () => {
    const mails = smtp.to(actor.email!).filter((mail) => /could not be delivered/.test(mail.parsed.subject ?? ''));
    return mails.length > 0 && mails;
  });
  expect(reports).toHaveLength(1);
  expect(reports[0]!.parsed.text).toContain(bad!);
  expect(reports[0]!.parsed.text).toMatch(/refused/);
});

const hasCalendar = (mail: ReceivedMail) =>
  mail.parsed.attachments.some((part) => /^(text\/calendar|application\/ics)/.test(part.contentType));

test("the organizer's calendar: no entry at permission, the entry at reconfirmation, then every update and the cancel of it", async () => {
  const actor = organizer();
  const reservation = await permitted(actor);
  const [prompt] = await mailsTo(actor.email!, 1);
  expect(hasCalendar(prompt!)).toBe(false);

  await reconfirmReservation(deps(), actor, reservation.id);
  const [, confirmed] = await mailsTo(actor.email!, 2);
  expect(confirmed!.parsed.subject).toBe(`Confirmed: ${reservation.title}`);
  const entry = calendarOf(confirmed!);
  expect(entry).toMatchObject({ method: 'REQUEST', sequence: 2 });
  expect(entry.text).toMatch(/^STATUS:CONFIRMED/m);
  expect(entry.event.uid).toBe(`${reservation.id}@slotcast`);

  await changeReservation(deps(), actor, reservation.id, { title: 'Renamed town hall' });
  const [, , changed] = await mailsTo(actor.email!, 3);
  expect(calendarOf(changed!)).toMatchObject({ method: 'REQUEST', sequence: 3 });

  await cancelReservation(deps(), actor, reservation.id, { reason: 'Postponed' });
  const [, , , cancelled] = await mailsTo(actor.email!, 4);
  const removal = calendarOf(cancelled!);
  expect(removal).toMatchObject({ method: 'CANCEL', sequence: 4 });
  expect(removal.event.uid).toBe(entry.event.uid);
  expect(removal.text).not.toContain(reservation.passcode);
});

test('an organizer never given the entry gets no update or CANCEL of it (changed and cancelled before reconfirmation)', async () => {
  const actor = organizer();
  const reservation = await permitted(actor);
  await changeReservation(deps(), actor, reservation.id, { title: 'Renamed early' });
  await cancelReservation(deps(), actor, reservation.id);
  const mails = await mailsTo(actor.email!, 3);
  // Three events' deliveries run side by side: which arrives first is not the point here.
  expect(mails.map((mail) => mail.parsed.subject).sort()).toEqual(
    [
      `Permitted: ${reservation.title} — reconfirm by the deadline`,
      'Changed: Renamed early',
      'Cancelled: Renamed early',
    ].sort(),
  );
  expect(mails.some(hasCalendar)).toBe(false);
});

test("mode permit-and-reconfirm: the organizer's permit prompt holds the tentative entry, confirmed under the same UID", async () => {
  const actor = organizer();
  const modeDeps = { ...deps(), policy: { ...deps().policy, notifyMode: 'permit_and_reconfirm' as const } };
  const server = await makeServer(world.db.prisma);
  const outcome = await requestReservation(modeDeps, actor, makeRequest(server.name, { emails: invitees(1) }));
  if (!outcome.ok) throw new Error(outcome.message);
  const [prompt] = await mailsTo(actor.email!, 1);
  const hold = calendarOf(prompt!);
  expect(hold).toMatchObject({ method: 'REQUEST', sequence: 1 });
  expect(hold.text).toMatch(/^STATUS:TENTATIVE/m);
  await reconfirmReservation(modeDeps, actor, outcome.value.id);
  const [, confirmed] = await mailsTo(actor.email!, 2);
  expect(calendarOf(confirmed!).event.uid).toBe(hold.event.uid);
  expect(calendarOf(confirmed!).text).toMatch(/^STATUS:CONFIRMED/m);
});

test('removing one invitee: they are told they are no longer invited, with a CANCEL naming them alone; the others hear nothing', async () => {
  const actor = organizer();
  const reservation = await permitted(actor);
  const [kept, removed] = reservation.invitees.emails;
  await reconfirmReservation(deps(), actor, reservation.id);
  await mailsTo(kept!, 1);
  await mailsTo(removed!, 1);
  await changeReservation(deps(), actor, reservation.id, { emails: [kept!] });
  const [, withdrawn] = await mailsTo(removed!, 2);
  expect(withdrawn!.parsed.subject).toBe(`No longer invited: ${reservation.title}`);
  expect(withdrawn!.parsed.text).toContain(`You are no longer invited to *${reservation.title}*`);
  expect(withdrawn!.parsed.text).not.toMatch(/is cancelled/);
  const entry = calendarOf(withdrawn!);
  expect(entry).toMatchObject({ method: 'CANCEL', sequence: 3 });
  expect(entry.text).not.toMatch(/^STATUS:/m);
  expect(entry.text.replace(/\r\n /g, '')).toMatch(new RegExp(`^ATTENDEE;.*:MAILTO:${removed}\\r$`, 'im'));
  expect(entry.text.replace(/\r\n /g, '').match(/^ATTENDEE/gm)).toHaveLength(1);
  // Everyone else: only the organizer's own change notice was queued for this version.
  const queued = await world.db.prisma.notification.findMany({
    where: { reservationId: reservation.id, dedupeKey: { contains: ':v3:' } },
  });
  expect(queued.map((row) => `${row.event} ${row.recipient}`).sort()).toEqual(
    [`change_notice ${actor.email}`, `invitation_withdrawn ${removed}`].sort(),
  );
  expect(smtp.to(kept!)).toHaveLength(1);
});
