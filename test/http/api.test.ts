/**
 * The REST API over real HTTP and real PostgreSQL.
 */
import { createConnection } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createToken } from '../../src/app/tokens.js';
import { API_PREFIX, apiRoutes, healthRoutes } from '../../src/http/api.js';
import { closeApp, createHttpApp, listen } from '../../src/http/app.js';
import { silentLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { HOUR, makeDeps, makeServer } from '../support/fixtures.js';

let db: TestDatabase;
let server: FastifyInstance;
let base: string;
let adminToken: string;
let aliceToken: string;
let bobToken: string;
let serverName: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const deps = makeDeps(db);
  server = await createHttpApp(silentLogger);
  await server.register(healthRoutes, { deps });
  await server.register(apiRoutes, { deps, prefix: API_PREFIX });
  const address = await listen(server, 0, '127.0.0.1');
  base = `http://127.0.0.1:${address.port}`;
  const token = async (name: string, admin = false) => {
    const outcome = await createToken(db.prisma, { name, admin });
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.value.token;
  };
  [adminToken, aliceToken, bobToken] = await Promise.all([token('ops', true), token('alice'), token('bob')]);
  serverName = (await makeServer(db.prisma)).name;
});
afterAll(async () => {
  await closeApp(server);
  await db.drop();
});

