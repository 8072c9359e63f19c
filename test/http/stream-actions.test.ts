/**
 * Extending a stream and replacing its key through the REST API (issue 17), over real HTTP and
 * real PostgreSQL. The service's clock is moved past a reservation's start, so "a stream that has
 * begun" needs no waiting; the real streams are test/stream/embedded/stream-actions.test.ts.
 */
import type { FastifyInstance } from 'fastify';
import { createToken } from '../../src/app/tokens.js';
import { API_PREFIX, apiRoutes } from '../../src/http/api.js';
import { closeApp, createHttpApp, listen } from '../../src/http/app.js';
import { silentLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { HOUR, MINUTE, makeDeps, makeServer, TestClock } from '../support/fixtures.js';

let db: TestDatabase;
let app: FastifyInstance;
let base: string;
let adminToken: string;
let aliceToken: string;
let bobToken: string;
/** One server per test: capacity 1, no buffer, so "the slot after" is exactly the next booking. */
let serverName: string;
const clock = new TestClock();
const ALICE = 'alice@example.org';

beforeAll(async () => {
  db = await createTestDatabase();
  app = await createHttpApp(silentLogger);
  await app.register(apiRoutes, { deps: makeDeps(db, { clock: clock.now }), prefix: API_PREFIX });
  base = `http://127.0.0.1:${(await listen(app, 0, '127.0.0.1')).port}`;
  const token = async (name: string, admin = false, email?: string) => {
    const outcome = await createToken(db.prisma, { name, admin, ...(email ? { email } : {}) });
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.value.token;
  };
  [adminToken, aliceToken, bobToken] = await Promise.all([
    token('ops', true),
    token('alice', false, ALICE),
    token('bob'),
  ]);
});
afterAll(async () => {
  await closeApp(app);
  await db.drop();
});
beforeEach(async () => {
  clock.set(new Date(Math.ceil(Date.now() / MINUTE) * MINUTE));
  serverName = (await makeServer(db.prisma, { kind: 'embedded', capacity: 1, bufferSeconds: 0 })).name;
});

async function call(method: string, path: string, body?: unknown, token = aliceToken) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** A reservation of Alice's from `startIn` for `length`, reconfirmed (so invitees were told). */
async function booked(startIn: number, length: number, emails: string[] = ['ann@example.org']) {
  const startsAt = new Date(clock.now().getTime() + startIn);
  const created = await call('POST', '/reservations', {
    server: serverName,
    title: 'Launch',
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + length).toISOString(),
    emails,
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  const reconfirmed = await call('POST', `/reservations/${created.body.reservation.id}/reconfirm`);
  if (reconfirmed.status !== 200) throw new Error(JSON.stringify(reconfirmed.body));
  return reconfirmed.body.reservation as { id: string; code: string; endsAt: string; version: number };
}

const stored = (id: string) => db.prisma.reservation.findUniqueOrThrow({ where: { id } });
const noticesOf = (id: string, event: 'change_notice' | 'stream_key_replaced') =>
  db.prisma.notification.findMany({ where: { reservationId: id, event } });

describe('POST /reservations/:id/extend', () => {
  test('GIVEN a stream that has begun WHEN extended by 15 minutes THEN its end moves and invitees and organizer get one change notice each', async () => {
    const reservation = await booked(HOUR, HOUR);
    clock.advance(HOUR + 10 * MINUTE);
    const answer = await call('POST', `/reservations/${reservation.code}/extend`, { minutes: 15 });
    expect(answer.status).toBe(200);
    const end = new Date(new Date(reservation.endsAt).getTime() + 15 * MINUTE);
    expect(answer.body.reservation).toMatchObject({ endsAt: end.toISOString(), version: reservation.version + 1 });
    expect((await stored(reservation.id)).endsAt).toEqual(end);
    const notices = await noticesOf(reservation.id, 'change_notice');
    expect(notices.map((n) => n.recipient).sort()).toEqual([ALICE, 'ann@example.org']);
    expect((notices[0]!.payload as { changes: unknown }).changes).toEqual([
      { field: 'endsAt', from: reservation.endsAt, to: end.toISOString() },
    ]);
  });

  test('GIVEN a stream that has begun WHEN extended to a later endsAt THEN it ends then', async () => {
    const reservation = await booked(HOUR, HOUR);
    clock.advance(HOUR);
    const endsAt = new Date(new Date(reservation.endsAt).getTime() + 45 * MINUTE).toISOString();
    const answer = await call('POST', `/reservations/${reservation.id}/extend`, { endsAt });
    expect(answer.status).toBe(200);
    expect(answer.body.reservation.endsAt).toBe(endsAt);
  });

  test('GIVEN the slot after it is booked WHEN extended past it THEN 409 unavailable with the longest extension that fits, and nothing changes', async () => {
    const reservation = await booked(HOUR, HOUR);
    // Someone else's reservation 10 minutes after this one ends.
    const next = await call(
      'POST',
      '/reservations',
      {
        server: serverName,
        title: 'Next',
        startsAt: new Date(new Date(reservation.endsAt).getTime() + 10 * MINUTE).toISOString(),
        endsAt: new Date(new Date(reservation.endsAt).getTime() + 70 * MINUTE).toISOString(),
      },
      bobToken,
    );
    expect(next.status).toBe(201);
    clock.advance(HOUR + MINUTE);
    const before = await stored(reservation.id);
    const answer = await call('POST', `/reservations/${reservation.id}/extend`, { minutes: 30 });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'unavailable' });
    expect(answer.body.error.message).toMatch(/can be extended by 10 min at most/);
    expect(answer.body.error.alternatives).toEqual([
      expect.objectContaining({
        endsAt: new Date(new Date(reservation.endsAt).getTime() + 10 * MINUTE).toISOString(),
        server: expect.objectContaining({ name: serverName }),
      }),
    ]);
    expect(await stored(reservation.id)).toEqual(before);
    expect(await noticesOf(reservation.id, 'change_notice')).toHaveLength(0);
    // What was offered is taken.
    expect((await call('POST', `/reservations/${reservation.id}/extend`, { minutes: 10 })).status).toBe(200);
  });

  test.each([
    [{ minutes: 0 }, 'minutes', /whole number from 1 to 720/],
    [{ minutes: 1.5 }, 'minutes', /whole number/],
    [{ minutes: '15' }, 'minutes', /whole number/],
    [{ minutes: 721 }, 'minutes', /from 1 to 720/],
    [{}, 'minutes', /one of the two/],
    [{ minutes: 15, endsAt: '2030-01-01T00:00:00Z' }, 'minutes', /one of the two/],
    [{ endsAt: 'tomorrow' }, 'endsAt', /ISO-8601/],
    [{ minutes: 15, extra: 1 }, 'extra', /Unknown field/],
  ])('GIVEN bad input %j THEN 422 naming the field, and nothing changes', async (body, field, message) => {
    const reservation = await booked(HOUR, HOUR);
    clock.advance(HOUR);
    const before = await stored(reservation.id);
    const answer = await call('POST', `/reservations/${reservation.id}/extend`, body);
    expect(answer.status).toBe(422);
    expect(answer.body.error.fields).toEqual([
      expect.objectContaining({ field, message: expect.stringMatching(message) }),
    ]);
    expect(await stored(reservation.id)).toEqual(before);
  });

  test('GIVEN an end earlier than the current one, or a total over the longest reservation THEN 422 on endsAt', async () => {
    const reservation = await booked(HOUR, HOUR);
    clock.advance(HOUR);
    const earlier = await call('POST', `/reservations/${reservation.id}/extend`, {
      endsAt: new Date(new Date(reservation.endsAt).getTime() - MINUTE).toISOString(),
    });
    expect(answerField(earlier)).toEqual({ status: 422, field: 'endsAt' });
    expect(earlier.body.error.message).toMatch(/must be later than the current one/);
    const tooLong = await call('POST', `/reservations/${reservation.id}/extend`, { minutes: 12 * 60 });
    expect(answerField(tooLong)).toEqual({ status: 422, field: 'endsAt' });
    expect(tooLong.body.error.message).toMatch(/at most 12h/);
  });

  test('GIVEN a reservation that has not started, or is over, or is not yours THEN refused and nothing changes', async () => {
    const reservation = await booked(HOUR, HOUR);
    const early = await call('POST', `/reservations/${reservation.id}/extend`, { minutes: 15 });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({
      code: 'invalid_transition',
      message: expect.stringMatching(/has started/),
    });
    const stranger = await call('POST', `/reservations/${reservation.id}/extend`, { minutes: 15 }, bobToken);
    expect(stranger.status).toBe(404);
    clock.advance(2 * HOUR + MINUTE);
    const over = await call('POST', `/reservations/${reservation.id}/extend`, { minutes: 15 });
    expect(over.status).toBe(409);
    expect(over.body.error.message).toMatch(/is over/);
    expect((await stored(reservation.id)).version).toBe(reservation.version);
  });
});

