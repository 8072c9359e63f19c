/**
 * Sign-in links and sessions against real PostgreSQL, with a clock the test moves.
 */
import { requestReservation } from '../../src/app/request.js';
import {
  endWebSession,
  issueMailedLinks,
  issueWebLink,
  redeemWebLink,
  webSessionActor,
} from '../../src/app/web-access.js';
import type { Logger } from '../../src/log.js';
import { silentLogger } from '../../src/log.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { HOUR, MINUTE, makeActor, makeDeps, makeRequest, makeServer, TestClock } from '../support/fixtures.js';

let db: TestDatabase;
const clock = new TestClock(new Date());
const lines: string[] = [];
const log: Logger = {
  ...silentLogger,
  info: (message, fields) => void lines.push(`${message} ${JSON.stringify(fields ?? {})}`),
};
let deps: ReturnType<typeof makeDeps>;
let serverName: string;

beforeAll(async () => {
  db = await createTestDatabase();
  deps = makeDeps(db, { clock: clock.now, log });
  serverName = (await makeServer(db.prisma, { capacity: 5 })).name;
});
afterAll(() => db.drop());

const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

test('GIVEN a link for a reservation THEN it opens one session for the same actor, leading to the reservation’s page', async () => {
  const organizer = makeActor({ platform: 'slack', tenantId: 'T1', userId: 'U1', name: 'Alice', isAdmin: false });
  const reservation = await requestReservation(deps, organizer, makeRequest(serverName));
  if (!reservation.ok) throw new Error(reservation.message);
  const issued = await issueWebLink(deps, organizer, { reservation: reservation.value.code.toLowerCase() });
  if (!issued.ok) throw new Error(issued.message);
  expect(issued.value.url).toMatch(/^http:\/\/slotcast\.test\/open\/wl_[\w-]{43}$/);
  expect(issued.value.expiresAt).toEqual(new Date(clock.now().getTime() + 15 * MINUTE));
  expect(issued.value.next).toBe(`/r/${reservation.value.code}`);

  const opened = await redeemWebLink(deps, tokenOf(issued.value.url));
  if (!opened.ok) throw new Error(opened.reason);
  expect(opened.next).toBe(`/r/${reservation.value.code}`);
  expect(opened.actor).toMatchObject({
    platform: 'slack',
    tenantId: 'T1',
    userId: 'U1',
    name: 'Alice',
    isAdmin: false,
  });
  expect(await webSessionActor(deps, opened.session.token)).toMatchObject({ userId: 'U1' });
  // Stored hashed: neither token is in the database.
  const stored = JSON.stringify([await db.prisma.webLink.findMany(), await db.prisma.webSession.findMany()]);
  expect(stored).not.toContain(tokenOf(issued.value.url));
  expect(stored).not.toContain(opened.session.token);
});

test('GIVEN a link used once THEN a second use says when it was used, and opens nothing', async () => {
  const actor = makeActor();
  const issued = await issueWebLink(deps, actor);
  if (!issued.ok) throw new Error(issued.message);
  expect(issued.value.next).toBe('/timeline');
  const first = await redeemWebLink(deps, tokenOf(issued.value.url));
  expect(first.ok).toBe(true);
  const sessions = await db.prisma.webSession.count();
  clock.advance(MINUTE);
  expect(await redeemWebLink(deps, tokenOf(issued.value.url))).toEqual({
    ok: false,
    reason: 'used',
    usedAt: new Date(clock.now().getTime() - MINUTE),
  });
  expect(await db.prisma.webSession.count()).toBe(sessions);
});

test('GIVEN two browsers opening one link at once THEN exactly one gets a session', async () => {
  const issued = await issueWebLink(deps, makeActor());
  if (!issued.ok) throw new Error(issued.message);
  const results = await Promise.all(Array.from({ length: 5 }, () => redeemWebLink(deps, tokenOf(issued.value.url))));
  expect(results.filter((result) => result.ok)).toHaveLength(1);
  expect(results.filter((result) => !result.ok).map((result) => !result.ok && result.reason)).toEqual(
    Array(4).fill('used'),
  );
});

test('GIVEN a link past its 15 minutes THEN it says it expired, and when', async () => {
  const issued = await issueWebLink(deps, makeActor());
  if (!issued.ok) throw new Error(issued.message);
  clock.advance(15 * MINUTE);
  expect(await redeemWebLink(deps, tokenOf(issued.value.url))).toEqual({
    ok: false,
    reason: 'expired',
    expiredAt: issued.value.expiresAt,
  });
});

