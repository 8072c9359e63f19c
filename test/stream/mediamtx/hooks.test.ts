/**
 * The mediamtx kind, contract-tested: MediaMTX cannot be installed here, so its side is played by
 * requests shaped exactly as its documentation gives them and by a local fake of its control API.
 *
 * - The auth request: bluenviron/mediamtx docs/2-features/06-authentication.md, "External HTTP
 *   server": POST JSON { user, password, token, ip, action, path, protocol, id, query }, action one
 *   of publish|read|playback|api|metrics|pprof, protocol one of rtsp|rtmp|hls|webrtc|srt; any 2xx
 *   allows. RTMP passes `user`/`pass` and `token` as query parameters (same page, "Providing
 *   tokens"), which MediaMTX hands over as `query`; HLS/WebRTC pass a Bearer token as `token`.
 * - The id: the connection's UUID (internal/servers/rtmp/conn.go passes `ID: &c.uuid` to the
 *   auth request; the same UUID is the path's source id in /v3/paths/list and the id of
 *   POST /v3/rtmpconns/kick/{id}, api/openapi.yaml).
 *
 * Behind the hook: a real gate over a real test database, as in gate.test.ts. The clock is the
 * real one shifted into each reservation's slot, so the cut timers run in real time.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { cancelReservation, reconfirmReservation } from '../../../src/app/lifecycle.js';
import { requestReservation } from '../../../src/app/request.js';
import { viewerToken } from '../../../src/domain/viewer-token.js';
import { closeApp, createHttpApp, listen } from '../../../src/http/app.js';
import { createLogger } from '../../../src/log.js';
import { MediamtxDriver } from '../../../src/stream/mediamtx/driver.js';
import { StreamGate } from '../../../src/stream/gate.js';
import { gatePort } from '../../../src/stream/gate/port.js';
import { HookAuth } from '../../../src/stream/hook-auth.js';
import { hookServers } from '../../../src/store/servers.js';
import { mediamtxHooks } from '../../../src/stream/mediamtx/hooks.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import type { FakeMediamtxControl } from '../../support/mediamtx.js';
import { startFakeMediamtxControl } from '../../support/mediamtx.js';
import { MINUTE, makeActor, makeDeps, makeRequest, makeServer, waitFor } from '../../support/fixtures.js';

let db: TestDatabase;
let deps: ReturnType<typeof makeDeps>;
let gate: StreamGate;
let driver: MediamtxDriver;
let app: FastifyInstance;
let hookBase = '';
let server: Awaited<ReturnType<typeof makeServer>>;
const organizer = makeActor();
const BUFFER_MS = 120_000;

/** Every log line of the service under test, as written. */
const lines: string[] = [];
const log = createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(line) });
/** Secrets that must never be in a log line. */
const secrets = new Set<string>();

/** Real time, shifted into the slot a test plays in. */
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);
const at = (instant: Date) => {
  offsetMs = instant.getTime() - Date.now();
};

let control: FakeMediamtxControl;

beforeAll(async () => {
  control = await startFakeMediamtxControl(() => clock().getTime());
  const controlUrl = control.url;

  db = await createTestDatabase();
  deps = makeDeps(db, { clock, log });
  server = await makeServer(db.prisma, { kind: 'mediamtx', bufferSeconds: BUFFER_MS / 1_000 });
  secrets.add(server.hookSecret);
  driver = new MediamtxDriver({ server: { id: server.id, controlUrl }, log, pollEveryMs: 100, startGraceMs: 2_000 });
  gate = new StreamGate(gatePort(deps, db.url));
  gate.serve(server, driver);
  await gate.start();
  driver.watch(gate);

  app = await createHttpApp(log);
  await app.register(mediamtxHooks, {
    gate: async () => gate,
    auth: new HookAuth({ load: () => hookServers(deps.pool, ['mediamtx']), onServer: () => {} }),
    driver: (id) => (id === server.id ? driver : undefined),
    log,
  });
  const { port } = await listen(app, 0, '127.0.0.1');
  hookBase = `http://127.0.0.1:${port}/hooks/mediamtx`;
});

