/**
 * The web routes on Fastify with real PostgreSQL, over real HTTP (the browser tests drive the
 * same routes through Chromium): sign-in links, sessions, the organizer page and its forms, CSRF.
 */
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { reconfirmReservation } from '../../src/app/lifecycle.js';
import { requestReservation } from '../../src/app/request.js';
import { issueWebLink } from '../../src/app/web-access.js';
import { createChatPort } from '../../src/chat/port.js';
import type { Actor } from '../../src/domain/reservation.js';
import { createWebPort } from '../../src/web/port.js';
import { webRoutes } from '../../src/web/routes.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { MINUTE, TestClock, makeActor, makeDeps, makeRequest, makeServer } from '../support/fixtures.js';

let db: TestDatabase;
let app: FastifyInstance;
let deps: ReturnType<typeof makeDeps>;
const clock = new TestClock();
let serverName: string;
let base: string;

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  cookies: Array<{ name: string; value: string; attributes: Record<string, string | true> }>;
}

/** One HTTP exchange, redirects not followed, Set-Cookie parsed. */
async function send(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const response = await fetch(base + path, { method, redirect: 'manual', ...init });
  const cookies = response.headers.getSetCookie().map((line) => {
    const [pair, ...attributes] = line.split(/;\s*/);
    const [name, ...value] = pair!.split('=');
    return {
      name: name!,
      value: decodeURIComponent(value.join('=')),
      attributes: Object.fromEntries(
        attributes.map((attribute) => {
          const [key, ...rest] = attribute.split('=');
          return [key!.toLowerCase(), rest.length > 0 ? rest.join('=') : true] as const;
        }),
      ),
    };
  });
  return {
    statusCode: response.status,
    headers: Object.fromEntries(response.headers),
    body: await response.text(),
    cookies,
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  deps = makeDeps(db, { clock: clock.now });
  serverName = (await makeServer(db.prisma, { capacity: 20 })).name;
  app = Fastify();
  await app.register(webRoutes, {
    port: createWebPort(deps, createChatPort(deps)),
    secure: false,
    secret: 'test-secret-test-secret-test-secret',
    watch: { gate: () => undefined, calendarFrom: 'slotcast@example.org' },
  });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app?.close();
  await db.drop();
});

