/**
 * No-show (issue 17): when nobody has streamed by start + NO_SHOW_AFTER into a reservation on a
 * server Slotcast enforces, the organizer is told once — whatever runs the job and how often.
 * The whole service with the embedded server, real Agenda and real SMTP (mails parsed back);
 * NO_SHOW_AFTER is 2 s, so the jobs fall due while the test waits on them.
 */
import { cancelReservation, reconfirmReservation } from '../../../src/app/lifecycle.js';
import { changeReservation } from '../../../src/app/change.js';
import { requestReservation } from '../../../src/app/request.js';
import { tellNoShow } from '../../../src/app/stream.js';
import type { Actor } from '../../../src/domain/reservation.js';
import { ingestOf } from '../../../src/domain/reservation.js';
import { findReservation } from '../../../src/store/reservations.js';
import { makeActor, waitFor } from '../../support/fixtures.js';
import type { TestService } from '../../support/service.js';
import { startTestService } from '../../support/service.js';
import type { TestSmtp } from '../../support/smtp.js';
import { startTestSmtp } from '../../support/smtp.js';
import type { Publisher } from '../../support/stream.js';
import { publish } from '../../support/stream.js';

const NO_SHOW_AFTER_MS = 2_000;
let smtp: TestSmtp;
let world: TestService;
const publishers: Publisher[] = [];

beforeAll(async () => {
  smtp = await startTestSmtp();
  world = await startTestService({
    SMTP_URL: smtp.url,
    STREAMING: 'embedded',
    EMBEDDED_BUFFER: '1s',
    NO_SHOW_AFTER: '2s',
  });
  await world.db.prisma.distributionServer.update({ where: { name: 'embedded' }, data: { capacity: 10 } });
  world.service.deps.servers.invalidate();
}, 60_000);
afterAll(async () => {
  for (const publisher of publishers) await publisher.stop();
  await world?.close();
  await smtp?.close();
});

const deps = () => world.service.deps;

/** A reconfirmed slot on the embedded server starting `startInMs` from now, by an organizer with an e-mail. */
async function booked(startInMs: number, lengthMs = 120_000) {
  const organizer: Actor = makeActor({ email: `organizer-${Math.random().toString(36).slice(2, 8)}@example.org` });
  const startsAt = new Date(Date.now() + startInMs);
  const requested = await requestReservation(deps(), organizer, {
    server: 'embedded',
    title: 'Late show',
    description: null,
    startsAt,
    endsAt: new Date(startsAt.getTime() + lengthMs),
    emails: [],
    slackChannels: [],
    discordChannels: [],
  });
  if (!requested.ok) throw new Error(requested.message);
  const reconfirmed = await reconfirmReservation(deps(), organizer, requested.value.id);
  if (!reconfirmed.ok) throw new Error(reconfirmed.message);
  return { reservation: reconfirmed.value, organizer };
}

const noShowMails = (address: string) =>
  smtp.to(address).filter((mail) => /^Nobody is streaming yet: Late show$/.test(mail.parsed.subject ?? ''));
const noShowNotices = (reservationId: string) =>
  world.db.prisma.notification.count({ where: { reservationId, event: 'no_show_notice' } });
const noShowJobs = (reservationId: string) =>
  world.db.prisma.$queryRaw<Array<{ next_run_at: Date | null }>>`
    SELECT next_run_at FROM agenda_jobs WHERE name = 'reservation.no-show' AND data->>'reservationId' = ${reservationId}`;

test('GIVEN nobody streams WHEN start + NO_SHOW_AFTER passes THEN the organizer is e-mailed once, however often the check runs', async () => {
  const { reservation, organizer } = await booked(1_000);
  const [mail] = await waitFor(
    () => (noShowMails(organizer.email!).length > 0 ? noShowMails(organizer.email!) : undefined),
    20_000,
  );
  expect(mail!.parsed.text).toMatch(/nobody has streamed to it yet/);
  expect(mail!.parsed.text).toContain(reservation.code);
  // The stream key stays out of e-mail.
  expect(mail!.parsed.text).not.toContain(reservation.streamKey);
  // Run again, twice at once (two workers), or after a restart: nothing more.
  const again = await Promise.all([
    tellNoShow(deps(), reservation.id, NO_SHOW_AFTER_MS),
    tellNoShow(deps(), reservation.id, NO_SHOW_AFTER_MS),
  ]);
  expect(again).toEqual([[], []]);
  await world.restart();
  expect(await tellNoShow(deps(), reservation.id, NO_SHOW_AFTER_MS)).toEqual([]);
  expect(await noShowNotices(reservation.id)).toBe(1);
  expect(noShowMails(organizer.email!)).toHaveLength(1);
}, 90_000);

test('GIVEN the organizer streams in time THEN the no-show check runs and tells nobody', async () => {
  const { reservation } = await booked(1_500);
  await waitFor(() => Date.now() >= reservation.startsAt.getTime() - 1_000, 15_000);
  const { url, streamKey } = ingestOf((await findReservation(world.db.pool, reservation.id))!);
  publishers.push(publish(`${url}/${streamKey}`, 60));
  await waitFor(async () => (await findReservation(world.db.pool, reservation.id))?.status === 'live', 20_000);
  // The job was scheduled, ran at its time (Agenda removes it then), and found the publish.
  await waitFor(async () => (await noShowJobs(reservation.id)).length === 0, 20_000);
  expect(Date.now()).toBeGreaterThanOrEqual(reservation.startsAt.getTime() + NO_SHOW_AFTER_MS);
  expect(await noShowNotices(reservation.id)).toBe(0);
}, 90_000);

test('GIVEN a cancelled reservation, or one moved to a later start THEN no notice at the old time', async () => {
  const cancelled = await booked(60_000);
  expect(await noShowJobs(cancelled.reservation.id)).toHaveLength(1);
  expect((await cancelReservation(deps(), cancelled.organizer, cancelled.reservation.id)).ok).toBe(true);
  expect(await noShowJobs(cancelled.reservation.id)).toHaveLength(0);

  const moved = await booked(1_000);
  const later = new Date(moved.reservation.startsAt.getTime() + 3_600_000);
  const changed = await changeReservation(deps(), moved.organizer, moved.reservation.id, {
    startsAt: later,
    endsAt: new Date(later.getTime() + 3_600_000),
  });
  expect(changed.ok).toBe(true);
  // The check moved with the start; run at the old time, it finds nothing to tell.
  expect((await noShowJobs(moved.reservation.id)).map((job) => job.next_run_at?.getTime())).toEqual([
    later.getTime() + NO_SHOW_AFTER_MS,
  ]);
  await waitFor(() => Date.now() >= moved.reservation.startsAt.getTime() + NO_SHOW_AFTER_MS, 15_000);
  for (const { reservation } of [cancelled, moved])
    expect(await tellNoShow(deps(), reservation.id, NO_SHOW_AFTER_MS)).toEqual([]);
  expect(await noShowNotices(cancelled.reservation.id)).toBe(0);
  expect(await noShowNotices(moved.reservation.id)).toBe(0);
}, 90_000);
