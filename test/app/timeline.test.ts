/**
 * The timeline read from real PostgreSQL: lanes as the exclusion constraint assigned them, which
 * statuses are drawn, and others' reservations as busy blocks.
 */
import { cancelReservation } from '../../src/app/lifecycle.js';
import { requestReservation } from '../../src/app/request.js';
import { timelineFor } from '../../src/app/timeline.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { HOUR, makeActor, makeDeps, makeRequest, makeServer } from '../support/fixtures.js';

let db: TestDatabase;
let deps: ReturnType<typeof makeDeps>;
beforeAll(async () => {
  db = await createTestDatabase();
  deps = makeDeps(db);
});
afterAll(() => db.drop());

test('GIVEN overlapping reservations on a two-lane server THEN each is in the lane it holds; cancelled ones are gone; others’ carry no title', async () => {
  const server = await makeServer(db.prisma, { capacity: 2 });
  const alice = makeActor({ name: 'Alice' });
  const bob = makeActor({ name: 'Bob' });
  const day = new Date(Math.ceil((Date.now() + 72 * HOUR) / (24 * HOUR)) * 24 * HOUR);
  const at = (hours: number) => new Date(day.getTime() + hours * HOUR);
  const book = async (actor: typeof alice, title: string, from: number, to: number) => {
    const outcome = await requestReservation(deps, actor, {
      ...makeRequest(server.name),
      title,
      startsAt: at(from),
      endsAt: at(to),
    });
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.value;
  };
  const first = await book(alice, 'Alice morning', 9, 11);
  const second = await book(bob, 'Bob overlap', 10, 12);
  const third = await book(alice, 'Alice later', 12, 13);
  const gone = await book(bob, 'Bob cancelled', 14, 15);
  await cancelReservation(deps, bob, gone.code);

  const timeline = await timelineFor(deps, alice, { kind: 'day', start: at(0), end: at(24) });
  const lanes = timeline.servers.find((s) => s.id === server.id)!.lanes;
  expect(lanes).toHaveLength(2);
  expect(lanes[0]!.bars.map((bar) => bar.detail?.title ?? 'busy')).toEqual(['Alice morning', 'Alice later']);
  expect(lanes[1]!.bars.map((bar) => bar.detail?.title ?? 'busy')).toEqual(['busy']);
  expect(lanes[1]!.bars[0]!.start).toEqual(second.startsAt);
  expect(JSON.stringify(timeline)).not.toContain('Bob');
  expect([first.code, third.code].every((code) => JSON.stringify(timeline).includes(code))).toBe(true);
  expect(JSON.stringify(timeline)).not.toContain(second.code);

  const admin = await timelineFor(deps, makeActor({ isAdmin: true }), { kind: 'day', start: at(0), end: at(24) });
  expect(admin.servers.find((s) => s.id === server.id)!.lanes[1]!.bars[0]!.detail?.title).toBe('Bob overlap');
});

test('GIVEN a range longer than a week THEN it is refused', async () => {
  await expect(
    timelineFor(deps, makeActor(), { kind: 'week', start: new Date(0), end: new Date(30 * 24 * HOUR) }),
  ).rejects.toThrow(RangeError);
});
