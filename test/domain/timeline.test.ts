import type { Actor } from '../../src/domain/reservation.js';
import type { TimelineRange, TimelineReservation, TimelineServer } from '../../src/domain/timeline.js';
import { buildTimeline, freeGaps } from '../../src/domain/timeline.js';

const H = 3_600_000;
const M = 60_000;
const DAY_START = Date.parse('2026-12-10T00:00:00Z');
const at = (hours: number) => new Date(DAY_START + hours * H);
const day: TimelineRange = { kind: 'day', start: at(0), end: at(24) };

const alice: Actor = { platform: 'slack', tenantId: 'T1', userId: 'UALICE', name: 'Alice', isAdmin: false };
const bob = { platform: 'slack' as const, tenantId: 'T1', userId: 'UBOB', name: 'Bob' };
const slackAdmin: Actor = { platform: 'slack', tenantId: 'T1', userId: 'UADMIN', name: 'Ada', isAdmin: true };
const otherWorkspaceAdmin: Actor = { ...slackAdmin, tenantId: 'T2', userId: 'UOTHER' };
const apiAdmin: Actor = { platform: 'api', tenantId: 'api', userId: 'root', name: 'Root', isAdmin: true };

const studio: TimelineServer = { id: 'srv-a', name: 'studio-a', capacity: 2, bufferMs: 15 * M };
const single: TimelineServer = { id: 'srv-b', name: 'studio-b', capacity: 1, bufferMs: 0 };

let counter = 0;
function reservation(overrides: Partial<TimelineReservation> & { from: number; to: number }): TimelineReservation {
  const { from, to, ...rest } = overrides;
  counter += 1;
  return {
    id: `r-${String(counter).padStart(3, '0')}`,
    code: `R-${String(counter).padStart(4, '0')}`,
    title: `Show ${counter}`,
    serverId: studio.id,
    lane: 0,
    startsAt: at(from),
    endsAt: at(to),
    status: 'confirmed',
    organizer: { ...alice },
    ...rest,
  };
}

