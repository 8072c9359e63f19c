/**
 * The organizer's pages in real Chromium against the whole service (real PostgreSQL, Agenda, SMTP):
 * signing in with a link, the card's Reconfirm button sending the invitations (read back from
 * the SMTP server), the timeline's lanes, links used twice or too late, and a forged form.
 */
import type { Browser, Page } from 'playwright-core';
import { requestReservation } from '../../src/app/request.js';
import { issueWebLink } from '../../src/app/web-access.js';
import type { Actor } from '../../src/domain/reservation.js';
import { createLogger } from '../../src/log.js';
import { browserTest, hasChromium, launchBrowser, newContext, screenshots } from '../support/browser.js';
import { HOUR, MINUTE, makeRequest, makeServer, waitFor } from '../support/fixtures.js';
import type { TestService } from '../support/service.js';
import { startTestService } from '../support/service.js';
import type { TestSmtp } from '../support/smtp.js';
import { startTestSmtp } from '../support/smtp.js';

let smtp: TestSmtp;
let world: TestService;
let browser: Browser | undefined;
let serverName: string;
/** Every line the service logged (at debug), and every secret the test saw, to look for at the end. */
const logLines: string[] = [];
const secrets = new Set<string>();

const alice: Actor = {
  platform: 'slack',
  tenantId: 'T0WEB',
  userId: 'U0ALICE',
  name: 'Alice Organizer',
  isAdmin: false,
};
const bob: Actor = { platform: 'slack', tenantId: 'T0WEB', userId: 'U0BOB', name: 'Bob Other', isAdmin: false };

beforeAll(async () => {
  if (!hasChromium) return;
  smtp = await startTestSmtp();
  world = await startTestService(
    { SMTP_URL: smtp.url, STREAMING: 'off', LOG_LEVEL: 'debug' },
    createLogger({ level: 'debug', format: 'json', write: (line) => logLines.push(line) }),
  );
  serverName = (await makeServer(world.db.prisma, { name: 'web-studio', capacity: 2 })).name;
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await world?.close();
  await smtp?.close();
});

const deps = () => world.service.deps;

async function reserve(actor: Actor, overrides: Parameters<typeof makeRequest>[1] = {}) {
  const outcome = await requestReservation(deps(), actor, makeRequest(serverName, overrides));
  if (!outcome.ok) throw new Error(outcome.message);
  secrets.add(outcome.value.streamKey);
  secrets.add(outcome.value.passcode);
  return outcome.value;
}

async function signedIn(actor: Actor, reservation?: string, size: 'phone' | 'desktop' = 'desktop'): Promise<Page> {
  const issued = await issueWebLink(deps(), actor, reservation ? { reservation } : {});
  if (!issued.ok) throw new Error(issued.message);
  secrets.add(issued.value.url.slice(issued.value.url.lastIndexOf('/') + 1));
  const context = await newContext(browser!, size);
  const page = await context.newPage();
  await page.goto(issued.value.url);
  for (const cookie of await context.cookies()) secrets.add(cookie.value);
  return page;
}

describe('the organizer page', () => {
  browserTest(
    'GIVEN a sign-in link THEN its page opens; Reconfirm sends the invitations (e-mail parsed) and the card moves on',
    async () => {
      const invitee = 'web-invitee@example.org';
      const reservation = await reserve(alice, { title: 'Launch <b>night</b>', emails: [invitee] });
      const page = await signedIn(alice, reservation.code);
      expect(new URL(page.url()).pathname).toBe(`/r/${reservation.code}`);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Launch <b>night</b>');
      expect(await page.locator('[data-delivery]').first().textContent()).toContain('Not invited yet');
      await screenshots(page, 'organizer-permitted');

      await page.getByRole('button', { name: 'Reconfirm' }).click();
      await page.getByText('Reconfirmed. The invitations are on their way.').waitFor();
      expect(await page.getByRole('button', { name: 'Reconfirm' }).count()).toBe(0);
      expect(await page.locator('.badge').first().textContent()).toBe('Confirmed');

      const mail = await waitFor(
        () => smtp.to(invitee).find((m) => m.parsed.subject === 'Invitation: Launch <b>night</b>'),
        15_000,
      );
      expect(mail.parsed.text).toContain(`${reservation.passcode}`);
      // The page then says the invitation went out.
      await waitFor(async () => {
        await page.reload();
        return (await page.locator(`[data-delivery="sent"]`).count()) === 1;
      }, 15_000);
      expect(await page.locator('[data-delivery="sent"]').textContent()).toContain('Invitation sent');
      await screenshots(page, 'organizer-confirmed');
    },
  );

  browserTest('GIVEN a form whose CSRF token was tampered with THEN it is refused and nothing changes', async () => {
    const reservation = await reserve(alice, { startInMs: 70 * HOUR });
    const page = await signedIn(alice, reservation.code);
    await page.locator('summary', { hasText: 'Cancel…' }).click();
    await page.locator('input[name="_csrf"]').evaluateAll((inputs) => {
      for (const input of inputs) input.setAttribute('value', 'forged');
    });
    await page.getByRole('button', { name: 'Cancel the reservation' }).click();
    await page.getByRole('heading', { name: 'This form could not be accepted' }).waitFor();
    const stored = await world.db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } });
    expect(stored.status).toBe('permitted');
  });

  browserTest(
    'GIVEN Change THEN the form is filled in the browser’s zone, and saving moves the reservation',
    async () => {
      const reservation = await reserve(alice, { startInMs: 80 * HOUR });
      const page = await signedIn(alice, reservation.code, 'phone');
      await page.getByRole('link', { name: 'Change…' }).click();
      await page.getByLabel('Title').fill('Renamed on the web');
      // The browser is in Europe/Berlin (test/support/browser.ts): the fields show Berlin's clock.
      const berlin = (at: Date) =>
        new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', dateStyle: 'short', timeStyle: 'short' })
          .format(at)
          .replace(' ', 'T');
      await waitFor(async () => (await page.getByLabel(/^Starts/).inputValue()) === berlin(reservation.startsAt));
      await screenshots(page, 'organizer-change');
      await page.getByRole('button', { name: 'Save the change' }).click();
      await page.getByText('Changed. Everyone who was told').waitFor();
      const stored = await world.db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } });
      expect(stored).toMatchObject({ title: 'Renamed on the web', startsAt: reservation.startsAt });
    },
  );
});

