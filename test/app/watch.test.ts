/**
 * "Who watched" as the organizer's card reads it, from real PostgreSQL: after a stream cancelled
 * while it ran, nothing for a slot never streamed, and "nobody" for a stream nobody watched. The
 * publish and viewer rows are written as the streaming gate writes them (src/store/streaming.ts).
 */
import { cancelReservation, reconfirmReservation } from '../../src/app/lifecycle.js';
import { requestReservation } from '../../src/app/request.js';
import { attendanceOf } from '../../src/app/watch.js';
import { findReservation } from '../../src/store/reservations.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { HOUR, MINUTE, makeActor, makeDeps, makeRequest, makeServer } from '../support/fixtures.js';

let db: TestDatabase;
let deps: ReturnType<typeof makeDeps>;
beforeAll(async () => {
  db = await createTestDatabase();
  deps = makeDeps(db);
});
afterAll(() => db.drop());

const organizer = makeActor();

/** A reconfirmed reservation, cancelled after `streamed` (a publish and these viewers) happened. */
async function cancelledAfter(streamed: {
  published: boolean;
  viewers: Array<{ invitee: string | null; minutes: number }>;
}) {
  const server = await makeServer(db.prisma, { kind: 'embedded' });
  const outcome = await requestReservation(deps, organizer, makeRequest(server.name, { startInMs: 30 * HOUR }));
  if (!outcome.ok) throw new Error(outcome.message);
  const reservation = outcome.value;
  expect((await reconfirmReservation(deps, organizer, reservation.id)).ok).toBe(true);
  const started = new Date(Date.now() - HOUR);
  if (streamed.published)
    await db.prisma.publishSession.create({
      data: { reservationId: reservation.id, serverId: server.id, clientId: 'c1', ip: '10.0.0.1', startedAt: started },
    });
  for (const [index, viewer] of streamed.viewers.entries())
    await db.prisma.viewerSession.create({
      data: {
        reservationId: reservation.id,
        credential: viewer.invitee ? 'token' : 'passcode',
        invitee: viewer.invitee,
        ip: `10.0.1.${index}`,
        joinedAt: started,
        leftAt: new Date(started.getTime() + viewer.minutes * MINUTE),
      },
    });
  expect((await cancelReservation(deps, organizer, reservation.id, { reason: 'Fire alarm' })).ok).toBe(true);
  return (await findReservation(db.pool, reservation.id))!;
}

test('GIVEN a stream cancelled while it ran THEN the card’s report counts the viewers and times each invitee', async () => {
  const reservation = await cancelledAfter({
    published: true,
    viewers: [
      { invitee: 'viewer1@example.org', minutes: 12 },
      { invitee: null, minutes: 5 },
    ],
  });
  expect(await attendanceOf(deps, reservation)).toEqual({
    viewers: 2,
    peakConcurrent: 2,
    invitees: ['viewer1@example.org'],
    passcodeViewers: 1,
    watched: [{ invitee: 'viewer1@example.org', watchedMs: 12 * MINUTE }],
  });
});

test('GIVEN a cancelled slot nobody streamed into THEN no report; a stream nobody watched THEN a report of nobody', async () => {
  expect(await attendanceOf(deps, await cancelledAfter({ published: false, viewers: [] }))).toBeUndefined();
  expect(await attendanceOf(deps, await cancelledAfter({ published: true, viewers: [] }))).toEqual({
    viewers: 0,
    peakConcurrent: 0,
    invitees: [],
    passcodeViewers: 0,
    watched: [],
  });
});
