/**
 * Publishers that outlive the service (nginx-rtmp's are connected to nginx, not to us): their
 * sessions live in the database, so a new gate (a restart, or another instance) knows them and the
 * server's update call keeps them alive; one its server stops speaking of is ended as gone and
 * blocks nobody. Against real PostgreSQL, with a driver that only notes whom it was told to cut.
 */
import pg from 'pg';
import { cancelReservation, reconfirmReservation } from '../../src/app/lifecycle.js';
import { requestReservation } from '../../src/app/request.js';
import { createLogger } from '../../src/log.js';
import type { PublisherSession, StreamDriver } from '../../src/stream/driver.js';
import { StreamGate } from '../../src/stream/gate.js';
import { gatePort } from '../../src/stream/gate/port.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { MINUTE, TestClock, makeActor, makeDeps, makeRequest, makeServer, waitFor } from '../support/fixtures.js';

let db: TestDatabase;
const clock = new TestClock();
let deps: ReturnType<typeof makeDeps>;
const cuts: PublisherSession[] = [];
const driver: StreamDriver = {
  kind: 'nginx_rtmp',
  endsWhenSilent: true,
  cut: (session) => void cuts.push(session),
};
let server: Awaited<ReturnType<typeof makeServer>>;
const organizer = makeActor();
const gates: StreamGate[] = [];

/** `sweepEveryMs`: how often silent publishers are ended (the claim judges silence too). */
async function newGate(silentMs = 60_000, sweepEveryMs = 100): Promise<StreamGate> {
  const gate = new StreamGate(gatePort(deps, db.url), { silentMs, sweepEveryMs });
  gate.serve(server, driver, { endsWithProcess: false });
  await gate.start();
  gates.push(gate);
  return gate;
}

beforeAll(async () => {
  db = await createTestDatabase();
  deps = makeDeps(db, { clock: clock.now });
  server = await makeServer(db.prisma, { kind: 'nginx_rtmp', bufferSeconds: 120 });
});
afterAll(async () => {
  for (const gate of gates) await gate.stop();
  await db.drop();
});

let slot = 0;
async function live(gate: StreamGate, clientId: string) {
  clock.set(new Date());
  slot += 1;
  const requested = await requestReservation(
    deps,
    organizer,
    makeRequest(server.name, { startInMs: slot * 3 * 60 * MINUTE }),
  );
  if (!requested.ok) throw new Error(requested.message);
  await reconfirmReservation(deps, organizer, requested.value.id);
  const reservation = await db.prisma.reservation.findUniqueOrThrow({ where: { id: requested.value.id } });
  clock.set(reservation.startsAt);
  await waitFor(async () => (await gate.reservation(reservation.id))?.status === 'confirmed');
  expect(await gate.publish({ serverId: server.id, key: reservation.streamKey, clientId, ip: '192.0.2.1' })).toEqual({
    admitted: true,
  });
  await gate.settled();
  return reservation;
}

const sessionsOf = (reservationId: string) =>
  db.prisma.publishSession.findMany({ where: { reservationId }, orderBy: { startedAt: 'asc' } });

test('GIVEN a publisher streaming on while the gate restarts THEN a new gate knows its session, the update call keeps it, and a second publisher is still refused', async () => {
  const first = await newGate();
  const reservation = await live(first, 'n-1');
  await first.stop();
  expect((await sessionsOf(reservation.id))[0]!.endedAt).toBeNull();

  const second = await newGate();
  expect((await second.publishersOf(reservation.id)).map((p) => p.clientId)).toEqual(['n-1']);
  const call = { serverId: server.id, key: reservation.streamKey, ip: '192.0.2.1' };
  expect(await second.update({ ...call, clientId: 'n-1' })).toBe(true);
  expect(await second.publish({ ...call, clientId: 'n-2' })).toMatchObject({
    admitted: false,
    reason: 'already_publishing',
  });
  await second.settled();
  expect(await sessionsOf(reservation.id)).toHaveLength(1);
  await second.stop();
});

test('GIVEN a publisher its server no longer speaks of THEN it blocks nobody: a reconnect replaces it, and a silent one is ended as gone without a cut', async () => {
  const first = await newGate();
  const reservation = await live(first, 'g-1');
  await first.stop();
  // Its sweep waits: only the claim judges g-1 silent here, and g-2 stays open for the check.
  const second = await newGate(300, 60_000);
  const call = { serverId: server.id, key: reservation.streamKey, ip: '192.0.2.1' };
  expect(await second.publish({ ...call, clientId: 'g-2' })).toEqual({ admitted: true });
  await second.settled();
  const sessions = await sessionsOf(reservation.id);
  expect(sessions.map((s) => [s.clientId, s.endReason])).toEqual([
    ['g-1', 'gone'],
    ['g-2', null],
  ]);
  await second.stop();

  // Nobody speaks of it any more: ended as gone, and a cut is not asked for.
  const third = await newGate(300);
  await waitFor(async () => (await third.publishersOf(reservation.id)).length === 0, 5_000);
  await third.settled();
  expect((await sessionsOf(reservation.id)).at(-1)).toMatchObject({ clientId: 'g-2', endReason: 'gone' });
  expect(cuts.map((cut) => cut.clientId)).not.toContain('g-2');
});

test('GIVEN an update call for a publisher the gate does not know THEN it is admitted when a publish would be, and refused quietly once cancelled', async () => {
  const gate = await newGate();
  const reservation = await live(gate, 'u-1');
  await gate.publishEnded(server.id, 'u-1');
  const call = { serverId: server.id, key: reservation.streamKey, ip: '192.0.2.1' };
  expect(await gate.update({ ...call, clientId: 'u-2' })).toBe(true);
  await gate.settled();
  expect((await sessionsOf(reservation.id)).map((s) => s.clientId)).toEqual(['u-1', 'u-2']);

  await cancelReservation(deps, organizer, reservation.id);
  await waitFor(() => cuts.some((cut) => cut.clientId === 'u-2'));
  const auditsBefore = await db.prisma.auditEntry.count({ where: { action: 'publish_refused' } });
  expect(await gate.update({ ...call, clientId: 'u-2' })).toBe(false);
  expect(await gate.update({ ...call, clientId: 'u-3' })).toBe(false);
  await gate.settled();
  expect(await db.prisma.auditEntry.count({ where: { action: 'publish_refused' } })).toBe(auditsBefore);
});

test('GIVEN the database cannot be reached THEN an update call keeps an admitted publisher streaming, a new publish is refused, and the gate says so once', async () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(line) });
  // A pool on a port where no PostgreSQL listens: every statement fails, as in an outage.
  const away = new pg.Pool({ connectionString: 'postgresql://nobody@127.0.0.1:9/none', connectionTimeoutMillis: 500 });
  const gate = new StreamGate({ ...gatePort(deps, undefined), sql: away, log });
  gate.serve(server, driver, { endsWithProcess: false });
  const call = { serverId: server.id, key: 'sk_any', ip: '192.0.2.1' };
  expect(await gate.update({ ...call, clientId: 'o-1' })).toBe(true);
  expect(await gate.update({ ...call, clientId: 'o-1' })).toBe(true);
  await expect(gate.publish({ ...call, clientId: 'o-2' })).rejects.toThrow();
  expect(lines.filter((line) => line.includes('cannot reach the database'))).toHaveLength(1);
  await away.end();
});
