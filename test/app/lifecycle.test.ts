/**
 * Reconfirm, change, cancel and lapse against real PostgreSQL.
 */
import { changeReservation } from '../../src/app/change.js';
import { cancelReservation, lapseReservation, reconfirmReservation } from '../../src/app/lifecycle.js';
import { getReservation } from '../../src/app/queries.js';
import { requestReservation } from '../../src/app/request.js';
import type { Actor } from '../../src/domain/reservation.js';
import type { StoredReservation } from '../../src/store/reservations.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  HOUR,
  MINUTE,
  TestClock,
  adminActor,
  makeActor,
  makeDeps,
  makeRequest,
  makeServer,
} from '../support/fixtures.js';

let db: TestDatabase;
const clock = new TestClock();
let deps: ReturnType<typeof makeDeps>;

beforeAll(async () => {
  db = await createTestDatabase();
  deps = makeDeps(db, { clock: clock.now });
});
afterAll(() => db.drop());
beforeEach(() => clock.set(new Date()));

async function permitted(
  actor: Actor,
  overrides: Parameters<typeof makeRequest>[1] = {},
  serverName?: string,
): Promise<StoredReservation> {
  const name = serverName ?? (await makeServer(db.prisma)).name;
  const outcome = await requestReservation(deps, actor, makeRequest(name, overrides));
  if (!outcome.ok) throw new Error(`expected a permitted request: ${outcome.message}`);
  return outcome.value;
}

const outboxOf = (id: string) =>
  db.prisma.notification.findMany({ where: { reservationId: id }, orderBy: { createdAt: 'asc' } });

describe('reconfirm', () => {
  test('GIVEN the organizer before the deadline THEN it is confirmed, the version grows and invitations are queued (claim 6)', async () => {
    const organizer = makeActor();
    const reservation = await permitted(organizer);
    const outcome = await reconfirmReservation(deps, organizer, reservation.code);
    expect(outcome).toMatchObject({ ok: true, value: { status: 'confirmed', version: 2 } });
    const invitations = (await outboxOf(reservation.id)).filter((row) => row.event === 'invitation_confirmed');
    expect(invitations.map((row) => row.recipient).sort()).toEqual(['viewer1@example.org', 'viewer2@example.org']);
  });

  test('GIVEN someone else THEN not found, as for a code that does not exist, and nothing changes', async () => {
    const reservation = await permitted(makeActor());
    const outcome = await reconfirmReservation(deps, makeActor(), reservation.id);
    expect(outcome).toMatchObject({ ok: false, reason: 'not_found' });
    expect((await db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } })).status).toBe('permitted');
  });

  test('GIVEN an admin THEN they may reconfirm for the organizer', async () => {
    const reservation = await permitted(makeActor());
    expect(await reconfirmReservation(deps, adminActor, reservation.id)).toMatchObject({
      ok: true,
      value: { status: 'confirmed' },
    });
  });

  test('GIVEN the deadline has passed THEN reconfirmation is refused with a clear message', async () => {
    const organizer = makeActor();
    const reservation = await permitted(organizer);
    clock.set(new Date(reservation.reconfirmDeadline.getTime() + 1));
    const outcome = await reconfirmReservation(deps, organizer, reservation.id);
    expect(outcome).toMatchObject({
      ok: false,
      reason: 'deadline_passed',
      message: expect.stringMatching(/deadline .* has passed/),
    });
  });

  test('GIVEN an unknown id THEN not found', async () => {
    expect(await reconfirmReservation(deps, makeActor(), '00000000-0000-4000-8000-000000000000')).toMatchObject({
      ok: false,
      reason: 'not_found',
    });
  });

  test('GIVEN a Slack admin of another workspace THEN they may not act', async () => {
    const organizer = makeActor({ platform: 'slack', tenantId: 'T1', userId: 'U1' });
    const reservation = await permitted(organizer);
    const foreignAdmin = makeActor({ platform: 'slack', tenantId: 'T2', userId: 'U9', isAdmin: true });
    expect(await reconfirmReservation(deps, foreignAdmin, reservation.id)).toMatchObject({
      ok: false,
      reason: 'not_found',
    });
  });
});