afterAll(async () => {
  await closeApp(app);
  await driver.stop();
  await gate.stop();
  await db.drop();
  await control.close();
});

let slot = 0;
async function booked(options: { reconfirm?: boolean; emails?: string[] } = {}) {
  offsetMs = 0;
  slot += 1;
  const request = makeRequest(server.name, { startInMs: slot * 3 * 60 * MINUTE, emails: options.emails ?? [] });
  const requested = await requestReservation(deps, organizer, request);
  if (!requested.ok) throw new Error(requested.message);
  if (options.reconfirm !== false) await reconfirmReservation(deps, organizer, requested.value.id);
  const reservation = await db.prisma.reservation.findUniqueOrThrow({ where: { id: requested.value.id } });
  secrets.add(reservation.streamKey);
  secrets.add(reservation.passcode);
  return reservation;
}

/** MediaMTX's auth request, as documented; `over` sets what the client sent. */
function authBody(over: Record<string, unknown>) {
  return {
    user: '',
    password: '',
    token: '',
    ip: '203.0.113.5',
    action: 'publish',
    path: 'live/R-NONE',
    protocol: 'rtmp',
    id: randomUUID(),
    query: '',
    ...over,
  };
}

async function auth(over: Record<string, unknown>, secret = server.hookSecret): Promise<number> {
  const response = await fetch(`${hookBase}/${secret}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(authBody(over)),
  });
  await response.arrayBuffer();
  return response.status;
}

/** An RTMP publish of rtmp://host/live/CODE?token=KEY; MediaMTX lists it once admitted. */
async function publishRtmp(code: string, key: string, id = randomUUID()) {
  const status = await auth({ path: `live/${code}`, query: `token=${encodeURIComponent(key)}`, id });
  if (status === 204) control.sources.set(id, { path: `live/${code}`, type: 'rtmpConn' });
  return { status, id };
}

const statusOf = async (id: string) => (await db.prisma.reservation.findUniqueOrThrow({ where: { id } })).status;
const refusalReasons = async (reservationId: string | null) =>
  (await db.prisma.auditEntry.findMany({ where: { reservationId, action: 'publish_refused' } })).map(
    (audit) => (audit.details as { reason: string }).reason,
  );

test("GIVEN a wrong key, another reservation's key or no key THEN the publish is refused (403, or 401 to ask for one) and audited", async () => {
  const reservation = await booked();
  const other = await booked();
  at(reservation.startsAt);
  expect((await publishRtmp(reservation.code, 'sk_wrong')).status).toBe(403);
  expect(await auth({ path: 'live/sk_nobodys_key' })).toBe(403);
  expect((await publishRtmp(reservation.code, other.streamKey)).status).toBe(403);
  expect(await auth({ path: `live/${reservation.code}` })).toBe(401);
  await gate.settled();
  expect((await refusalReasons(null)).filter((reason) => reason === 'unknown_key')).toHaveLength(3);
  expect(await statusOf(reservation.id)).toBe('confirmed');
});

test('GIVEN a permitted (not reconfirmed) reservation in its window THEN its key is refused', async () => {
  const reservation = await booked({ reconfirm: false });
  at(reservation.startsAt);
  expect((await publishRtmp(reservation.code, reservation.streamKey)).status).toBe(403);
  await gate.settled();
  expect(await refusalReasons(reservation.id)).toEqual(['not_reconfirmed']);
});

test('GIVEN a confirmed reservation THEN its key is refused before start − buffer', async () => {
  const reservation = await booked();
  at(new Date(reservation.startsAt.getTime() - BUFFER_MS - MINUTE));
  expect((await publishRtmp(reservation.code, reservation.streamKey)).status).toBe(403);
  await gate.settled();
  expect(await refusalReasons(reservation.id)).toEqual(['too_early']);
});

test('GIVEN the right key in the window THEN it is admitted and live, a second publisher is refused, viewers get in with a token or the passcode, and a cancel kicks the publisher at once and shuts viewers out', async () => {
  const reservation = await booked({ emails: ['ann@example.org'] });
  // Another server's reservation, confirmed, in the same window: its passcode opens nothing here.
  const elsewhere = await makeServer(db.prisma, { kind: 'embedded', bufferSeconds: 120 });
  const startInMs = reservation.startsAt.getTime() - Date.now() - 1_000;
  const onElsewhere = await requestReservation(deps, organizer, makeRequest(elsewhere.name, { startInMs }));
  if (!onElsewhere.ok) throw new Error(onElsewhere.message);
  await reconfirmReservation(deps, organizer, onElsewhere.value.id);
  await gate.settled();
  at(new Date(reservation.startsAt.getTime() - MINUTE));
  const first = await publishRtmp(reservation.code, reservation.streamKey);
  expect(first.status).toBe(204);
  await waitFor(async () => (await statusOf(reservation.id)) === 'live');

  // WHIP, with the key as Bearer token (MediaMTX puts it in `token`): refused while the first streams.
  const second = await auth({ path: `live/${reservation.code}`, token: reservation.streamKey, protocol: 'webrtc' });
  expect(second).toBe(403);

  const tokenKey = (await db.prisma.serviceSecret.findUniqueOrThrow({ where: { name: 'viewer_token' } })).value;
  const ann = viewerToken(tokenKey, reservation.id, 'ann@example.org');
  secrets.add(ann);
  const read = (over: Record<string, unknown>) =>
    auth({ action: 'read', path: `live/${reservation.code}`, protocol: 'hls', ip: '198.51.100.1', ...over });
  expect(await read({ token: ann })).toBe(204);
  expect(await read({ protocol: 'rtsp', query: `t=${ann}` })).toBe(204);
  expect(await read({ query: `passcode=${reservation.passcode}` })).toBe(204);
  expect(await read({ user: 'viewer', password: reservation.passcode })).toBe(204);
  expect(await read({ action: 'playback', token: ann })).toBe(204);
  expect(await read({})).toBe(401);
  expect(await read({ token: 'not-a-token' })).toBe(403);
  expect(await read({ query: 'passcode=WRONG' })).toBe(403);
  // Nor does a reservation of another server open this one.
  expect(await read({ path: `live/${onElsewhere.value.code}`, query: `passcode=${onElsewhere.value.passcode}` })).toBe(
    403,
  );
  // Viewers never read by stream key.
  expect(await read({ path: `live/${reservation.streamKey}`, token: ann })).toBe(403);

  await cancelReservation(deps, organizer, reservation.id);
  await waitFor(() => control.kicks.find((kick) => kick.id === first.id));
  expect(control.kicks.filter((kick) => kick.id === first.id)).toEqual([
    expect.objectContaining({ collection: 'rtmpconns', id: first.id }),
  ]);
  expect(await read({ token: ann })).toBe(403);
  await gate.settled();
  const [session] = await db.prisma.publishSession.findMany({ where: { reservationId: reservation.id } });
  expect(session).toMatchObject({ clientId: first.id, endReason: 'cancelled' });
});

test('GIVEN more than 10 wrong viewer credentials in a minute from one address THEN the 11th try gets 429, even the right passcode', async () => {
  const reservation = await booked();
  at(reservation.startsAt);
  const read = (passcode: string) =>
    auth({
      action: 'read',
      path: `live/${reservation.code}`,
      protocol: 'hls',
      ip: '198.51.100.77',
      password: passcode,
    });
  for (let i = 0; i < 10; i++) expect(await read('WRONG')).toBe(403);
  expect(await read('WRONG')).toBe(429);
  expect(await read(reservation.passcode)).toBe(429);
});

test('GIVEN a stream admitted shortly before end + buffer THEN the publisher is kicked within a second of it and the reservation completed', async () => {
  const reservation = await booked();
  const closesAt = reservation.endsAt.getTime() + BUFFER_MS;
  at(new Date(closesAt - 500));
  // SRT publishes with the key as password (streamid=publish:live/R-XXXX:user:KEY).
  const id = randomUUID();
  expect(
    await auth({
      path: `live/${reservation.code}`,
      protocol: 'srt',
      user: 'user',
      password: reservation.streamKey,
      id,
    }),
  ).toBe(204);
  control.sources.set(id, { path: `live/${reservation.code}`, type: 'srtConn' });
  const kick = await waitFor(() => control.kicks.find((k) => k.id === id), 5_000);
  expect(kick.collection).toBe('srtconns');
  expect(kick.at).toBeGreaterThanOrEqual(closesAt);
  expect(kick.at).toBeLessThan(closesAt + 1_000);
  await waitFor(async () => (await statusOf(reservation.id)) === 'completed');
});

test('GIVEN a publisher that dropped THEN its reconnect is admitted at once (MediaMTX is asked), and its end is noticed by polling', async () => {
  const reservation = await booked();
  at(reservation.startsAt);
  const first = await publishRtmp(reservation.code, reservation.streamKey);
  expect(first.status).toBe(204);
  await waitFor(async () => (await statusOf(reservation.id)) === 'live');
  const before = control.listings();
  await waitFor(() => control.listings() >= before + 2);
  // The connection drops; OBS reconnects before any poll could notice.
  control.sources.delete(first.id);
  const again = await publishRtmp(reservation.code, reservation.streamKey);
  expect(again.status).toBe(204);
  expect((await gate.publishersOf(reservation.id)).map((p) => p.clientId)).toEqual([again.id]);
  // It stops for good: the poll ends its session.
  control.sources.delete(again.id);
  await waitFor(async () => (await gate.publishersOf(reservation.id)).length === 0, 5_000);
  await gate.settled();
  const sessions = await db.prisma.publishSession.findMany({ where: { reservationId: reservation.id } });
  expect(sessions.map((s) => s.endReason).sort()).toEqual(['disconnected', 'disconnected']);
  expect(control.kicks.filter((k) => k.id === first.id || k.id === again.id)).toEqual([]);
});

test('GIVEN a publish to live/<stream key> (the bare ingest URL + key) THEN the same rules admit it, and a cancel kicks it', async () => {
  const reservation = await booked();
  at(reservation.startsAt);
  const id = randomUUID();
  const path = `live/${reservation.streamKey}`;
  expect(await auth({ path, id })).toBe(204);
  control.sources.set(id, { path, type: 'rtmpConn' });
  await waitFor(async () => (await statusOf(reservation.id)) === 'live');
  await cancelReservation(deps, organizer, reservation.id);
  await waitFor(() => control.kicks.find((kick) => kick.id === id));
});

test('GIVEN a publisher on a gated path that the gate never admitted (one from before a restart) THEN it is kicked', async () => {
  const stray = randomUUID();
  control.sources.set(stray, { path: 'live/R-STRAY', type: 'rtmpConn' });
  await waitFor(() => control.kicks.find((kick) => kick.id === stray), 5_000);
  expect(control.sources.has(stray)).toBe(false);
});

test('GIVEN a missing or wrong secret, or a bad body THEN 403 or 400, and no log line holds a secret', async () => {
  expect(await auth({}, 'not-the-secret')).toBe(403);
  const bare = await fetch(`${hookBase}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(bare.status).toBe(403);
  const external = await makeServer(db.prisma, { kind: 'external' });
  expect(await auth({}, external.hookSecret)).toBe(403);

  const post = (body: string) =>
    fetch(`${hookBase}/${server.hookSecret}/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
  const malformed = await post('{"action": "publish",');
  expect(malformed.status).toBe(400);
  const wrongShape = await post(JSON.stringify(authBody({ action: 'dance' })));
  expect(wrongShape.status).toBe(400);
  expect(((await wrongShape.json()) as { error: { message: string } }).error.message).toMatch(/action must be one of/);
  expect(await auth({ action: 'api', path: '' })).toBe(403);

  await gate.settled();
  expect(lines.some((line) => line.includes('unknown secret'))).toBe(true);
  for (const secret of [...secrets, external.hookSecret]) {
    expect(lines.filter((line) => line.includes(secret))).toEqual([]);
  }
});
