/**
 * The watch page in every state a viewer meets (issue 17), in real Chromium against the whole
 * service, with ffmpeg streaming for real: every moment written one way in the browser's zone and
 * locale (and the server's, without JavaScript), the stream starting late, live, ending in the
 * teardown buffer, ended, cancelled after it ran; the passcode form, a wrong passcode and too many
 * tries; axe-core finding no WCAG 2.1 A/AA violation in any of them (light and dark, 390 and
 * 1280 px); every action reached by Tab and visibly focused; the player and its controls inside a
 * 1280×800 window; no request answered 404 (the favicon).
 */
import type { Browser, Page } from 'playwright-core';
import { cancelReservation, reconfirmReservation } from '../../src/app/lifecycle.js';
import { requestReservation } from '../../src/app/request.js';
import type { Actor } from '../../src/domain/reservation.js';
import { viewerToken } from '../../src/domain/viewer-token.js';
import { viewerTokenKey } from '../../src/store/streaming.js';
import { formatMoment } from '../../src/web/words.js';
import { accessibilityReport } from '../support/axe.js';
import type { VIEWPORTS } from '../support/browser.js';
import { browserTest, hasChromium, launchBrowser, newContext, screenshots } from '../support/browser.js';
import { HOUR, waitFor } from '../support/fixtures.js';
import { momentsOf, record404s, tabThrough } from '../support/page-checks.js';
import type { TestService } from '../support/service.js';
import { startTestService } from '../support/service.js';
import type { Publisher } from '../support/stream.js';
import { publish } from '../support/stream.js';

let world: TestService;
let browser: Browser | undefined;
let key: string;
const publishers: Publisher[] = [];
/** Every URL any page of this file asked for and got a 404. */
const notFound: string[] = [];
const organizer: Actor = { platform: 'api', tenantId: 'api', userId: 'states-organizer', name: 'Olga', isAdmin: false };
const INVITEE = 'viewer@example.org';
/** Long enough to look at the "ending" state, short enough for the test. */
const BUFFER_MS = 20_000;

beforeAll(async () => {
  if (!hasChromium) return;
  world = await startTestService({ EMBEDDED_BUFFER: `${BUFFER_MS / 1000}s`, STREAMING: 'embedded' });
  await world.db.prisma.distributionServer.update({ where: { name: 'embedded' }, data: { capacity: 10 } });
  world.service.deps.servers.invalidate();
  key = await viewerTokenKey(world.db.pool);
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  for (const publisher of publishers) await publisher.stop();
  await browser?.close();
  await world?.close();
});

const deps = () => world.service.deps;

async function book(startInMs: number, lengthMs: number, title: string) {
  const startsAt = new Date(Math.ceil((Date.now() + startInMs) / 1000) * 1000);
  const outcome = await requestReservation(deps(), organizer, {
    server: 'embedded',
    title,
    description: 'Questions welcome.',
    startsAt,
    endsAt: new Date(startsAt.getTime() + lengthMs),
    emails: [INVITEE],
    slackChannels: [],
    discordChannels: [],
  });
  if (!outcome.ok) throw new Error(outcome.message);
  const confirmed = await reconfirmReservation(deps(), organizer, outcome.value.id);
  if (!confirmed.ok) throw new Error(confirmed.message);
  return confirmed.value;
}

const personal = (reservation: { id: string; code: string }) =>
  `${world.service.url}/watch/${reservation.code}?t=${viewerToken(key, reservation.id, INVITEE)}`;