describe('change (claim 5)', () => {
  test('GIVEN a confirmed reservation moved to a free time THEN it stays confirmed and invitees get change notices, old → new', async () => {
    const organizer = makeActor();
    const reservation = await permitted(organizer);
    await reconfirmReservation(deps, organizer, reservation.id);
    const startsAt = new Date(reservation.startsAt.getTime() + 2 * HOUR);
    const endsAt = new Date(reservation.endsAt.getTime() + 2 * HOUR);
    const outcome = await changeReservation(deps, organizer, reservation.id, { startsAt, endsAt, title: 'Moved' });
    expect(outcome).toMatchObject({ ok: true, value: { status: 'confirmed', version: 3, title: 'Moved' } });
    const notices = (await outboxOf(reservation.id)).filter(
      (row) => row.event === 'change_notice' && row.channel === 'email' && row.recipient.startsWith('viewer'),
    );
    expect(notices).toHaveLength(2);
    expect((notices[0]!.payload as { changes: unknown[] }).changes).toEqual(
      expect.arrayContaining([
        { field: 'title', from: 'Quarterly all-hands', to: 'Moved' },
        { field: 'startsAt', from: reservation.startsAt.toISOString(), to: startsAt.toISOString() },
      ]),
    );
  });

  test('GIVEN a permitted reservation moved later THEN its deadline is recomputed', async () => {
    const organizer = makeActor();
    const reservation = await permitted(organizer);
    const startsAt = new Date(reservation.startsAt.getTime() + 24 * HOUR);
    const outcome = await changeReservation(deps, organizer, reservation.id, {
      startsAt,
      endsAt: new Date(startsAt.getTime() + HOUR),
    });
    expect(outcome.ok && outcome.value.reconfirmDeadline.getTime()).toBe(startsAt.getTime() - 24 * HOUR);
  });

  test('GIVEN a change that would collide THEN it is refused and the reservation is left as it was', async () => {
    const server = await makeServer(db.prisma);
    const organizer = makeActor();
    const first = await permitted(organizer, { startInMs: 48 * HOUR }, server.name);
    const second = await permitted(organizer, { startInMs: 50 * HOUR }, server.name);
    const before = await db.prisma.reservation.findUniqueOrThrow({ where: { id: second.id } });
    const outcome = await changeReservation(deps, organizer, second.id, {
      startsAt: first.startsAt,
      endsAt: first.endsAt,
    });
    expect(outcome).toMatchObject({ ok: false, reason: 'unavailable' });
    const after = await db.prisma.reservation.findUniqueOrThrow({ where: { id: second.id } });
    expect(after).toEqual(before);
    expect((await outboxOf(second.id)).filter((row) => row.event === 'change_notice')).toHaveLength(0);
  });

  test('GIVEN a change that only shifts within its own slot THEN it does not collide with itself', async () => {
    const organizer = makeActor();
    const reservation = await permitted(organizer);
    const outcome = await changeReservation(deps, organizer, reservation.id, {
      endsAt: new Date(reservation.endsAt.getTime() - 30 * MINUTE),
    });
    expect(outcome).toMatchObject({ ok: true });
  });

  test('GIVEN nothing really changes THEN the version stays and nobody is notified', async () => {
    const organizer = makeActor();
    const reservation = await permitted(organizer);
    const rowsBefore = (await outboxOf(reservation.id)).length;
    const outcome = await changeReservation(deps, organizer, reservation.id, { title: reservation.title });
    expect(outcome).toMatchObject({ ok: true, value: { version: 1 } });
    expect((await outboxOf(reservation.id)).length).toBe(rowsBefore);
  });

  test('GIVEN a non-owner THEN the change is refused as not found', async () => {
    const reservation = await permitted(makeActor());
    expect(await changeReservation(deps, makeActor(), reservation.id, { title: 'Hijacked' })).toMatchObject({
      ok: false,
      reason: 'not_found',
    });
  });
});