/** Cookies as a browser keeps them: name → value, from every Set-Cookie seen. */
class Jar {
  readonly cookies = new Map<string, string>();
  take(response: Answer): void {
    for (const cookie of response.cookies) {
      if (cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
  }
  get header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; ');
  }
}

async function signIn(actor: Actor, reservation?: string): Promise<Jar> {
  const issued = await issueWebLink(deps, actor, reservation ? { reservation } : {});
  if (!issued.ok) throw new Error(issued.message);
  const jar = new Jar();
  const opened = await send('GET', new URL(issued.value.url).pathname);
  expect(opened.statusCode).toBe(303);
  jar.take(opened);
  return jar;
}

async function get(jar: Jar, url: string) {
  const response = await send('GET', url, { headers: { cookie: jar.header } });
  jar.take(response);
  return response;
}

function csrfOf(body: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(body)![1]!;
}

async function post(jar: Jar, url: string, form: Record<string, string>) {
  const response = await send('POST', url, {
    headers: { cookie: jar.header, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  jar.take(response);
  return response;
}

async function reservationOf(actor: Actor, startInHours = 48) {
  const outcome = await requestReservation(
    deps,
    actor,
    makeRequest(serverName, { startInMs: startInHours * 3_600_000 }),
  );
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.value;
}

describe('sign-in links', () => {
  test('GIVEN a link THEN it sets an HttpOnly, SameSite=Lax session cookie and leads to the page; a second use says it was used', async () => {
    const actor = makeActor({ name: 'Alice' });
    const reservation = await reservationOf(actor);
    const issued = await issueWebLink(deps, actor, { reservation: reservation.code });
    if (!issued.ok) throw new Error(issued.message);
    const path = new URL(issued.value.url).pathname;
    const opened = await send('GET', path);
    expect(opened.statusCode).toBe(303);
    expect(opened.headers.location).toBe(`/r/${reservation.code}`);
    // No Referer carries a link's token anywhere; scripts only from here.
    expect(opened.headers['referrer-policy']).toBe('no-referrer');
    const cookie = opened.cookies.find((c) => c.name === 'slotcast_session')!;
    expect(cookie.attributes).toEqual({ httponly: true, samesite: 'Lax', path: '/', 'max-age': String(12 * 3600) });

    const again = await send('GET', path);
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain('This link was already used');
    expect(again.cookies.map((c) => c.name)).not.toContain('slotcast_session');
  });

  test('GIVEN a link past its time THEN it says it expired; a made-up one is not a link', async () => {
    const issued = await issueWebLink(deps, makeActor());
    if (!issued.ok) throw new Error(issued.message);
    clock.advance(16 * MINUTE);
    const expired = await send('GET', new URL(issued.value.url).pathname);
    expect(expired.statusCode).toBe(410);
    expect(expired.body).toContain('This link has expired');
    const unknown = await send('GET', '/open/wl_nope');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toContain('This is not a sign-in link');
  });

  test('GIVEN no session THEN pages say how to sign in (401); signing out ends the session', async () => {
    const page = await send('GET', '/r/R-ABCD');
    expect(page.statusCode).toBe(401);
    expect(page.body).toContain('<code>/reserve open R-ABCD</code>');
    // An organizer with no chat is pointed at their e-mails' links.
    expect(page.body).toContain('find such links in the e-mails that ask them to reconfirm');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain('media-src');
    expect((await send('GET', '/timeline')).statusCode).toBe(401);

    const jar = await signIn(makeActor({ name: 'Leaving' }));
    const timeline = await get(jar, '/timeline');
    expect(timeline.statusCode).toBe(200);
    const out = await post(jar, '/signout', { _csrf: csrfOf(timeline.body) });
    expect(out.statusCode).toBe(200);
    expect((await get(jar, '/timeline')).statusCode).toBe(401);
  });
});

describe('the organizer page', () => {
  test('GIVEN the organizer THEN the card shows status, deadline, ingest and key, invitees, and the three forms', async () => {
    const actor = makeActor({ name: 'Olga' });
    const reservation = await reservationOf(actor);
    const jar = await signIn(actor, reservation.code);
    const page = await get(jar, `/r/${reservation.code}`);
    expect(page.statusCode).toBe(200);
    // It shows the stream key: no cache may keep it.
    expect(page.headers['cache-control']).toBe('no-store');
    // An address may break only before its @ (<wbr>).
    for (const expected of [
      reservation.title,
      'Permitted',
      'Reconfirm by',
      reservation.streamKey,
      'rtmp://ingest.example.org/live',
      'viewer1@example.org',
      'Not invited yet',
      `action="/r/${reservation.code}/reconfirm"`,
      `href="/r/${reservation.code}/change"`,
      `action="/r/${reservation.code}/cancel"`,
    ])
      expect(page.body.replaceAll('<wbr>', '')).toContain(expected);
  });

  test('GIVEN someone else’s reservation THEN 404, as for one that does not exist; an admin sees it without the key', async () => {
    const reservation = await reservationOf(makeActor());
    const stranger = await signIn(makeActor());
    const refused = await get(stranger, `/r/${reservation.code}`);
    expect(refused.statusCode).toBe(404);
    expect(refused.body).not.toContain(reservation.title);
    // Word for word the page of a code that does not exist (the form tokens aside, new on every page).
    const withoutTokens = (body: string) => body.replace(/name="_csrf" value="[^"]*"/g, '');
    const missing = await get(stranger, '/r/R-ZZZZ');
    expect(missing.statusCode).toBe(404);
    expect(withoutTokens(missing.body)).toBe(withoutTokens(refused.body).replace(reservation.code, 'R-ZZZZ'));

    const admin = await signIn(makeActor({ isAdmin: true }));
    const seen = await get(admin, `/r/${reservation.code}`);
    expect(seen.statusCode).toBe(200);
    expect(seen.body).not.toContain(reservation.streamKey);
  });

  test('GIVEN Reconfirm pressed THEN the use case runs and the page says so', async () => {
    const actor = makeActor();
    const reservation = await reservationOf(actor);
    const jar = await signIn(actor);
    const page = await get(jar, `/r/${reservation.code}`);
    const done = await post(jar, `/r/${reservation.code}/reconfirm`, { _csrf: csrfOf(page.body) });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/r/${reservation.code}?done=reconfirmed`);
    expect((await db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } })).status).toBe('confirmed');
    const after = await get(jar, done.headers.location as string);
    expect(after.body).toContain('Reconfirmed. The invitations are on their way.');
    expect(after.body).not.toContain(`action="/r/${reservation.code}/reconfirm"`);
    // Again: refused in the words every front end uses, nothing changes.
    const twice = await post(jar, `/r/${reservation.code}/reconfirm`, { _csrf: csrfOf(after.body) });
    expect(twice.statusCode).toBe(409);
    expect(twice.body).toContain('This reservation is already reconfirmed.');
  });

  test('GIVEN a form without the CSRF token, with a wrong one, or with another session’s THEN 403 and nothing changes', async () => {
    const actor = makeActor();
    const reservation = await reservationOf(actor);
    const jar = await signIn(actor);
    await get(jar, `/r/${reservation.code}`);
    const other = await signIn(makeActor());
    const othersToken = csrfOf((await get(other, '/timeline')).body);
    const forms: Array<Record<string, string>> = [{}, { _csrf: 'forged' }, { _csrf: othersToken }];
    for (const form of forms) {
      const refused = await post(jar, `/r/${reservation.code}/cancel`, form);
      expect(refused.statusCode).toBe(403);
      expect(refused.body).toContain('This form could not be accepted');
    }
    expect((await db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } })).status).toBe('permitted');
  });

  test('GIVEN the Change form THEN bad fields come back named with what was typed; a good change is saved', async () => {
    const actor = makeActor();
    const reservation = await reservationOf(actor, 60);
    const jar = await signIn(actor);
    const form = await get(jar, `/r/${reservation.code}/change`);
    expect(form.statusCode).toBe(200);
    const token = csrfOf(form.body);
    const values = {
      _csrf: token,
      zone: 'Europe/Berlin',
      title: '',
      startsAt: 'whenever',
      endsAt: '2027-01-01T10:00',
      emails: 'ann@example.org, not-an-address',
      passcode: reservation.passcode,
      description: 'Kept <b>as typed</b>',
    };
    const bad = await post(jar, `/r/${reservation.code}/change`, values);
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Pick a start date and time.');
    expect(bad.body).toContain('The title is required.');
    expect(bad.body).toContain('not-an-address');
    expect(bad.body).toContain('Kept &lt;b&gt;as typed&lt;/b&gt;');
    expect(bad.body).toMatch(/id="startsAt"[^>]*aria-invalid="true"/);

    const start = new Date(reservation.startsAt.getTime() + 3_600_000);
    const wall = (at: Date) =>
      new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', dateStyle: 'short', timeStyle: 'short' })
        .format(at)
        .replace(' ', 'T');
    const good = await post(jar, `/r/${reservation.code}/change`, {
      ...values,
      title: 'Moved show',
      startsAt: wall(start),
      endsAt: wall(new Date(start.getTime() + 3_600_000)),
      emails: 'ann@example.org',
    });
    expect(good.statusCode).toBe(303);
    expect(good.headers.location).toBe(`/r/${reservation.code}?done=changed`);
    const stored = await db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } });
    expect(stored).toMatchObject({ title: 'Moved show', startsAt: start, emails: ['ann@example.org'] });
  });

  test('GIVEN Cancel with a reason THEN cancelled with it', async () => {
    const actor = makeActor();
    const reservation = await reservationOf(actor);
    const jar = await signIn(actor);
    const page = await get(jar, `/r/${reservation.code}`);
    const done = await post(jar, `/r/${reservation.code}/cancel`, { _csrf: csrfOf(page.body), reason: 'Speaker ill' });
    expect(done.statusCode).toBe(303);
    const after = await get(jar, done.headers.location as string);
    expect(after.body).toContain('Cancelled: Speaker ill');
    expect(after.body).not.toContain(reservation.streamKey);
  });
});

describe('the timeline and assets', () => {
  test('GIVEN a bad query THEN 400 naming the field', async () => {
    const jar = await signIn(makeActor());
    const bad = await get(jar, '/timeline?range=month');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('range: The range must be day or week.');
  });

  test('GIVEN the players and the stylesheet THEN served from here with a year of caching; nothing else of node_modules', async () => {
    const jar = await signIn(makeActor());
    const body = (await get(jar, '/timeline')).body;
    const css = /href="(\/assets\/slotcast\.css\?v=\w+)"/.exec(body)![1]!;
    const styles = await send('GET', css);
    expect(styles.statusCode).toBe(200);
    expect(styles.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const player of ['/assets/vendor/mpegts.js', '/assets/vendor/hls.min.js']) {
      const served = await send('GET', player);
      expect({ player, status: served.statusCode }).toEqual({ player, status: 200 });
      expect(served.headers['content-type']).toMatch(/javascript/);
    }
    expect((await send('GET', '/assets/vendor/hls.js.map')).statusCode).toBe(404);
    expect((await send('GET', '/assets/vendor/%2e%2e/%2e%2e/package.json')).statusCode).toBe(404);
  });
});

describe("the stream's controls on the organizer page (issue 17)", () => {
  /** A reservation on a server that checks keys, reconfirmed, with the service's clock past its start. */
  async function begun(actor: Actor, server: string) {
    clock.set(new Date());
    const outcome = await requestReservation(deps, actor, makeRequest(server, { startInMs: 2 * 3_600_000 }));
    if (!outcome.ok) throw new Error(outcome.message);
    const reconfirmed = await reconfirmReservation(deps, actor, outcome.value.id);
    if (!reconfirmed.ok) throw new Error(reconfirmed.message);
    clock.set(new Date(outcome.value.startsAt.getTime() + MINUTE));
    return reconfirmed.value;
  }
  const stored = (id: string) => db.prisma.reservation.findUniqueOrThrow({ where: { id } });
  afterEach(() => clock.set(new Date()));

  test('GIVEN a stream that has begun THEN Extend by 15 or 30 min moves its end, and a slot taken after it is refused with how far it can go', async () => {
    const server = (await makeServer(db.prisma, { kind: 'embedded', capacity: 1, bufferSeconds: 0 })).name;
    const actor = makeActor();
    const reservation = await begun(actor, server);
    const jar = await signIn(actor);
    const page = await get(jar, `/r/${reservation.code}`);
    for (const expected of [
      `action="/r/${reservation.code}/extend"`,
      'name="minutes" value="15"',
      'name="minutes" value="30"',
      `action="/r/${reservation.code}/rotate-key"`,
    ])
      expect(page.body).toContain(expected);

    const done = await post(jar, `/r/${reservation.code}/extend`, { _csrf: csrfOf(page.body), minutes: '30' });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/r/${reservation.code}?done=extended`);
    expect((await stored(reservation.id)).endsAt).toEqual(new Date(reservation.endsAt.getTime() + 30 * MINUTE));
    const after = await get(jar, done.headers.location as string);
    expect(after.body).toContain('Extended. Viewers see the new end');

    // Someone books right after the new end + 10 min: 30 more minutes do not fit, 10 would.
    const next = await requestReservation(deps, makeActor(), {
      ...makeRequest(server),
      startsAt: new Date(reservation.endsAt.getTime() + 40 * MINUTE),
      endsAt: new Date(reservation.endsAt.getTime() + 100 * MINUTE),
    });
    expect(next.ok).toBe(true);
    const refused = await post(jar, `/r/${reservation.code}/extend`, { _csrf: csrfOf(after.body), minutes: '30' });
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('can be extended by 10 min at most');
    expect((await stored(reservation.id)).endsAt).toEqual(new Date(reservation.endsAt.getTime() + 30 * MINUTE));

    const bad = await post(jar, `/r/${reservation.code}/extend`, { _csrf: csrfOf(refused.body), minutes: 'lots' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('The minutes must be a whole number from 1 to 720.');
  });

  test('GIVEN Replace the stream key THEN the page shows the new key, not the old one; before the start there is no Extend', async () => {
    const server = (await makeServer(db.prisma, { kind: 'embedded', capacity: 5 })).name;
    const actor = makeActor();
    const outcome = await requestReservation(deps, actor, makeRequest(server));
    if (!outcome.ok) throw new Error(outcome.message);
    const jar = await signIn(actor);
    const page = await get(jar, `/r/${outcome.value.code}`);
    expect(page.body).not.toContain(`action="/r/${outcome.value.code}/extend"`);
    const done = await post(jar, `/r/${outcome.value.code}/rotate-key`, { _csrf: csrfOf(page.body) });
    expect(done.statusCode).toBe(303);
    const fresh = (await stored(outcome.value.id)).streamKey;
    expect(fresh).not.toBe(outcome.value.streamKey);
    const after = await get(jar, done.headers.location as string);
    expect(after.body).toContain('The stream key is replaced');
    expect(after.body).toContain(fresh);
    expect(after.body).not.toContain(outcome.value.streamKey);
    expect(
      await db.prisma.notification.count({ where: { reservationId: outcome.value.id, event: 'stream_key_replaced' } }),
    ).toBe(1);

    // Not on a server that checks no keys, and a stranger's press is a 404 that changes nothing.
    const external = await reservationOf(actor);
    const externalPage = await get(jar, `/r/${external.code}`);
    expect(externalPage.body).not.toContain(`/r/${external.code}/rotate-key`);
    const stranger = await signIn(makeActor());
    const strangerPage = await get(stranger, '/timeline');
    const pressed = await post(stranger, `/r/${outcome.value.code}/rotate-key`, { _csrf: csrfOf(strangerPage.body) });
    expect(pressed.statusCode).toBe(404);
    expect((await stored(outcome.value.id)).streamKey).toBe(fresh);
  });
});
