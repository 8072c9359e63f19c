/**
 * The gate's decisions and what it records, against real PostgreSQL, with a driver that stands
 * in for a streaming server (it only notes whom it was told to cut). Real streams through
 * node-media-server are in embedded.test.ts.
 */
import { cancelReservation, reconfirmReservation } from '../../src/app/lifecycle.js';
import { requestReservation } from '../../src/app/request.js';
import { claimPublish } from '../../src/app/stream.js';
import { replaceStreamKey } from '../../src/app/stream-actions.js';
import type { PublisherSession, StreamDriver } from '../../src/stream/driver.js';
import { StreamGate } from '../../src/stream/gate.js';
import { gatePort } from '../../src/stream/gate/port.js';
import { claimCut } from '../../src/store/streaming.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { MINUTE, TestClock, makeActor, makeDeps, makeRequest, makeServer, waitFor } from '../support/fixtures.js';

let db: TestDatabase;
const clock = new TestClock();
let deps: ReturnType<typeof makeDeps>;
let gate: StreamGate;
/** Gates a test starts besides the file's own, stopped after all. */
const gates: StreamGate[] = [];
const cuts: PublisherSession[] = [];
const driver: StreamDriver = {
  kind: 'nginx_rtmp',
  endsWhenSilent: true,
  cut: (session) => void cuts.push(session),
};
let server: Awaited<ReturnType<typeof makeServer>>;
const organizer = makeActor();

beforeAll(async () => {
  db = await createTestDatabase();
  deps = makeDeps(db, { clock: clock.now });
  server = await makeServer(db.prisma, { kind: 'embedded', bufferSeconds: 120 });
  gate = new StreamGate(gatePort(deps, db.url));
  gate.serve(server, driver);
  await gate.start();
});
afterAll(async () => {
  for (const other of gates) await other.stop();
  await gate.stop();
  await db.drop();
});

let slot = 0;
async function booked(reconfirm = true) {
  clock.set(new Date());
  slot += 1;
  const startInMs = slot * 3 * 60 * MINUTE;
  const requested = await requestReservation(deps, organizer, makeRequest(server.name, { startInMs }));
  if (!requested.ok) throw new Error(requested.message);
  if (reconfirm) await reconfirmReservation(deps, organizer, requested.value.id);
  const reservation = (await db.prisma.reservation.findUniqueOrThrow({ where: { id: requested.value.id } }))!;
  return reservation;
}

const publish = (key: string, clientId: string, at: Date) =>
  gate.publish({ serverId: server.id, key, clientId, ip: '192.0.2.1', now: at });

test('GIVEN a confirmed reservation THEN its key is refused before start − buffer, admitted in the window (live), and a second publisher is refused', async () => {
  const reservation = await booked();
  const early = new Date(reservation.startsAt.getTime() - 3 * MINUTE);
  expect(await publish(reservation.streamKey, 'c1', early)).toMatchObject({ admitted: false, reason: 'too_early' });
  expect(await publish('sk_nobodys', 'c2', early)).toMatchObject({ admitted: false, reason: 'unknown_key' });
  const inWindow = new Date(reservation.startsAt.getTime() - MINUTE);
  // The gate's own clock too: a live stream is judged again on every commit, by the clock.
  clock.set(inWindow);
  expect(await publish(reservation.streamKey, 'c3', inWindow)).toEqual({ admitted: true });
  expect(await publish(reservation.streamKey, 'c4', inWindow)).toMatchObject({
    admitted: false,
    reason: 'already_publishing',
  });
  await gate.settled();
  expect((await db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } })).status).toBe('live');
  const sessions = await db.prisma.publishSession.findMany({ where: { reservationId: reservation.id } });
  expect(sessions.map((s) => s.clientId)).toEqual(['c3']);
  const audits = await db.prisma.auditEntry.findMany({ where: { action: 'publish_refused' } });
  expect(audits.map((a) => (a.details as { reason: string }).reason).sort()).toEqual([
    'already_publishing',
    'too_early',
    'unknown_key',
  ]);
  expect(JSON.stringify(audits.map((a) => a.details))).not.toContain(reservation.streamKey);
});

