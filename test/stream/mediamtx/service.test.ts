/**
 * The mediamtx kind inside the whole service (issue 9): a server added with `kind: mediamtx` is
 * served by the running service's hook routes and gate, the organizer's ingest is the path MediaMTX
 * gates (the code, with the key as token), a cancel kicks the publisher through the control API,
 * and the watch page's player reads MediaMTX's HLS. MediaMTX itself is played by requests shaped as
 * its documentation gives them (see mediamtx.test.ts) and a fake of its control API.
 */
import { randomUUID } from 'node:crypto';
import { createToken } from '../../../src/app/tokens.js';
import { viewerToken } from '../../../src/domain/viewer-token.js';
import { apiClient } from '../../support/api.js';
import { waitFor } from '../../support/fixtures.js';
import type { FakeMediamtxControl } from '../../support/mediamtx.js';
import { startFakeMediamtxControl } from '../../support/mediamtx.js';
import type { TestService } from '../../support/service.js';
import { startTestService } from '../../support/service.js';

const MEDIA = 'http://media.example.org:8888';
let world: TestService;
let control: FakeMediamtxControl;
let token = '';
let hookSecret = '';

beforeAll(async () => {
  control = await startFakeMediamtxControl();
  world = await startTestService({ STREAMING: 'off' });
  const created = await createToken(world.db.prisma, { name: 'organizer', admin: true, email: 'org@example.org' });
  if (!created.ok) throw new Error(created.message);
  token = created.value.token;
  // Added while the service runs, as an operator would: found on MediaMTX's first call.
  const added = await api('POST', '/servers', {
    name: 'mtx',
    kind: 'mediamtx',
    ingestBaseUrl: 'rtmp://media.example.org:1935/live',
    playbackBaseUrl: 'https://watch.example.org/watch',
    controlUrl: control.url,
    mediaBaseUrl: MEDIA,
    bufferSeconds: 60,
  });
  expect(added.status).toBe(201);
  hookSecret = (await world.db.prisma.distributionServer.findUniqueOrThrow({ where: { name: 'mtx' } })).hookSecret;
}, 60_000);
afterAll(async () => {
  await world?.close();
  await control?.close();
});

const base = () => world.service.url!;
const api = apiClient(base, () => token);

/** MediaMTX's auth request for an RTMP publish, as it sends it. */
function auth(body: { action: string; path: string; query: string; id?: string }) {
  return fetch(`${base()}/hooks/mediamtx/${hookSecret}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user: '', password: '', token: '', ip: '192.0.2.7', protocol: 'rtmp', id: null, ...body }),
  });
}

test('GIVEN a reconfirmed reservation on a MediaMTX server THEN the service admits its publisher at the ingest it gave, makes it live, and a cancel kicks it', async () => {
  const startsAt = new Date(Date.now() + 30_000);
  const created = await api('POST', '/reservations', {
    server: 'mtx',
    title: 'On MediaMTX',
    emails: ['ann@example.org'],
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 600_000).toISOString(),
  });
  expect(created.status).toBe(201);
  const { id, code, passcode, ingest } = created.body.reservation;
  // The organizer's ingest names the code; the key rides as the token, never in a path viewers read.
  const publishTo = new URL(`${ingest.url}/${ingest.streamKey}`);
  expect(publishTo.pathname).toBe(`/live/${code}`);
  expect(publishTo.searchParams.get('token')).toMatch(/^sk_/);
  expect((await api('POST', `/reservations/${id}/reconfirm`)).status).toBe(200);

  const connection = randomUUID();
  const publish = { action: 'publish', path: publishTo.pathname.slice(1), query: publishTo.search.slice(1) };
  expect((await auth({ ...publish, id: connection })).status).toBe(204);
  control.sources.set(connection, { path: `live/${code}`, type: 'rtmpConn' });
  await waitFor(async () => (await world.db.prisma.reservation.findUniqueOrThrow({ where: { id } })).status === 'live');
  // A viewer with the passcode may read; without, MediaMTX is told 401.
  expect((await auth({ action: 'read', path: `live/${code}`, query: `passcode=${passcode}` })).status).toBe(204);
  expect((await auth({ action: 'read', path: `live/${code}`, query: '' })).status).toBe(401);

  // The watch page's player reads MediaMTX's HLS for this viewer.
  const key = (await world.db.prisma.serviceSecret.findUniqueOrThrow({ where: { name: 'viewer_token' } })).value;
  const annToken = viewerToken(key, id, 'ann@example.org');
  const page = await fetch(`${base()}/watch/${code}?t=${annToken}`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain(`${MEDIA}/live/${code}/index.m3u8?t=${annToken}`);
  expect(page.headers.get('content-security-policy')).toContain(MEDIA);

  expect((await api('POST', `/reservations/${id}/cancel`, { reason: 'Called off' })).status).toBe(200);
  const kick = await waitFor(() => control.kicks.find((k) => k.id === connection));
  expect(kick.collection).toBe('rtmpconns');
  expect((await auth({ action: 'read', path: `live/${code}`, query: `passcode=${passcode}` })).status).toBe(403);
});

test('GIVEN a hook call with a secret of no MediaMTX server THEN 403', async () => {
  const response = await fetch(`${base()}/hooks/mediamtx/${'0'.repeat(64)}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'publish', path: 'live/R-ANY', query: 'token=sk_x', id: randomUUID() }),
  });
  expect(response.status).toBe(403);
});
