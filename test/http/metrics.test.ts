/**
 * GET /metrics (issue 11): the whole service on a database of its own, and the figures read back
 * with a parser of the Prometheus text format's sample lines. Every figure asserted here is made
 * by doing the thing it counts: requests, deliveries (one that succeeds, one that cannot), a lapse
 * at a real deadline, publish decisions of the real gate.
 */
import { createToken } from '../../src/app/tokens.js';
import { closeApp, createHttpApp, listen } from '../../src/http/app.js';
import { metricsRoutes, PrometheusMetrics } from '../../src/http/metrics.js';
import { silentLogger } from '../../src/log.js';
import { waitFor } from '../support/fixtures.js';
import type { TestService } from '../support/service.js';
import { startTestService } from '../support/service.js';
import { apiClient } from '../support/api.js';

let world: TestService;
let token = '';

beforeAll(async () => {
  // A deadline 3 s after booking (the least window), so a lapse happens while the test waits.
  world = await startTestService({ RECONFIRM_LEAD: '48h', RECONFIRM_MIN_WINDOW: '3s', STREAMING: 'embedded' });
  const created = await createToken(world.db.prisma, { name: 'organizer', admin: true, email: 'org@example.org' });
  if (!created.ok) throw new Error(created.message);
  token = created.value.token;
}, 60_000);
afterAll(async () => {
  await world?.close();
});

const base = () => world.service.url!;

const api = apiClient(base, () => token);