describe('buildTimeline', () => {
  test('GIVEN reservations on two lanes and two servers THEN each sits in its lane, in time order, placed as fractions of the day', () => {
    const late = reservation({ from: 18, to: 20 });
    const early = reservation({ from: 6, to: 8 });
    const second = reservation({ from: 6, to: 9, lane: 1 });
    const elsewhere = reservation({ from: 12, to: 18, serverId: single.id });
    const timeline = buildTimeline({
      servers: [studio, single],
      reservations: [late, early, second, elsewhere],
      viewer: alice,
      range: day,
      now: at(1),
    });
    expect(timeline.servers.map((s) => [s.name, s.lanes.length])).toEqual([
      ['studio-a', 2],
      ['studio-b', 1],
    ]);
    const [lane0, lane1] = timeline.servers[0]!.lanes;
    expect(lane0!.bars.map((bar) => bar.detail?.code)).toEqual([early.code, late.code]);
    expect(lane1!.bars.map((bar) => bar.detail?.code)).toEqual([second.code]);
    expect(timeline.servers[1]!.lanes[0]!.bars.map((bar) => bar.detail?.code)).toEqual([elsewhere.code]);
    // 06:00 → 08:00 plus a 15-minute buffer.
    const bar = lane0!.bars[0]!;
    expect(bar.left).toBeCloseTo(6 / 24);
    expect(bar.width).toBeCloseTo(2.25 / 24);
    expect(bar.bufferWidth).toBeCloseTo(0.25 / 24);
    expect(bar.occupiedUntil).toEqual(new Date(at(8).getTime() + 15 * M));
  });

  test.each([
    ['the organizer', alice, true, true],
    ['a workspace admin', slackAdmin, true, false],
    ['an API admin', apiAdmin, true, false],
    ['an admin of another workspace', otherWorkspaceAdmin, false, false],
    ['another organizer', { ...bob, isAdmin: false } as Actor, false, false],
  ])('GIVEN %s THEN details shown: %s, own: %s', (_who, viewer, detailed, own) => {
    const mine = reservation({ from: 10, to: 11, title: 'Secret launch' });
    const [bar] = buildTimeline({ servers: [studio], reservations: [mine], viewer, range: day, now: at(1) }).servers[0]!
      .lanes[0]!.bars;
    expect(bar!.status).toBe('confirmed');
    expect(bar!.start).toEqual(at(10));
    if (detailed) {
      expect(bar!.detail).toEqual({
        id: mine.id,
        code: mine.code,
        title: 'Secret launch',
        organizerName: 'Alice',
        own,
      });
    } else {
      // A busy block: nothing that names the reservation or its organizer.
      expect(bar!.detail).toBeUndefined();
      expect(JSON.stringify(bar)).not.toMatch(/Secret launch|Alice|R-\d{4}|r-\d{3}/);
    }
  });

  test('GIVEN cancelled and lapsed reservations THEN they are not drawn and their time is free; completed ones are drawn', () => {
    const timeline = buildTimeline({
      servers: [single],
      reservations: [
        reservation({ from: 2, to: 3, serverId: single.id, status: 'cancelled' }),
        reservation({ from: 4, to: 5, serverId: single.id, status: 'lapsed' }),
        reservation({ from: 0, to: 1, serverId: single.id, status: 'completed' }),
        reservation({ from: 6, to: 7, serverId: single.id, status: 'live' }),
        reservation({ from: 8, to: 9, serverId: single.id, status: 'permitted' }),
      ],
      viewer: alice,
      range: day,
      now: at(0),
    });
    const lane = timeline.servers[0]!.lanes[0]!;
    expect(lane.bars.map((bar) => bar.status)).toEqual(['completed', 'live', 'permitted']);
    expect(lane.gaps.map((gap) => [gap.start, gap.end])).toEqual([
      [at(1), at(6)],
      [at(7), at(8)],
      [at(9), at(24)],
    ]);
  });

  test('GIVEN a buffer THEN a gap ends one buffer before the next booking and starts where the last buffer ends', () => {
    const timeline = buildTimeline({
      servers: [{ ...studio, capacity: 1 }],
      reservations: [reservation({ from: 10, to: 11 }), reservation({ from: 14, to: 15 })],
      viewer: alice,
      range: day,
      now: at(0),
    });
    const gaps = timeline.servers[0]!.lanes[0]!.gaps.map((gap) => [gap.start.toISOString(), gap.end.toISOString()]);
    expect(gaps).toEqual([
      ['2026-12-10T00:00:00.000Z', '2026-12-10T09:45:00.000Z'],
      ['2026-12-10T11:15:00.000Z', '2026-12-10T13:45:00.000Z'],
      ['2026-12-10T15:15:00.000Z', '2026-12-11T00:00:00.000Z'],
    ]);
  });

  test('GIVEN now inside the range THEN the marker is placed and gaps begin at now; outside THEN no marker', () => {
    const inside = buildTimeline({ servers: [single], reservations: [], viewer: alice, range: day, now: at(6) });
    expect(inside.now).toEqual({ at: at(6), position: 0.25 });
    expect(inside.servers[0]!.lanes[0]!.gaps).toEqual([{ start: at(6), end: at(24), left: 0.25, width: 0.75 }]);

    const before = buildTimeline({ servers: [single], reservations: [], viewer: alice, range: day, now: at(-1) });
    expect(before.now).toBeUndefined();
    expect(before.servers[0]!.lanes[0]!.gaps).toEqual([{ start: at(0), end: at(24), left: 0, width: 1 }]);

    const after = buildTimeline({ servers: [single], reservations: [], viewer: alice, range: day, now: at(24) });
    expect(after.now).toBeUndefined();
    expect(after.servers[0]!.lanes[0]!.gaps).toEqual([]);
  });

  test('GIVEN bars crossing the range edges THEN they are clipped and say they continue; bars outside are left out', () => {
    const timeline = buildTimeline({
      servers: [single],
      reservations: [
        reservation({ from: -2, to: 1, serverId: single.id }),
        reservation({ from: 23, to: 26, serverId: single.id }),
        reservation({ from: 30, to: 31, serverId: single.id }),
        reservation({ from: -5, to: -4, serverId: single.id }),
      ],
      viewer: alice,
      range: day,
      now: at(0),
    });
    const bars = timeline.servers[0]!.lanes[0]!.bars;
    expect(bars.map((bar) => [bar.continuesBefore, bar.continuesAfter])).toEqual([
      [true, false],
      [false, true],
    ]);
    expect(bars[0]!.left).toBe(0);
    expect(bars[0]!.width).toBeCloseTo(1 / 24);
    expect(bars[1]!.left).toBeCloseTo(23 / 24);
    expect(bars[1]!.left + bars[1]!.width).toBe(1);
  });

  test('GIVEN a week THEN positions are fractions of the week', () => {
    const week: TimelineRange = { kind: 'week', start: at(0), end: at(7 * 24) };
    const [bar] = buildTimeline({
      servers: [single],
      reservations: [reservation({ from: 84, to: 96, serverId: single.id })],
      viewer: alice,
      range: week,
      now: at(0),
    }).servers[0]!.lanes[0]!.bars;
    expect(bar!.left).toBeCloseTo(0.5);
    expect(bar!.width).toBeCloseTo(1 / 14);
  });

  test('GIVEN a lane beyond the capacity (capacity lowered later) THEN that lane is still shown', () => {
    const timeline = buildTimeline({
      servers: [single],
      reservations: [reservation({ from: 1, to: 2, serverId: single.id, lane: 1 })],
      viewer: alice,
      range: day,
      now: at(0),
    });
    expect(timeline.servers[0]!.lanes.map((lane) => lane.bars.length)).toEqual([0, 1]);
  });

  test('GIVEN an empty range THEN it is refused', () => {
    expect(() =>
      buildTimeline({ servers: [], reservations: [], viewer: alice, range: { ...day, end: day.start }, now: at(0) }),
    ).toThrow(RangeError);
  });
});

describe('freeGaps', () => {
  test.each([
    ['nothing booked', [], { start: 0, end: 10 }, 0, [{ start: 0, end: 10 }]],
    [
      'back to back, no buffer',
      [
        { start: 2, end: 4 },
        { start: 4, end: 6 },
      ],
      { start: 0, end: 10 },
      0,
      [
        { start: 0, end: 2 },
        { start: 6, end: 10 },
      ],
    ],
    [
      'a gap shorter than the buffer is no gap',
      [
        { start: 2, end: 4 },
        { start: 5, end: 6 },
      ],
      { start: 0, end: 10 },
      1,
      [
        { start: 0, end: 1 },
        { start: 6, end: 10 },
      ],
    ],
    ['booking covering the whole range', [{ start: -1, end: 11 }], { start: 0, end: 10 }, 0, []],
    ['booking starting after the range', [{ start: 12, end: 14 }], { start: 0, end: 10 }, 1, [{ start: 0, end: 10 }]],
  ])('%s', (_name, occupied, within, buffer, expected) => {
    expect(freeGaps(occupied, within, buffer)).toEqual(expected);
  });
});