async function open(
  url: string,
  size: keyof typeof VIEWPORTS = 'desktop',
  options: Parameters<typeof newContext>[2] = {},
): Promise<Page> {
  const context = await newContext(browser!, size, options);
  record404s(context, notFound);
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

const stateOf = (page: Page) => page.locator('[data-state]').getAttribute('data-state');
const detailOf = async (page: Page) => (await page.locator('[data-state-detail]').textContent())?.trim();
const untilState = (page: Page, state: string, timeoutMs = 30_000) =>
  waitFor(async () => (await stateOf(page)) === state, timeoutMs, 100);

/** The state looked at as a visitor may: screenshots at both sizes, and axe-core in every look. */
async function checked(page: Page, name: string): Promise<void> {
  await screenshots(page, `watch-${name}`);
  expect(await accessibilityReport(page, name)).toBe('');
}

describe('times on the watch page', () => {
  browserTest(
    'GIVEN a stream days ahead THEN every moment is in a <time>, written one way, in the browser’s zone and locale — and without JavaScript in the server’s',
    async () => {
      const reservation = await book(50 * HOUR + 30 * 60_000, HOUR, 'Times on the page');
      const starts = reservation.startsAt;
      const ends = reservation.endsAt;
      for (const [locale, zone] of [
        ['en-GB', 'Europe/Berlin'],
        ['en-US', 'America/New_York'],
        ['de-DE', 'Asia/Tokyo'],
      ] as const) {
        const page = await open(personal(reservation), 'desktop', { locale, timezoneId: zone });
        const { times, loose } = await momentsOf(page);
        expect(loose).toEqual([]);
        // The sentence's start and the facts' start and end: each as formatMoment writes it there.
        expect(times).toEqual([
          formatMoment(starts, zone, locale),
          formatMoment(starts, zone, locale),
          formatMoment(ends, zone, locale),
        ]);
        await page.context().close();
      }
      // Without JavaScript: the server's one way, in UTC and the locale the browser asked for.
      const still = await open(personal(reservation), 'desktop', { locale: 'en-US', javaScriptEnabled: false });
      const { times, loose } = await momentsOf(still);
      expect(loose).toEqual([]);
      expect(times).toEqual([
        formatMoment(starts, 'UTC', 'en-US'),
        formatMoment(starts, 'UTC', 'en-US'),
        formatMoment(ends, 'UTC', 'en-US'),
      ]);
      await still.context().close();
    },
  );
});

describe('the watch page’s states', () => {
  browserTest(
    'GIVEN a stream days ahead THEN "Scheduled", accessible, every action reached by Tab and visibly focused',
    async () => {
      const reservation = await book(30 * HOUR, HOUR, 'Scheduled show');
      const page = await open(personal(reservation));
      expect(await stateOf(page)).toBe('scheduled');
      await checked(page, 'scheduled');
      for (const size of ['phone', 'desktop'] as const) {
        await page.setViewportSize({ phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } }[size]);
        const { reached, actions } = await tabThrough(page);
        expect(reached.filter((focused) => !focused.indicator)).toEqual([]);
        expect(new Set(reached.map((focused) => focused.what))).toEqual(new Set(actions));
        expect(actions).toEqual(
          expect.arrayContaining([
            'button "Sound off — turn on"',
            'button "Full screen"',
            'input "volume"',
            'a "Add to calendar"',
          ]),
        );
      }
    },
  );

  browserTest(
    'GIVEN nobody streams THEN "starting soon" turns "starting late" at the start; streaming turns it live, the player and its controls inside 1280×800; past the end "ending"; then ended, with no player or calendar link',
    async () => {
      // A title long enough to take two lines at 1280 px, as real ones do.
      const reservation = await book(
        6_000,
        12_000,
        'Late show: questions and answers with the whole team on the winter release',
      );
      const page = await open(personal(reservation));
      expect(await stateOf(page)).toBe('starting_soon');
      await checked(page, 'starting-soon');

      await untilState(page, 'late', 20_000);
      expect(await detailOf(page)).toMatch(/^It was due to start .+ and has not begun yet\./);
      expect(await page.locator('.badge').textContent()).toBe('Starting late');
      await checked(page, 'late');

      const ingest = `${(await deps().servers.find('embedded'))!.ingestBaseUrl}/${reservation.streamKey}`;
      publishers.push(publish(ingest, 60));
      await untilState(page, 'live');
      await waitFor(
        () => page.locator('video').evaluate((v) => (v as unknown as { currentTime: number }).currentTime > 0.5),
        30_000,
        100,
      );
      // The player and its controls fit the window, without scrolling.
      for (const size of [
        { width: 1280, height: 800 },
        { width: 390, height: 844 },
      ]) {
        await page.setViewportSize(size);
        const player = (await page.locator('[data-player]').boundingBox())!;
        const controls = (await page.locator('.controls').boundingBox())!;
        expect(player.y).toBeGreaterThanOrEqual(0);
        expect(controls.y + controls.height).toBeLessThanOrEqual(size.height);
        expect(player.width).toBeGreaterThan(size.width / 3);
      }
      await checked(page, 'live');

      // Past the end the stream may run on through the teardown buffer: "ending", never "live until" a past time.
      await untilState(page, 'ending', 30_000);
      expect(await page.locator('.badge').textContent()).toBe('Ending');
      expect(await detailOf(page)).toMatch(/^Its booked time is over: the stream stops by .+ at the latest\.$/);
      await checked(page, 'ending');

      await untilState(page, 'ended', BUFFER_MS + 30_000);
      expect(await detailOf(page)).toBe('The stream is over. Thank you for watching.');
      expect(await page.locator('video').isVisible()).toBe(false);
      expect(await page.getByRole('button', { name: /^Sound/ }).count()).toBe(0);
      expect(await page.getByRole('link', { name: 'Add to calendar' }).count()).toBe(0);
      await checked(page, 'ended');
      // As it loads after the end, too.
      const later = await open(personal(reservation));
      expect(await stateOf(later)).toBe('ended');
      expect(await later.getByRole('link', { name: 'Add to calendar' }).count()).toBe(0);
      expect(await later.locator('video').isVisible()).toBe(false);
    },
    150_000,
  );

  browserTest(
    'GIVEN a stream cancelled after it ran THEN the page says for how long it ran, with no player',
    async () => {
      const reservation = await book(3_000, 10 * 60_000, 'Cut short');
      const ingest = `${(await deps().servers.find('embedded'))!.ingestBaseUrl}/${reservation.streamKey}`;
      const page = await open(personal(reservation));
      await waitFor(() => Date.now() >= reservation.startsAt.getTime() - BUFFER_MS, 10_000);
      publishers.push(publish(ingest, 60));
      await untilState(page, 'live');
      const cancelled = await cancelReservation(deps(), organizer, reservation.id, { reason: 'Fire alarm' });
      expect(cancelled.ok).toBe(true);
      await untilState(page, 'cancelled');
      expect(await detailOf(page)).toBe(
        'The organizer cancelled it after less than a minute of streaming. Reason given: Fire alarm',
      );
      expect(await page.locator('video').isVisible()).toBe(false);
      expect(await page.getByRole('link', { name: 'Add to calendar' }).count()).toBe(0);
      await checked(page, 'cancelled-after-running');
    },
  );

  browserTest('GIVEN the shared link THEN the passcode form and a wrong passcode are accessible', async () => {
    const reservation = await book(40 * HOUR, HOUR, 'Passcode show');
    const page = await open(`${world.service.url}/watch/${reservation.code}`);
    await page.getByLabel('Passcode').waitFor();
    await checked(page, 'passcode');
    const { reached } = await tabThrough(page);
    expect(reached.filter((focused) => !focused.indicator)).toEqual([]);
    expect(reached.map((focused) => focused.what)).toEqual(
      expect.arrayContaining(['input "passcode"', 'button "Watch"']),
    );
    await page.getByLabel('Passcode').fill('WRONG-GUESS');
    await page.getByRole('button', { name: 'Watch' }).click();
    await page.getByText(`That passcode is not the one for ${reservation.code}.`).waitFor();
    await checked(page, 'passcode-wrong');
  });
});