test('GIVEN a made-up or malformed token THEN unknown', async () => {
  expect(await redeemWebLink(deps, `wl_${'A'.repeat(43)}`)).toEqual({ ok: false, reason: 'unknown' });
  expect(await redeemWebLink(deps, "wl_'; DROP TABLE web_link; --")).toEqual({ ok: false, reason: 'unknown' });
  expect(await webSessionActor(deps, 'ws_nope')).toBeUndefined();
});

test('GIVEN a session THEN it ends after its 12 hours, or when signed out', async () => {
  const issued = await issueWebLink(deps, makeActor());
  if (!issued.ok) throw new Error(issued.message);
  const opened = await redeemWebLink(deps, tokenOf(issued.value.url));
  if (!opened.ok) throw new Error(opened.reason);
  clock.advance(12 * HOUR - MINUTE);
  expect(await webSessionActor(deps, opened.session.token)).toBeDefined();
  clock.advance(MINUTE);
  expect(await webSessionActor(deps, opened.session.token)).toBeUndefined();

  const again = await issueWebLink(deps, makeActor());
  if (!again.ok) throw new Error(again.message);
  const second = await redeemWebLink(deps, tokenOf(again.value.url));
  if (!second.ok) throw new Error(second.reason);
  await endWebSession(deps, second.session.token);
  expect(await webSessionActor(deps, second.session.token)).toBeUndefined();
});

test('GIVEN someone else’s reservation or an unknown code THEN no link, the refusal every verb gives', async () => {
  const organizer = makeActor();
  const reservation = await requestReservation(deps, organizer, makeRequest(serverName, { startInMs: 60 * HOUR }));
  if (!reservation.ok) throw new Error(reservation.message);
  const before = await db.prisma.webLink.count();
  for (const code of [reservation.value.code, 'R-ZZZZ']) {
    expect(await issueWebLink(deps, makeActor(), { reservation: code })).toMatchObject({
      ok: false,
      reason: 'not_found',
    });
  }
  expect(await db.prisma.webLink.count()).toBe(before);
});

test('GIVEN an organizer’s e-mail THEN its Reconfirm link lasts until the deadline, Manage until the end, each signing in as the organizer and never as an admin', async () => {
  const organizer = makeActor({ isAdmin: true, email: 'boss@example.org' });
  const made = await requestReservation(deps, organizer, makeRequest(serverName, { startInMs: 70 * HOUR }));
  if (!made.ok) throw new Error(made.message);
  const r = made.value;
  const links = await issueMailedLinks(deps, {
    organizer,
    email: 'boss@example.org',
    code: r.code,
    reconfirmBy: r.reconfirmDeadline,
    endsAt: r.endsAt,
  });
  if (!links.ok) throw new Error(links.message);
  expect(links.value.reconfirm).toMatch(/\/open\/wl_[\w-]{43}\?then=reconfirm$/);
  const reconfirmToken = tokenOf(links.value.reconfirm!).replace(/\?.*$/, '');
  clock.advance(r.reconfirmDeadline.getTime() - clock.now().getTime() - MINUTE);
  const opened = await redeemWebLink(deps, reconfirmToken);
  if (!opened.ok) throw new Error(opened.reason);
  expect(opened.next).toBe(`/r/${r.code}`);
  expect(opened.actor).toMatchObject({ userId: organizer.userId, isAdmin: false, email: 'boss@example.org' });
  clock.advance(r.endsAt.getTime() - clock.now().getTime());
  expect(await redeemWebLink(deps, tokenOf(links.value.manage))).toMatchObject({ ok: false, reason: 'expired' });

  // Nobody else's e-mail gets links to it.
  expect(
    await issueMailedLinks(deps, { organizer: makeActor(), email: 'x@example.org', code: r.code, endsAt: r.endsAt }),
  ).toMatchObject({ ok: false, reason: 'not_found' });
});

test('GIVEN links issued and used THEN the log names rows, never a token', async () => {
  const issued = await issueWebLink(deps, makeActor());
  if (!issued.ok) throw new Error(issued.message);
  const opened = await redeemWebLink(deps, tokenOf(issued.value.url));
  if (!opened.ok) throw new Error(opened.reason);
  const logged = lines.join('\n');
  expect(logged).toContain('web sign-in link issued');
  expect(logged).toContain('web sign-in link used');
  expect(logged).not.toContain(tokenOf(issued.value.url));
  expect(logged).not.toContain(opened.session.token);
});