let bookings = 0;
async function book(title: string, extra: Record<string, unknown> = {}) {
  // An hour apart: random times on the one embedded server collided now and then ("fully booked").
  bookings += 1;
  const startsAt = new Date(Date.now() + (1 + bookings) * 3_600_000);
  const created = await api('POST', '/reservations', {
    server: 'embedded',
    title,
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 600_000).toISOString(),
    ...extra,
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  return created.body.reservation as { id: string; code: string; ingest: { streamKey: string } };
}

/** Sample lines → value by `name{labels}` exactly as written (labels in prom-client's order). */
async function scrape(headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const response = await fetch(`${base()}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

test('GIVEN requests to a route WHEN scraped THEN HTTP latency is labelled by route pattern, never by URL', async () => {
  const booked = await book('Counted requests');
  expect((await api('GET', `/reservations/${booked.code}`)).status).toBe(200);
  expect((await api('GET', `/reservations/${booked.code}`)).status).toBe(200);
  expect((await api('GET', '/reservations/R-NONE')).status).toBe(404);
  const samples = await scrape();
  const route = '/api/v1/reservations/:id';
  expect(
    samples.get(`slotcast_http_request_duration_seconds_count{method="GET",route="${route}",status_code="200"}`),
  ).toBe(2);
  expect(
    samples.get(`slotcast_http_request_duration_seconds_count{method="GET",route="${route}",status_code="404"}`),
  ).toBe(1);
  expect([...samples.keys()].some((key) => key.includes(booked.code))).toBe(false);
  // Node's own figures come along.
  expect(samples.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
});

test('GIVEN an e-mail that goes out and a Slack channel nothing delivers to THEN delivery latency and failures per channel', async () => {
  const booked = await book('Counted deliveries', { emails: ['viewer@example.org'], slackChannels: ['C0123456789'] });
  expect((await api('POST', `/reservations/${booked.id}/reconfirm`)).status).toBe(200);
  const samples = await waitFor(async () => {
    const now = await scrape();
    return (now.get('slotcast_delivery_failures_total{channel="slack_channel"}') ?? 0) >= 1 &&
      (now.get('slotcast_delivery_latency_seconds_count{channel="email"}') ?? 0) >= 2
      ? now
      : undefined;
  });
  // The organizer's permit prompt and the viewer's invitation, at least; each took some time.
  expect(samples.get('slotcast_delivery_latency_seconds_sum{channel="email"}')).toBeGreaterThan(0);
  expect(samples.get('slotcast_outbox_rows{channel="slack_channel",status="failed"}')).toBeGreaterThanOrEqual(1);
});

test('GIVEN a reservation left unconfirmed WHEN its deadline passes THEN one lapse and its lateness are counted', async () => {
  const before = (await scrape()).get('slotcast_lapses_total') ?? 0;
  await book('Left to lapse');
  const samples = await waitFor(async () => {
    const now = await scrape();
    return (now.get('slotcast_lapses_total') ?? 0) > before ? now : undefined;
  }, 15_000);
  expect(samples.get('slotcast_lapses_total')).toBe(before + 1);
  expect(samples.get('slotcast_deadline_lateness_seconds_count')).toBe(before + 1);
  // The deadline clock lapses at the deadline, not seconds later.
  expect(samples.get('slotcast_deadline_lateness_seconds_bucket{le="5"}')).toBe(before + 1);
});

test('GIVEN publishes refused and admitted by the gate THEN decisions by reason, live streams and viewers', async () => {
  const gate = world.service.streaming!.gate!;
  const server = (await world.db.prisma.distributionServer.findUniqueOrThrow({ where: { name: 'embedded' } })).id;
  expect((await gate.publish({ serverId: server, key: 'sk_nobody', clientId: 'c1', ip: '127.0.0.1' })).admitted).toBe(
    false,
  );

  const startsAt = new Date(Date.now() + 30_000);
  const created = await api('POST', '/reservations', {
    server: 'embedded',
    title: 'Streaming now',
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 600_000).toISOString(),
  });
  const booked = created.body.reservation as {
    id: string;
    code: string;
    passcode: string;
    ingest: { streamKey: string };
  };
  expect(
    await gate.publish({ serverId: server, key: booked.ingest.streamKey, clientId: 'c2', ip: '127.0.0.1' }),
  ).toMatchObject({
    admitted: false,
    reason: 'not_reconfirmed',
  });
  expect((await api('POST', `/reservations/${booked.id}/reconfirm`)).status).toBe(200);
  expect(
    (await gate.publish({ serverId: server, key: booked.ingest.streamKey, clientId: 'c3', ip: '127.0.0.1' })).admitted,
  ).toBe(true);
  const viewer = await gate.play({
    code: booked.code,
    credentials: { passcode: booked.passcode },
    ip: '127.0.0.1',
    serverId: server,
  });
  expect(viewer.admitted).toBe(true);
  await gate.settled();

  const samples = await scrape();
  expect(samples.get('slotcast_publish_decisions_total{outcome="refused",reason="unknown_key"}')).toBe(1);
  expect(samples.get('slotcast_publish_decisions_total{outcome="refused",reason="not_reconfirmed"}')).toBe(1);
  expect(samples.get('slotcast_publish_decisions_total{outcome="admitted",reason=""}')).toBe(1);
  expect(samples.get('slotcast_live_streams')).toBe(1);
  expect(samples.get(`slotcast_stream_viewers{reservation="${booked.code}"}`)).toBe(1);

  if (viewer.admitted) gate.playEnded(viewer.viewer);
  await gate.publishEnded(server, 'c3');
  await gate.settled();
  const after = await scrape();
  expect(after.get('slotcast_live_streams')).toBe(0);
  expect(after.has(`slotcast_stream_viewers{reservation="${booked.code}"}`)).toBe(false);
});

describe('who may read /metrics', () => {
  test('GIVEN no METRICS_TOKEN WHEN a proxy forwarded the request THEN 403, though it comes from loopback', async () => {
    const response = await fetch(`${base()}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(/METRICS_TOKEN/);
  });

  test('GIVEN a METRICS_TOKEN THEN only its bearer reads the metrics, and the token is in no answer', async () => {
    const secret = 'metrics-token-0123456789';
    const app = await createHttpApp(silentLogger);
    await app.register(metricsRoutes, { metrics: new PrometheusMetrics(world.db.pool), token: secret });
    const { port } = await listen(app, 0, '127.0.0.1');
    try {
      const url = `http://127.0.0.1:${port}/metrics`;
      const missing = await fetch(url);
      expect(missing.status).toBe(401);
      expect(await missing.text()).not.toContain(secret);
      expect((await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      const allowed = await fetch(url, { headers: { authorization: `Bearer ${secret}` } });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toMatch(/^# HELP slotcast_outbox_rows /m);
    } finally {
      await closeApp(app);
    }
  });
});