test('GIVEN the same refusal three times THEN it is audited three times and the organizer told once', async () => {
  const reservation = await booked(false);
  for (const client of ['a', 'b', 'c']) await publish(reservation.streamKey, client, reservation.startsAt);
  await gate.settled();
  const notices = await db.prisma.notification.findMany({
    where: { reservationId: reservation.id, event: 'publish_refused' },
  });
  expect(notices).toHaveLength(1);
  expect(notices[0]!.payload).toMatchObject({ refusal: { reason: 'not_reconfirmed' } });
  const audits = await db.prisma.auditEntry.findMany({
    where: { reservationId: reservation.id, action: 'publish_refused' },
  });
  expect(audits).toHaveLength(3);
});

test('GIVEN a live stream WHEN the reservation is cancelled THEN the publisher is cut at once and the session ends "cancelled"', async () => {
  const reservation = await booked();
  clock.set(reservation.startsAt);
  expect(await publish(reservation.streamKey, 'live-1', reservation.startsAt)).toEqual({ admitted: true });
  await gate.settled();
  await cancelReservation(deps, organizer, reservation.id);
  // Heard through NOTIFY, as another instance's cancel would be.
  await waitFor(() => cuts.some((cut) => cut.clientId === 'live-1'));
  await gate.settled();
  await waitFor(async () => {
    const [session] = await db.prisma.publishSession.findMany({ where: { reservationId: reservation.id } });
    return session?.endReason === 'cancelled';
  });
  expect(await publish(reservation.streamKey, 'live-2', reservation.startsAt)).toMatchObject({ reason: 'cancelled' });
});

test('GIVEN a live stream on a server any instance can cut WHEN its key is replaced THEN the publisher is cut ("key_replaced"), the reservation stays live, the old key is refused and the new one admitted', async () => {
  const reservation = await booked();
  clock.set(reservation.startsAt);
  expect(await publish(reservation.streamKey, 'leak-1', reservation.startsAt)).toEqual({ admitted: true });
  await gate.settled();
  const replaced = await replaceStreamKey(deps, organizer, reservation.id);
  if (!replaced.ok) throw new Error(replaced.message);
  // Heard through NOTIFY, as another instance's commit would be.
  await waitFor(() => cuts.some((cut) => cut.clientId === 'leak-1'));
  await gate.settled();
  const [session] = await db.prisma.publishSession.findMany({ where: { reservationId: reservation.id } });
  expect(session).toMatchObject({ endReason: 'key_replaced' });
  expect((await db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } })).status).toBe('live');
  // nginx's next update call with the old key, and a new publish with it: refused.
  expect(
    await gate.update({ serverId: server.id, key: reservation.streamKey, clientId: 'leak-1', ip: '192.0.2.1' }),
  ).toBe(false);
  expect(await publish(reservation.streamKey, 'leak-2', reservation.startsAt)).toMatchObject({ reason: 'unknown_key' });
  // An instance whose memory has not heard of the new key yet still asks the locked row, which refuses it.
  const stale = { reservationId: reservation.id, serverId: server.id, clientId: 'leak-3', ip: '192.0.2.1' };
  expect(
    await claimPublish(deps, { ...stale, key: reservation.streamKey, at: reservation.startsAt, silentMs: 10_000 }),
  ).toEqual({ admitted: false, reason: 'unknown_key' });
  expect(await publish(replaced.value.streamKey, 'own-1', reservation.startsAt)).toEqual({ admitted: true });
  await gate.settled();
  // An instance that hears of the replacement only now claims nothing: the new key's session stays.
  const late = { reservationId: reservation.id, serverIds: [server.id], at: new Date(), reason: 'key_replaced' };
  expect(await claimCut(db.pool, { ...late, keptKey: replaced.value.streamKey })).toEqual([]);
  expect(cuts.map((cut) => cut.clientId)).not.toContain('own-1');
});

test('GIVEN a gate that missed the commit (no NOTIFY) WHEN the key is replaced THEN its periodic reload sees the new key and cuts the publisher', async () => {
  const quiet = await makeServer(db.prisma, { kind: 'embedded', bufferSeconds: 120 });
  const quietCuts: PublisherSession[] = [];
  const deaf = new StreamGate(gatePort(deps, undefined), { refreshEveryMs: 100 });
  deaf.serve(quiet, { kind: 'nginx_rtmp', endsWhenSilent: true, cut: (session) => void quietCuts.push(session) });
  gates.push(deaf);
  await deaf.start();
  clock.set(new Date());
  const requested = await requestReservation(deps, organizer, makeRequest(quiet.name, { startInMs: 30 * MINUTE }));
  if (!requested.ok) throw new Error(requested.message);
  await reconfirmReservation(deps, organizer, requested.value.id);
  clock.set(requested.value.startsAt);
  const call = { serverId: quiet.id, key: requested.value.streamKey, clientId: 'deaf-1', ip: '192.0.2.1' };
  expect(await deaf.publish(call)).toEqual({ admitted: true });
  await deaf.settled();
  // Kept: the reservation is live, so the reload reads it again and again.
  await waitFor(() => deaf.keeps(requested.value.id));
  expect((await replaceStreamKey(deps, organizer, requested.value.id)).ok).toBe(true);
  await waitFor(() => quietCuts.some((cut) => cut.clientId === 'deaf-1'));
});