describe('POST /reservations/:id/rotate-key', () => {
  test('GIVEN the organizer WHEN they replace the key THEN the answer has a new key, is not cached, and they are told once', async () => {
    const reservation = await booked(HOUR, HOUR);
    const before = await call('GET', `/reservations/${reservation.id}`);
    const answer = await call('POST', `/reservations/${reservation.id}/rotate-key`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const key = answer.body.reservation.ingest.streamKey;
    expect(key).toMatch(/^sk_/);
    expect(key).not.toBe(before.body.reservation.ingest.streamKey);
    expect((await stored(reservation.id)).streamKey).toBe(key);
    const notices = await noticesOf(reservation.id, 'stream_key_replaced');
    expect(notices.map((n) => n.recipient)).toEqual([ALICE]);
    expect(JSON.stringify(notices[0]!.payload)).not.toContain(key);
    // The audit trail says that it changed, not what it is.
    const audit = await db.prisma.auditEntry.findMany({ where: { reservationId: reservation.id } });
    expect(audit.map((a) => a.action)).toContain('stream_key_replaced');
    expect(JSON.stringify(audit.map((a) => a.details))).not.toContain(key);
  });

  test('GIVEN someone else THEN 404 and the key stays; an admin may replace it but never sees it', async () => {
    const reservation = await booked(HOUR, HOUR);
    const key = (await stored(reservation.id)).streamKey;
    expect((await call('POST', `/reservations/${reservation.id}/rotate-key`, undefined, bobToken)).status).toBe(404);
    expect((await stored(reservation.id)).streamKey).toBe(key);
    const byAdmin = await call('POST', `/reservations/${reservation.id}/rotate-key`, undefined, adminToken);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.reservation.ingest).toBeUndefined();
    expect((await stored(reservation.id)).streamKey).not.toBe(key);
  });

  test('GIVEN a cancelled reservation, or one on a server that checks no keys THEN 409 and nothing changes', async () => {
    const reservation = await booked(HOUR, HOUR);
    expect((await call('POST', `/reservations/${reservation.id}/cancel`, {})).status).toBe(200);
    const key = (await stored(reservation.id)).streamKey;
    const cancelled = await call('POST', `/reservations/${reservation.id}/rotate-key`);
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.error.message).toMatch(/cancelled reservation has no stream key/);
    expect((await stored(reservation.id)).streamKey).toBe(key);

    serverName = (await makeServer(db.prisma, { kind: 'external' })).name;
    const external = await booked(HOUR, HOUR);
    const refused = await call('POST', `/reservations/${external.id}/rotate-key`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/does not check stream keys/);
    expect(await noticesOf(external.id, 'stream_key_replaced')).toHaveLength(0);
  });
});

function answerField(answer: { status: number; body: { error: { fields?: Array<{ field: string }> } } }) {
  return { status: answer.status, field: answer.body.error.fields?.[0]?.field };
}