describe('sign-in links', () => {
  browserTest(
    'GIVEN a link opened twice THEN the second browser is told it was used; a late link that it expired',
    async () => {
      const issued = await issueWebLink(deps(), bob);
      if (!issued.ok) throw new Error(issued.message);
      const first = await (await newContext(browser!)).newPage();
      await first.goto(issued.value.url);
      expect(new URL(first.url()).pathname).toBe('/timeline');
      const second = await (await newContext(browser!)).newPage();
      const answer = await second.goto(issued.value.url);
      expect(answer?.status()).toBe(410);
      await second.getByRole('heading', { name: 'This link was already used' }).waitFor();
      await screenshots(second, 'link-used');

      // Issued 16 minutes ago: past its 15.
      const late = await issueWebLink({ ...deps(), clock: () => new Date(Date.now() - 16 * MINUTE) }, bob);
      if (!late.ok) throw new Error(late.message);
      const third = await (await newContext(browser!)).newPage();
      expect((await third.goto(late.value.url))?.status()).toBe(410);
      await third.getByRole('heading', { name: 'This link has expired' }).waitFor();
      // No session came of either: the timeline asks to sign in.
      expect((await third.goto(`${world.service.url}/timeline`))?.status()).toBe(401);
    },
  );
});

describe('the timeline', () => {
  browserTest(
    'GIVEN reservations of two organizers THEN one bar each in its lane and in order, the other’s without titles; a bar opens its card',
    async () => {
      const day = new Date(Math.ceil((Date.now() + 5 * 24 * HOUR) / (24 * HOUR)) * 24 * HOUR);
      const at = (hours: number) => new Date(day.getTime() + hours * HOUR);
      const book = async (actor: Actor, title: string, from: number, to: number) => {
        const outcome = await requestReservation(deps(), actor, {
          ...makeRequest(serverName),
          title,
          startsAt: at(from),
          endsAt: at(to),
        });
        if (!outcome.ok) throw new Error(outcome.message);
        return outcome.value;
      };
      const first = await book(alice, 'Alice first', 9, 10);
      const overlapping = await book(bob, 'Bob secret', 9.5, 11);
      const second = await book(alice, 'Alice second', 12, 13);
      const page = await signedIn(alice);
      const date = day.toISOString().slice(0, 10);
      await page.goto(`${world.service.url}/timeline?range=day&date=${date}&tz=UTC`);

      const lane = (index: number) => page.locator(`ul.lane[data-server="${serverName}"][data-lane="${index}"]`);
      expect(
        await lane(0)
          .locator('a.bar')
          .evaluateAll((bars) => bars.map((bar) => bar.getAttribute('data-code'))),
      ).toEqual([first.code, second.code]);
      const busy = lane(1).locator('[data-busy]');
      expect(await busy.count()).toBe(1);
      expect(await busy.getAttribute('data-start')).toBe(overlapping.startsAt.toISOString());
      const hidden = `${await lane(1).innerHTML()}${await page.title()}`;
      expect(hidden).not.toContain('Bob');
      expect(hidden).not.toContain(overlapping.code);
      // Bars sit left to right in time order.
      const lefts = await lane(0)
        .locator('a.bar')
        .evaluateAll((bars) => bars.map((bar) => bar.getBoundingClientRect().left));
      expect(lefts[0]).toBeLessThan(lefts[1]!);
      await screenshots(page, 'timeline-day');

      await page.goto(`${world.service.url}/timeline?range=week&date=${date}&tz=UTC`);
      await screenshots(page, 'timeline-week');
      await page.locator(`a.bar[data-code="${second.code}"]`).click();
      await page.waitForURL(`**/r/${second.code}`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Alice second');
    },
  );

  browserTest('GIVEN no zone in the link THEN the page asks again in the browser’s own zone', async () => {
    const page = await signedIn(alice);
    await page.waitForURL(/tz=Europe%2FBerlin/);
    expect(await page.locator('[data-rendered-zone]').getAttribute('data-rendered-zone')).toBe('Europe/Berlin');
  });
});

describe('secrets', () => {
  browserTest(
    'GIVEN everything above THEN no sign-in link, session, stream key or passcode is in any log line',
    async () => {
      expect(logLines.length).toBeGreaterThan(20);
      expect(logLines.some((line) => line.includes('web sign-in link used'))).toBe(true);
      const leaked = [...secrets].filter(
        (secret) => secret.length >= 8 && logLines.some((line) => line.includes(secret)),
      );
      expect(leaked).toEqual([]);
    },
  );
});