describe('favicon', () => {
  browserTest(
    'GIVEN a page THEN it links an icon that is there, /favicon.ico is one too, and no page above asked for anything that was not there',
    async () => {
      const reservation = await book(60 * HOUR, HOUR, 'Icon show');
      const page = await open(personal(reservation));
      // Headless Chromium asks for no icon by itself (a desktop one asks on every page): asked here.
      const icon = await page.locator('link[rel="icon"]').getAttribute('href');
      expect(icon).toBeTruthy();
      for (const url of [icon!, '/favicon.ico']) {
        const answer = await page.evaluate(async (href) => {
          const response = await fetch(href);
          return { status: response.status, type: response.headers.get('content-type') ?? '' };
        }, url);
        expect({ url, ...answer }).toEqual({ url, status: 200, type: expect.stringMatching(/^image\/svg\+xml/) });
      }
      expect(notFound).toEqual([]);
    },
  );
});

describe('too many wrong passcodes', () => {
  // Last in the file: it blocks this address for a minute.
  browserTest('GIVEN too many wrong passcodes THEN the page that says so is accessible', async () => {
    const reservation = await book(45 * HOUR, HOUR, 'Guarded show');
    const page = await open(`${world.service.url}/watch/${reservation.code}`);
    let status = 0;
    for (let attempt = 1; attempt <= 12 && status !== 429; attempt++) {
      await page.getByLabel('Passcode').fill(`GUESS-${attempt}`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Watch' }).click(),
      ]);
      status = response.status();
    }
    expect(status).toBe(429);
    await checked(page, 'too-many-tries');
  });
});