describe('visibility: a reservation the caller may not see does not exist for them', () => {
  const verbs: Array<[string, (actor: Actor, code: string) => Promise<{ ok: boolean }>]> = [
    ['get', (actor, code) => getReservation(deps, actor, code)],
    ['reconfirm', (actor, code) => reconfirmReservation(deps, actor, code)],
    ['change', (actor, code) => changeReservation(deps, actor, code, { title: 'Hijacked' })],
    ['cancel', (actor, code) => cancelReservation(deps, actor, code, { reason: 'mine now' })],
  ];
  test.each(verbs)(
    'GIVEN an existing code of someone else WHEN %s THEN the very refusal an unknown code gets, and nothing changes',
    async (_verb, act) => {
      const reservation = await permitted(makeActor());
      const stranger = makeActor();
      const existing = await act(stranger, reservation.code);
      const missing = await act(stranger, 'R-ZZZZ');
      expect(existing).toEqual(missing);
      expect(existing).toMatchObject({ ok: false, reason: 'not_found' });
      const stored = await db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } });
      expect(stored).toMatchObject({ status: 'permitted', version: 1, title: reservation.title });
    },
  );

  test('GIVEN an address that cannot be an id or a code (a NUL in it) THEN not found, not a database error', async () => {
    for (const [, act] of verbs)
      expect(await act(adminActor, 'R-\u0000AB')).toMatchObject({ ok: false, reason: 'not_found' });
  });
});

describe('cancel (claim 4)', () => {
  test('GIVEN a confirmed reservation THEN it is cancelled with the reason, frees the slot and tells every invitee', async () => {
    const server = await makeServer(db.prisma);
    const organizer = makeActor();
    const reservation = await permitted(organizer, {}, server.name);
    await reconfirmReservation(deps, organizer, reservation.id);
    const outcome = await cancelReservation(deps, organizer, reservation.id, { reason: 'Speaker ill' });
    expect(outcome).toMatchObject({
      ok: true,
      value: { status: 'cancelled', cancelReason: 'Speaker ill', version: 3 },
    });
    const notices = (await outboxOf(reservation.id)).filter((row) => row.event === 'cancellation_notice');
    expect(notices.map((row) => row.recipient).sort()).toEqual(
      [organizer.email, 'viewer1@example.org', 'viewer2@example.org'].sort(),
    );
    // The slot is free again.
    const again = await requestReservation(deps, makeActor(), makeRequest(server.name, {}));
    expect(again.ok).toBe(true);
  });

  test('GIVEN a cancelled reservation THEN cancelling again is refused', async () => {
    const organizer = makeActor();
    const reservation = await permitted(organizer);
    await cancelReservation(deps, organizer, reservation.id);
    expect(await cancelReservation(deps, organizer, reservation.id)).toMatchObject({
      ok: false,
      reason: 'invalid_transition',
    });
  });
});

describe('lapse', () => {
  test('GIVEN the deadline has passed unconfirmed THEN it lapses once and tells the organizer', async () => {
    const organizer = makeActor();
    const reservation = await permitted(organizer);
    clock.set(new Date(reservation.reconfirmDeadline.getTime() + 1));
    expect(await lapseReservation(deps, reservation.id)).toMatchObject({
      ok: true,
      value: { changed: true, reservation: { status: 'lapsed' } },
    });
    expect(await lapseReservation(deps, reservation.id)).toMatchObject({ ok: true, value: { changed: false } });
    const notices = (await outboxOf(reservation.id)).filter((row) => row.event === 'lapse_notice');
    expect(notices).toHaveLength(1);
  });

  test('GIVEN the deadline has not passed, or it was reconfirmed THEN lapse does nothing', async () => {
    const organizer = makeActor();
    const early = await permitted(organizer);
    expect(await lapseReservation(deps, early.id)).toMatchObject({ ok: true, value: { changed: false } });
    const confirmed = await permitted(organizer);
    await reconfirmReservation(deps, organizer, confirmed.id);
    clock.set(new Date(confirmed.reconfirmDeadline.getTime() + 1));
    expect(await lapseReservation(deps, confirmed.id)).toMatchObject({ ok: true, value: { changed: false } });
    expect((await getReservation(deps, organizer, confirmed.id)).ok).toBe(true);
  });
});