async function call(
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; raw?: string } = {},
) {
  const token = options.token === undefined ? aliceToken : options.token;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = options.raw ?? JSON.stringify(options.body);
  }
  const response = await fetch(`${base}/api/v1${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, text, headers: response.headers };
}

function isoIn(ms: number, offset = 'Z'): string {
  const date = new Date(Math.ceil((Date.now() + ms) / 60_000) * 60_000);
  if (offset === 'Z') return date.toISOString();
  // Render the same instant in another offset, e.g. +09:00.
  const sign = offset.startsWith('-') ? -1 : 1;
  const [h, m] = offset.slice(1).split(':').map(Number);
  const shifted = new Date(date.getTime() + sign * (h! * 60 + m!) * 60_000);
  return shifted.toISOString().replace('Z', offset).replace('.000', '');
}

let slot = 0;
/** A valid body on its own free hour. */
function validBody(overrides: Record<string, unknown> = {}) {
  slot += 2;
  return {
    server: serverName,
    title: 'Town hall',
    startsAt: isoIn((48 + slot) * HOUR),
    endsAt: isoIn((49 + slot) * HOUR),
    emails: ['a@example.org'],
    ...overrides,
  };
}

async function rowCounts() {
  return { reservations: await db.prisma.reservation.count(), notifications: await db.prisma.notification.count() };
}

describe('POST /api/v1/reservations', () => {
  test('GIVEN a valid request THEN 201 permitted, with the stream key for the organizer only', async () => {
    const created = await call('POST', '/reservations', { body: validBody() });
    expect(created.status).toBe(201);
    expect(created.body.reservation).toMatchObject({
      status: 'permitted',
      ingest: { streamKey: expect.stringMatching(/^sk_/) },
    });
    const asAdmin = await call('GET', `/reservations/${created.body.reservation.id}`, { token: adminToken });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.reservation.ingest).toBeUndefined();
  });

  test('GIVEN times with a non-UTC offset THEN the same instant is stored', async () => {
    const startsAt = isoIn(300 * HOUR, '+09:00');
    const endsAt = isoIn(301 * HOUR, '-05:30');
    const created = await call('POST', '/reservations', { body: validBody({ startsAt, endsAt }) });
    expect(created.status).toBe(201);
    expect(created.body.reservation.startsAt).toBe(new Date(startsAt).toISOString());
    expect(created.body.reservation.endsAt).toBe(new Date(endsAt).toISOString());
    expect(startsAt).toContain('+09:00');
  });

  test('GIVEN an overlapping request THEN 409 unavailable with alternatives', async () => {
    const body = validBody();
    expect((await call('POST', '/reservations', { body })).status).toBe(201);
    const refused = await call('POST', '/reservations', { body, token: bobToken });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'unavailable',
      alternatives: expect.arrayContaining([expect.objectContaining({ kind: 'same_server_other_time' })]),
    });
  });

  const badInputs: Array<[string, () => Record<string, unknown> | string, number, string]> = [
    ['an invalid e-mail', () => validBody({ emails: ['ok@example.org', 'not-an-address'] }), 422, 'emails'],
    ['a duplicate e-mail', () => validBody({ emails: ['a@example.org', 'A@example.org'] }), 422, 'emails'],
    [
      '501 invitees',
      () => validBody({ emails: Array.from({ length: 501 }, (_, i) => `v${i}@example.org`) }),
      422,
      'emails',
    ],
    ['end before start', () => validBody({ startsAt: isoIn(50 * HOUR), endsAt: isoIn(49 * HOUR) }), 422, 'endsAt'],
    ['end equal to start', () => validBody({ startsAt: isoIn(50 * HOUR), endsAt: isoIn(50 * HOUR) }), 422, 'endsAt'],
    ['a start in the past', () => validBody({ startsAt: isoIn(-HOUR), endsAt: isoIn(HOUR) }), 422, 'startsAt'],
    [
      'a start beyond the horizon',
      () => validBody({ startsAt: isoIn(100 * 24 * HOUR), endsAt: isoIn(100 * 24 * HOUR + HOUR) }),
      422,
      'startsAt',
    ],
    [
      'longer than the maximum',
      () => validBody({ startsAt: isoIn(50 * HOUR), endsAt: isoIn(63 * HOUR) }),
      422,
      'endsAt',
    ],
    ['an unknown server', () => validBody({ server: 'nowhere' }), 422, 'server'],
    ['a title with control characters', () => validBody({ title: 'Hello\u0007world' }), 422, 'title'],
    ['a title with a line break', () => validBody({ title: 'Hello\nBcc: x@evil.org' }), 422, 'title'],
    ['a time without an offset', () => validBody({ startsAt: '2026-12-24T10:00:00' }), 422, 'startsAt'],
    ['an unknown field', () => validBody({ colour: 'red' }), 422, 'colour'],
    ['a missing title', () => validBody({ title: undefined }), 422, 'title'],
    ['a NUL in the title', () => validBody({ title: 'Town\u0000hall' }), 422, 'title'],
    ['a lone surrogate in the title', () => validBody({ title: 'Town \ud800 hall' }), 422, 'title'],
    ['a NUL in the description', () => validBody({ description: 'a\u0000b' }), 422, 'description'],
    ['a lone surrogate in the description', () => validBody({ description: 'a\udc00b' }), 422, 'description'],
    ['a NUL in the passcode', () => validBody({ passcode: 'abc\u0000def' }), 422, 'passcode'],
    ['a NUL in the server', () => validBody({ server: 'studio\u0000' }), 422, 'server'],
    ['a lone surrogate in the server', () => validBody({ server: '\ud800' }), 422, 'server'],
    ['a NUL in an e-mail', () => validBody({ emails: ['a\u0000b@example.org'] }), 422, 'emails'],
    ['a lone surrogate in an e-mail', () => validBody({ emails: ['a\ud800@example.org'] }), 422, 'emails'],
    ['a NUL in a Slack channel id', () => validBody({ slackChannels: ['C0123456\u0000'] }), 422, 'slackChannels'],
    ['a NUL in a Discord channel id', () => validBody({ discordChannels: ['\u0000'] }), 422, 'discordChannels'],
    ['a NUL in a time', () => validBody({ startsAt: '2026-12-24T10:00:00\u0000Z' }), 422, 'startsAt'],
    ['a control character in an e-mail', () => validBody({ emails: ['a\u0001b@example.org'] }), 422, 'emails'],
    ['an e-mail with a leading dot', () => validBody({ emails: ['.ann@example.org'] }), 422, 'emails'],
    ['an e-mail with a trailing dot', () => validBody({ emails: ['ann.@example.org'] }), 422, 'emails'],
    ['an e-mail with a double dot', () => validBody({ emails: ['an..n@example.org'] }), 422, 'emails'],
    ['29 February in a common year', () => validBody({ startsAt: '2027-02-29T10:00:00Z' }), 422, 'startsAt'],
    ['31 April', () => validBody({ endsAt: '2026-04-31T10:00:00+09:00' }), 422, 'endsAt'],
    ['hour 24', () => validBody({ startsAt: '2026-12-24T24:00:00Z' }), 422, 'startsAt'],
    ['minute 60', () => validBody({ endsAt: '2026-12-24T10:60:00Z' }), 422, 'endsAt'],
    ['second 60', () => validBody({ endsAt: '2026-12-24T10:00:60Z' }), 422, 'endsAt'],
    ['month 13', () => validBody({ startsAt: '2026-13-01T10:00:00Z' }), 422, 'startsAt'],
    ['a bidi override in the title', () => validBody({ title: 'Slides \u202egnp.exe' }), 422, 'title'],
    ['a bidi isolate in the description', () => validBody({ description: 'Notes \u2067x' }), 422, 'description'],
    ['a zero-width space in an e-mail', () => validBody({ emails: ['ann\u200b@example.org'] }), 422, 'emails'],
    ['a word joiner in an e-mail', () => validBody({ emails: ['ann@exa\u2060mple.org'] }), 422, 'emails'],
    ['malformed JSON', () => '{"server": ', 400, ''],
    ['a JSON array', () => '[1,2]', 400, ''],
  ];
  test.each(badInputs)(
    'GIVEN %s THEN %i naming the field, and nothing is written',
    async (_case, body, status, field) => {
      const before = await rowCounts();
      const made = body();
      const response =
        typeof made === 'string'
          ? await call('POST', '/reservations', { raw: made })
          : await call('POST', '/reservations', { body: made });
      expect(response.status).toBe(status);
      expect(response.body.error.message).toEqual(expect.any(String));
      if (field)
        expect(response.body.error.fields).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(response.text).not.toMatch(/at .*\.ts:\d+/); // never a stack trace
      expect(await rowCounts()).toEqual(before);
    },
  );

  test('GIVEN a 1 MB body THEN 413 and nothing is written', async () => {
    const before = await rowCounts();
    const response = await call('POST', '/reservations', {
      raw: JSON.stringify(validBody({ description: 'x'.repeat(1024 * 1024) })),
    });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('body_too_large');
    expect(await rowCounts()).toEqual(before);
  });
});

describe('acting on reservations', () => {
  async function create(token = aliceToken) {
    const created = await call('POST', '/reservations', { body: validBody(), token });
    expect(created.status).toBe(201);
    return created.body.reservation as { id: string; code: string };
  }

  test.each([
    ['POST', '/reconfirm', undefined],
    ['PATCH', '', { title: 'Mine now' }],
    ['POST', '/cancel', { reason: 'no' }],
    ['GET', '', undefined],
  ])(
    'GIVEN a non-owner WHEN %s %s THEN 404, word for word as for a code that does not exist, and nothing changes',
    async (method, suffix, body) => {
      const reservation = await create();
      const existing = await call(method, `/reservations/${reservation.code}${suffix}`, {
        token: bobToken,
        ...(body ? { body } : {}),
      });
      const missing = await call(method, `/reservations/R-ZZZZ${suffix}`, {
        token: bobToken,
        ...(body ? { body } : {}),
      });
      expect(existing.status).toBe(404);
      expect(existing.body).toEqual(missing.body);
      const stored = await db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } });
      expect(stored).toMatchObject({ status: 'permitted', version: 1, title: 'Town hall' });
    },
  );

  test.each([
    ['PATCH', '', { title: 'a\u0000b' }, 'title'],
    ['PATCH', '', { description: '\ud800' }, 'description'],
    ['PATCH', '', { passcode: '\u0000\u0000\u0000\u0000' }, 'passcode'],
    ['PATCH', '', { emails: ['x\u0000@example.org'] }, 'emails'],
    ['PATCH', '', { server: 'a\u0000' }, 'server'],
    ['PATCH', '', { startsAt: '2027-02-29T10:00:00Z' }, 'startsAt'],
    ['POST', '/cancel', { reason: 'gone\u0000' }, 'reason'],
    ['POST', '/cancel', { reason: 'gone \udfff' }, 'reason'],
  ])(
    'GIVEN bad bytes WHEN %s %s THEN 422 naming the field, and nothing changes',
    async (method, suffix, body, field) => {
      const reservation = await create();
      const response = await call(method, `/reservations/${reservation.id}${suffix}`, { body });
      expect(response.status).toBe(422);
      expect(response.body.error.fields).toEqual([expect.objectContaining({ field })]);
      const stored = await db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } });
      expect(stored).toMatchObject({ status: 'permitted', version: 1, title: 'Town hall' });
    },
  );

  test.each([
    ['from=2027-02-29T10:00:00Z', 'from'],
    ['to=2026-04-31T00:00:00Z', 'to'],
    ['status=permitted%00', 'status'],
  ])('GIVEN the list query %s THEN 422 naming %s', async (query, field) => {
    const response = await call('GET', `/reservations?${query}`);
    expect(response.status).toBe(422);
    expect(response.body.error.fields).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  test('GIVEN a NUL in the server filter THEN a 4xx, never a 500', async () => {
    const response = await call('GET', '/reservations?server=a%00b');
    expect([400, 422]).toContain(response.status);
  });

  test.each([
    ['GET', ''],
    ['POST', '/reconfirm'],
    ['PATCH', ''],
    ['POST', '/cancel'],
  ])('GIVEN an unknown id WHEN %s %s THEN 404', async (method, suffix) => {
    const response = await call(
      method,
      `/reservations/00000000-0000-4000-8000-00000000dead${suffix}`,
      method === 'PATCH' ? { body: { title: 'x' } } : {},
    );
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  test('GIVEN the owner THEN reconfirm, change and cancel work by code or id', async () => {
    const reservation = await create();
    expect((await call('POST', `/reservations/${reservation.code}/reconfirm`)).body.reservation.status).toBe(
      'confirmed',
    );
    const changed = await call('PATCH', `/reservations/${reservation.id}`, { body: { title: 'Town hall (v2)' } });
    expect(changed.body.reservation).toMatchObject({ status: 'confirmed', title: 'Town hall (v2)', version: 3 });
    const cancelled = await call('POST', `/reservations/${reservation.id}/cancel`, { body: { reason: 'Postponed' } });
    expect(cancelled.body.reservation).toMatchObject({ status: 'cancelled', cancelReason: 'Postponed' });
    expect((await call('POST', `/reservations/${reservation.id}/cancel`)).status).toBe(409);
  });

  test('GIVEN an expired deadline THEN reconfirm is 409 with a clear message', async () => {
    const reservation = await create();
    await db.prisma.reservation.update({
      where: { id: reservation.id },
      data: { reconfirmDeadline: new Date(Date.now() - 1000) },
    });
    const response = await call('POST', `/reservations/${reservation.id}/reconfirm`);
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ code: 'deadline_passed', message: expect.stringMatching(/deadline/) });
  });

  test('GET /reservations lists only the caller’s own, filtered by status', async () => {
    const mine = await create(bobToken);
    const list = await call('GET', '/reservations?status=permitted', { token: bobToken });
    expect(list.status).toBe(200);
    const ids = list.body.reservations.map((r: { id: string }) => r.id);
    expect(ids).toContain(mine.id);
    expect(
      list.body.reservations.every(
        (r: { organizer: { name: string }; status: string }) => r.organizer.name === 'bob' && r.status === 'permitted',
      ),
    ).toBe(true);
    expect((await call('GET', '/reservations?status=bogus', { token: bobToken })).status).toBe(422);
  });
});

describe('characters nobody sees', () => {
  test('GIVEN a look-alike invitee (ann\u200b@example.org) THEN 422 naming the address by its place, and nothing is written', async () => {
    const before = await rowCounts();
    const response = await call('POST', '/reservations', {
      body: validBody({ emails: ['ann@example.org', 'ann\u200b@example.org'] }),
    });
    expect(response.status).toBe(422);
    expect(response.body.error.fields).toEqual([
      {
        field: 'emails',
        message: 'E-mail address 2 holds an invisible character (U+200B) at character 4: type it again without it.',
      },
    ]);
    expect(await rowCounts()).toEqual(before);
  });

  test('GIVEN a bidi control in a changed title or a cancel reason THEN 422 saying which character, and nothing changes', async () => {
    const created = await call('POST', '/reservations', { body: validBody() });
    const code = created.body.reservation.code as string;
    const changed = await call('PATCH', `/reservations/${code}`, { body: { title: 'Review \u202etxt.exe' } });
    expect(changed.status).toBe(422);
    expect(changed.body.error.message).toBe(
      'The title cannot contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069), which reverse the text around them: remove the U+202E at character 8.',
    );
    const cancelled = await call('POST', `/reservations/${code}/cancel`, { body: { reason: 'ill \u2066' } });
    expect(cancelled.status).toBe(422);
    const after = await call('GET', `/reservations/${code}`);
    expect(after.body.reservation).toMatchObject({ title: 'Town hall', status: 'permitted' });
  });
});

describe('caching', () => {
  test('GIVEN answers that carry a stream key or a passcode THEN each says Cache-Control: no-store', async () => {
    const created = await call('POST', '/reservations', { body: validBody() });
    expect(created.status).toBe(201);
    expect(created.body.reservation.ingest.streamKey).toMatch(/^sk_/);
    const code = created.body.reservation.code as string;
    const answers = [
      created,
      await call('GET', `/reservations/${code}`),
      await call('GET', '/reservations'),
      await call('PATCH', `/reservations/${code}`, { body: { title: 'Town hall, moved' } }),
      await call('POST', `/reservations/${code}/reconfirm`),
      await call('POST', `/reservations/${code}/cancel`),
    ];
    for (const answer of answers) {
      expect(answer.text).toMatch(/"passcode"/);
      expect(answer.headers.get('cache-control')).toBe('no-store');
    }
  });
});

describe('servers and auth', () => {
  test('GIVEN no token or a wrong one THEN 401', async () => {
    expect((await call('GET', '/servers', { token: null })).status).toBe(401);
    expect((await call('GET', '/servers', { token: 'slc_wrong' })).status).toBe(401);
  });

  test.each([
    ['name', { name: 'studio\u0000' }],
    ['name', { name: '\ud800' }],
    ['ingestBaseUrl', { ingestBaseUrl: 'rtmp://in.example.org/\u0000' }],
    ['playbackBaseUrl', { playbackBaseUrl: 'https://watch.example.org/\udc00' }],
  ])('GIVEN bad bytes in the server field %s THEN 422 naming it, and no server is added', async (field, overrides) => {
    const body = {
      name: 'studio-bytes',
      ingestBaseUrl: 'rtmp://in.example.org/live',
      playbackBaseUrl: 'https://watch.example.org/hls',
      ...overrides,
    };
    const before = await db.prisma.distributionServer.count();
    const response = await call('POST', '/servers', { body, token: adminToken });
    expect(response.status).toBe(422);
    expect(response.body.error.fields).toEqual([expect.objectContaining({ field })]);
    expect(await db.prisma.distributionServer.count()).toBe(before);
  });

  test('GIVEN a non-admin THEN adding a server is 403; an admin gets 201, a duplicate name 422', async () => {
    const body = {
      name: 'studio-z',
      ingestBaseUrl: 'rtmp://in.example.org/live',
      playbackBaseUrl: 'https://watch.example.org/hls',
      capacity: 2,
    };
    expect((await call('POST', '/servers', { body })).status).toBe(403);
    const created = await call('POST', '/servers', { body, token: adminToken });
    expect(created.status).toBe(201);
    expect(created.body.server).toMatchObject({
      name: 'studio-z',
      capacity: 2,
      bufferSeconds: 0,
      bufferMinutes: 0,
      active: true,
      kind: 'external',
      enforced: false,
    });
    expect((await call('POST', '/servers', { body, token: adminToken })).status).toBe(422);
    expect((await call('GET', '/servers')).body.servers.map((s: { name: string }) => s.name)).toContain('studio-z');
  });

  test('GET /healthz answers 200 when the database answers, with no platform configured', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', database: 'up', platforms: {} });
  });
});

describe('idempotency', () => {
  test('GIVEN the same Idempotency-Key twice THEN one reservation, returned both times', async () => {
    const body = validBody();
    const send = () =>
      fetch(`${base}/api/v1/reservations`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${aliceToken}`,
          'content-type': 'application/json',
          'idempotency-key': 'retry-123',
        },
        body: JSON.stringify(body),
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as { reservation: { id: string } },
      }));
    const [first, second] = await Promise.all([send(), send()]);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.reservation.id).toBe(first.body.reservation.id);
    expect(await db.prisma.reservation.count({ where: { title: body.title, startsAt: new Date(body.startsAt) } })).toBe(
      1,
    );
  });

  async function post(key: string, body: unknown) {
    const response = await fetch(`${base}/api/v1/reservations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as { reservation: { id: string }; error: { code: string } },
    };
  }

  test('GIVEN an Idempotency-Key reused with a different body THEN 422 idempotency_key_reused and nothing is written', async () => {
    const body = validBody();
    const first = await post('reuse-1', body);
    expect(first.status).toBe(201);
    const before = await rowCounts();
    const other = await post('reuse-1', { ...body, title: 'Something else' });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    expect(await rowCounts()).toEqual(before);
  });

  test('GIVEN the identical request again, spelled differently (another offset, upper-case e-mail) THEN 201 and the first reservation', async () => {
    const body = validBody({ emails: ['ann@example.org'] });
    const first = await post('respelled-1', body);
    const startsAt = new Date(body.startsAt as string);
    const respelled = {
      ...body,
      startsAt: new Date(startsAt.getTime() + 9 * HOUR).toISOString().replace('Z', '+09:00').replace('.000', ''),
      emails: ['Ann@Example.org'],
    };
    const second = await post('respelled-1', respelled);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body.reservation.id).toBe(first.body.reservation.id);
  });
});

/** Sends bytes no fetch would send and returns everything the server wrote before it closed. */
function rawExchange(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port: Number(new URL(base).port), host: '127.0.0.1' });
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.write(request);
  });
}

describe('bytes no client should send', () => {
  test.each([
    ['a malformed percent-encoding in the code', '/reservations/%ZZ', 400],
    ['a NUL in the code', '/reservations/a%00b', 400],
    ['a NUL in a query parameter', '/reservations?server=%00', 422],
  ])('GIVEN %s THEN a 4xx with a message, never a 500', async (_case, path, status) => {
    const response = await call('GET', path);
    expect(response.status).toBe(status);
    expect(response.body.error.message).toEqual(expect.any(String));
  });

  test('GIVEN a request line whose target is no URL THEN 400 and the connection is closed', async () => {
    const answer = await rawExchange('GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer.toLowerCase()).toContain('connection: close');
  });

  test('GIVEN a request line Node cannot parse THEN 400 and the connection is closed', async () => {
    const answer = await rawExchange('GET /\u0001 HTTP/1.1\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  });
});

describe('guessing tokens', () => {
  test('GIVEN more than 10 wrong tokens from one address within a minute THEN 429, then even for a good token', async () => {
    // An app of its own: the shared one must not lock this address out for the other tests.
    const app = await createHttpApp(silentLogger);
    await app.register(apiRoutes, { deps: makeDeps(db), prefix: API_PREFIX });
    const { port } = await listen(app, 0, '127.0.0.1');
    const get = (token: string) =>
      fetch(`http://127.0.0.1:${port}/api/v1/servers`, { headers: { authorization: `Bearer ${token}` } });
    try {
      expect((await get(aliceToken)).status).toBe(200);
      for (let attempt = 1; attempt <= 10; attempt++) expect((await get(`slc_guess${attempt}`)).status).toBe(401);
      expect((await get('slc_guess11')).status).toBe(429);
      const locked = await get(aliceToken);
      expect(locked.status).toBe(429);
      expect(locked.headers.get('retry-after')).toBe('60');
      expect(((await locked.json()) as { error: { code: string } }).error.code).toBe('too_many_attempts');
    } finally {
      await closeApp(app);
    }
  });
});