test('GIVEN more than 10 wrong viewer credentials in a minute from one address THEN it gets 429, even with the right passcode, until the minute has passed', async () => {
  const reservation = await booked();
  const now = reservation.startsAt;
  const tryWith = (passcode: string, ip = '198.51.100.7', at = now) =>
    gate.play({ code: reservation.code, credentials: { passcode }, ip, now: at, serverId: server.id });
  for (let i = 0; i < 10; i++) expect(await tryWith('WRONG')).toMatchObject({ admitted: false, status: 403 });
  expect(await tryWith(reservation.passcode)).toMatchObject({ admitted: false, status: 429 });
  expect(await tryWith(reservation.passcode, '198.51.100.8')).toMatchObject({ admitted: true });
  const later = new Date(now.getTime() + 61_000);
  const again = await tryWith(reservation.passcode, '198.51.100.7', later);
  expect(again).toMatchObject({ admitted: true });
  for (const decision of [again, await tryWith(reservation.passcode, '198.51.100.8')])
    if (decision.admitted) gate.playEnded(decision.viewer);
  await gate.settled();
});

test('GIVEN a booking far ahead THEN the gate keeps nothing of it in memory; one near its window is kept, and forgotten once cancelled, yet its key is still judged from the database', async () => {
  clock.set(new Date());
  const far = await booked();
  // The far booking's NOTIFY has been heard once the later one's has (NOTIFYs arrive in commit order).
  const near = await requestReservation(
    deps,
    organizer,
    makeRequest(server.name, { startInMs: 5 * MINUTE, lengthMs: 10 * MINUTE }),
  );
  if (!near.ok) throw new Error(near.message);
  await waitFor(() => gate.keeps(near.value.id));
  expect(gate.keeps(far.id)).toBe(false);

  await cancelReservation(deps, organizer, near.value.id);
  await waitFor(() => !gate.keeps(near.value.id));
  const nearKey = (await db.prisma.reservation.findUniqueOrThrow({ where: { id: near.value.id } })).streamKey;
  expect(await publish(nearKey, 'after-cancel', clock.now())).toMatchObject({ admitted: false, reason: 'cancelled' });
  expect(await publish(far.streamKey, 'far-ahead', clock.now())).toMatchObject({
    admitted: false,
    reason: 'too_early',
  });
});

test('GIVEN a server added while the gate runs THEN the gate hears of it at once, and a stream on it whose window opens before the horizon is kept while live, so a cancel cuts it', async () => {
  clock.set(new Date());
  let told = 0;
  // A horizon of nothing and no reload meanwhile: what the gate holds comes from NOTIFY and admissions.
  const other = new StreamGate(gatePort(deps, db.url), {
    horizonMs: 0,
    refreshEveryMs: 3_600_000,
    onServersChanged: () => void told++,
  });
  gates.push(other);
  await other.start();
  const long = await makeServer(db.prisma, { kind: 'nginx_rtmp', bufferSeconds: 600 });
  await waitFor(() => told > 0);
  other.serve(long, driver);

  // Starts in 5 minutes, beyond what the gate looked ahead at its last reload, but inside its 10-minute buffer.
  const requested = await requestReservation(deps, organizer, makeRequest(long.name, { startInMs: 5 * MINUTE }));
  if (!requested.ok) throw new Error(requested.message);
  await reconfirmReservation(deps, organizer, requested.value.id);
  const { streamKey } = await db.prisma.reservation.findUniqueOrThrow({ where: { id: requested.value.id } });
  expect(await other.publish({ serverId: long.id, key: streamKey, clientId: 'long-1', ip: '192.0.2.9' })).toEqual({
    admitted: true,
  });
  expect(other.keeps(requested.value.id)).toBe(true);
  await cancelReservation(deps, organizer, requested.value.id);
  await waitFor(() => cuts.some((cut) => cut.clientId === 'long-1'));
});
