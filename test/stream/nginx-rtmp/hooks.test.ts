/**
 * nginx-rtmp's callbacks as nginx posts them (a form of `app, name, addr, clientid, call`), on
 * the hook routes behind a real gate over a real test database — without nginx, for what no nginx
 * sends but a caller with the hook URL can: fields of any length. service.test.ts beside this file
 * drives real nginx.
 */
import type { FastifyInstance } from 'fastify';
import { reconfirmReservation } from '../../../src/app/lifecycle.js';
import { requestReservation } from '../../../src/app/request.js';
import { closeApp, createHttpApp, listen } from '../../../src/http/app.js';
import { createLogger } from '../../../src/log.js';
import { StreamGate } from '../../../src/stream/gate.js';
import { gatePort } from '../../../src/stream/gate/port.js';
import { HookAuth } from '../../../src/stream/hook-auth.js';
import { HOOK_ID_MAX_CHARS } from '../../../src/stream/hooks.js';
import { nginxRtmpDriver } from '../../../src/stream/nginx-rtmp/driver.js';
import { nginxRtmpHooks } from '../../../src/stream/nginx-rtmp/hooks.js';
import { hookServers } from '../../../src/store/servers.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { MINUTE, makeActor, makeDeps, makeRequest, makeServer, waitFor } from '../../support/fixtures.js';

let db: TestDatabase;
let deps: ReturnType<typeof makeDeps>;
let gate: StreamGate;
let app: FastifyInstance;
let hookBase = '';
let server: Awaited<ReturnType<typeof makeServer>>;
const organizer = makeActor();

/** Every log line of the service under test, as written. */
const lines: string[] = [];
const log = createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(line) });

/** Real time, shifted into the slot a test plays in. */
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);

beforeAll(async () => {
  db = await createTestDatabase();
  deps = makeDeps(db, { clock, log });
  server = await makeServer(db.prisma, { kind: 'nginx_rtmp', ingestBaseUrl: 'rtmp://ingest.example.org/live' });
  gate = new StreamGate(gatePort(deps, db.url));
  gate.serve(server, nginxRtmpDriver(server, log));
  await gate.start();
  app = await createHttpApp(log);
  await app.register(nginxRtmpHooks, {
    gate: async () => gate,
    auth: new HookAuth({ load: () => hookServers(deps.pool, ['nginx_rtmp']), onServer: () => {} }),
    driver: () => undefined,
    log,
  });
  const { port } = await listen(app, 0, '127.0.0.1');
  hookBase = `http://127.0.0.1:${port}/hooks/nginx-rtmp/${server.hookSecret}`;
});

afterAll(async () => {
  await closeApp(app);
  await gate.stop();
  await db.drop();
});

function callback(call: string, form: Record<string, string>) {
  return fetch(`${hookBase}/${call}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ app: 'live', addr: '203.0.113.5', call, ...form }).toString(),
  });
}

/** A reservation of this server, confirmed, with the clock in its window. */
let slot = 0;
async function inItsWindow() {
  offsetMs = 0;
  slot += 1;
  const request = makeRequest(server.name, { startInMs: slot * 3 * 60 * MINUTE });
  const requested = await requestReservation(deps, organizer, request);
  if (!requested.ok) throw new Error(requested.message);
  await reconfirmReservation(deps, organizer, requested.value.id);
  const reservation = await db.prisma.reservation.findUniqueOrThrow({ where: { id: requested.value.id } });
  await gate.settled();
  // This server has no set-up buffer: a second after the start.
  offsetMs = reservation.startsAt.getTime() + 1_000 - Date.now();
  return reservation;
}

const statusOf = async (id: string) => (await db.prisma.reservation.findUniqueOrThrow({ where: { id } })).status;

test('GIVEN a hook call with a 250 KB client id THEN it is refused with a 400 naming the field, nothing is recorded, and every log line stays short', async () => {
  const reservation = await inItsWindow();
  const before = lines.length;
  const publish = await callback('publish', { name: reservation.streamKey, clientid: '7'.repeat(250_000) });
  expect(publish.status).toBe(400);
  expect(((await publish.json()) as { error: { message: string } }).error.message).toBe(
    `Not an nginx-rtmp callback. clientid: at most ${HOOK_ID_MAX_CHARS} characters`,
  );
  const address = await callback('publish', { name: reservation.streamKey, clientid: '1', addr: '9'.repeat(250_000) });
  expect(address.status).toBe(400);
  await gate.settled();
  expect(await statusOf(reservation.id)).toBe('confirmed');
  expect(await db.prisma.publishSession.count({ where: { reservationId: reservation.id } })).toBe(0);
  expect(lines.length).toBeGreaterThan(before);
  expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(2_000);
});

test('GIVEN the longest client id a hook may name THEN the publish, its updates and its end work as for any other', async () => {
  const reservation = await inItsWindow();
  const clientId = '7'.repeat(HOOK_ID_MAX_CHARS);
  expect((await callback('publish', { name: reservation.streamKey, clientid: clientId })).status).toBe(200);
  await waitFor(async () => (await statusOf(reservation.id)) === 'live');
  expect((await callback('update', { name: reservation.streamKey, clientid: clientId })).status).toBe(200);
  expect((await callback('publish_done', { name: reservation.streamKey, clientid: clientId })).status).toBe(200);
  await waitFor(
    async () => (await db.prisma.publishSession.findFirst({ where: { reservationId: reservation.id } }))?.endedAt,
  );
  const admitted = lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((record) => record.msg === 'publish admitted' && record.reservation === reservation.code);
  expect(admitted?.client).toBe(clientId);
});
