/**
 * The timeline and the sign-in and message pages in real Chromium against the whole service
 * (issue 17): a 4-minute reservation is a bar one can see and whose name says what it is; a
 * week's day names sit over their own days; at 390 px the axis and every bar fit with no hidden
 * sideways scroll (element geometry, not pixels); times in the reader's locale; axe-core finds
 * no WCAG 2.1 A/AA violation (light and dark, 390 and 1280 px); every link is reached by Tab and
 * visibly focused.
 */
import type { Browser, Page } from 'playwright-core';
import { requestReservation } from '../../src/app/request.js';
import { issueWebLink } from '../../src/app/web-access.js';
import type { Actor } from '../../src/domain/reservation.js';
import { formatMoment } from '../../src/web/words.js';
import { accessibilityReport } from '../support/axe.js';
import type { VIEWPORTS } from '../support/browser.js';
import { browserTest, hasChromium, launchBrowser, newContext, screenshots } from '../support/browser.js';
import { HOUR, MINUTE, makeRequest, makeServer } from '../support/fixtures.js';
import { momentsOf, tabThrough } from '../support/page-checks.js';
import type { TestService } from '../support/service.js';
import { startTestService } from '../support/service.js';

let world: TestService;
let browser: Browser | undefined;
let serverName: string;
const ZONE = 'Europe/Berlin';
const alice: Actor = { platform: 'slack', tenantId: 'T0TL', userId: 'U0ALICE', name: 'Alice', isAdmin: false };

/** A Monday at least eight days ahead (YYYY-MM-DD), and a moment of it on Berlin's clock. */
const monday = (() => {
  const day = new Date(Date.now() + 8 * 24 * HOUR);
  while (day.getUTCDay() !== 1) day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
})();
function berlin(hours: number, minutes = 0): Date {
  const [y, m, d] = monday.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d, hours, minutes);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: ZONE,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    })
      .formatToParts(new Date(guess))
      .map((part) => [part.type, Number(part.value)]),
  );
  const shown = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!);
  return new Date(guess - (shown - guess));
}

let quick: { code: string };
let evening: { code: string };
let late: { code: string };

beforeAll(async () => {
  if (!hasChromium) return;
  world = await startTestService({ STREAMING: 'off' });
  serverName = (await makeServer(world.db.prisma, { name: 'tl-studio', capacity: 2 })).name;
  browser = await launchBrowser();
  const book = async (title: string, from: Date, to: Date) => {
    const outcome = await requestReservation(world.service.deps, alice, {
      ...makeRequest(serverName),
      title,
      startsAt: from,
      endsAt: to,
    });
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.value;
  };
  quick = await book('Quick sound check', berlin(10), berlin(10, 4));
  evening = await book('Evening talk', berlin(20), berlin(21));
  late = await book('Late night set', berlin(22), berlin(23));
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await world?.close();
});

async function signedIn(size: keyof typeof VIEWPORTS = 'desktop', options: Parameters<typeof newContext>[2] = {}) {
  const issued = await issueWebLink(world.service.deps, alice);
  if (!issued.ok) throw new Error(issued.message);
  const page = await (await newContext(browser!, size, options)).newPage();
  await page.goto(issued.value.url);
  return page;
}
const timeline = (page: Page, range: 'day' | 'week') =>
  page.goto(`${world.service.url}/timeline?range=${range}&date=${monday}&tz=${encodeURIComponent(ZONE)}`);
const box = async (page: Page, selector: string) => (await page.locator(selector).first().boundingBox())!;

describe('the timeline', () => {
  browserTest(
    'GIVEN a 4-minute reservation THEN its bar is wide enough to see and point at, with no stub of a title, and its name says what it is',
    async () => {
      const page = await signedIn();
      await timeline(page, 'day');
      const bar = page.locator(`a.bar[data-code="${quick.code}"]`);
      expect((await bar.boundingBox())!.width).toBeGreaterThanOrEqual(24);
      // No stub of a title ("Q"): too narrow for a few letters, it shows none.
      expect(await bar.locator('.label').isVisible()).toBe(false);
      const day = new Intl.DateTimeFormat('en-GB', {
        timeZone: ZONE,
        weekday: 'short',
        day: 'numeric',
        month: 'short',
      }).format(berlin(10));
      await page.getByRole('link', { name: `Quick sound check, Permitted, ${day} 10:00–10:04` }).waitFor();
      expect(await bar.getAttribute('title')).toBe(`Quick sound check · Permitted · ${day} 10:00–10:04`);
    },
  );

  browserTest('GIVEN a week THEN a Monday evening bar sits under Monday’s name, not Tuesday’s', async () => {
    const page = await signedIn();
    await timeline(page, 'week');
    const bar = await box(page, `a.bar[data-code="${evening.code}"]`);
    const middle = bar.x + bar.width / 2;
    // The label as shown (the long or the short form, by the screen's width), and where.
    const axisLabels = page.locator('.axis > span');
    const texts = await axisLabels.allInnerTexts();
    const labels = await Promise.all(
      texts.map(async (text, index) => {
        const { x, width } = (await axisLabels.nth(index).boundingBox())!;
        return { text, left: x, right: x + width };
      }),
    );
    const over = labels.filter((label) => label.left <= middle && middle <= label.right);
    const monday = new Intl.DateTimeFormat('en-GB', {
      timeZone: ZONE,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
    }).format(berlin(12));
    expect(over.map((label) => label.text)).toEqual([monday]);
    await screenshots(page, 'timeline-week-labels');
  });

  browserTest(
    'GIVEN 390 px (and 660 px) THEN day and week fit the screen: no sideways scroll, the axis whole, the late bar in view',
    async () => {
      const page = await signedIn('phone');
      for (const [range, width] of [
        ['day', 390],
        ['week', 390],
        ['day', 660],
        ['week', 660],
      ] as const) {
        await page.setViewportSize({ width, height: 844 });
        await timeline(page, range);
        const scroll = await page.locator('.timeline-scroll').evaluate((element) => {
          const e = element as unknown as { scrollWidth: number; clientWidth: number };
          return { scrollWidth: e.scrollWidth, clientWidth: e.clientWidth };
        });
        expect(scroll.scrollWidth).toBeLessThanOrEqual(scroll.clientWidth + 1);
        const axis = await box(page, '.axis');
        expect(axis.x).toBeGreaterThanOrEqual(0);
        expect(axis.x + axis.width).toBeLessThanOrEqual(width);
        // Every label shown is whole: its text fits its stretch.
        const shown = await page.locator('.axis > span').allInnerTexts();
        const overflowing = await page.locator('.axis > span').evaluateAll((spans) =>
          spans.map((span) => {
            const e = span as unknown as { scrollWidth: number; clientWidth: number };
            return e.scrollWidth > e.clientWidth + 1;
          }),
        );
        const clipped = shown.filter((text, index) => text.trim() && overflowing[index]);
        expect(clipped).toEqual([]);
        // Every label says something (a day's name, or the clock; the phone's odd hours are hidden).
        expect(shown.filter((text) => text.trim()).length).toBeGreaterThanOrEqual(range === 'week' ? 7 : 4);
        const bar = await box(page, `a.bar[data-code="${late.code}"]`);
        expect(bar.x).toBeGreaterThanOrEqual(0);
        expect(bar.x + bar.width).toBeLessThanOrEqual(width);
        if (width === 390) await screenshots(page, `timeline-phone-${range}`);
      }
    },
  );

  browserTest('GIVEN an en-US reader in New York THEN the timeline’s clock is theirs throughout', async () => {
    const page = await signedIn('desktop', { locale: 'en-US', timezoneId: 'America/New_York' });
    await page.waitForURL(/tz=America%2FNew_York/);
    await page.goto(`${world.service.url}/timeline?range=day&date=${monday}&tz=America%2FNew_York`);
    const labels = await page.locator('.axis > span').allInnerTexts();
    expect(labels.length).toBeGreaterThan(4);
    for (const label of labels) expect(label).toMatch(/^\d{1,2}:00\s[AP]M$/);
    const name = await page.locator(`a.bar[data-code="${late.code}"] .sr`).textContent();
    expect(name).toMatch(/^Late night set, Permitted, Mon, Dec \d{1,2} 4:00\sPM–5:00\sPM$/);
  });

  browserTest(
    'GIVEN day and week THEN axe-core finds nothing, and Tab reaches every link, visibly focused',
    async () => {
      const page = await signedIn();
      for (const range of ['day', 'week'] as const) {
        await timeline(page, range);
        await screenshots(page, `timeline-${range}-checked`);
        expect(await accessibilityReport(page, `timeline ${range}`)).toBe('');
        const { reached, actions } = await tabThrough(page, 80);
        expect(reached.filter((focused) => !focused.indicator)).toEqual([]);
        expect(new Set(reached.map((focused) => focused.what))).toEqual(new Set(actions));
      }
    },
  );
});

describe('the organizer’s card', () => {
  browserTest(
    'GIVEN a card THEN its moments are written as the watch page writes them, in the browser’s zone and locale',
    async () => {
      for (const [locale, zone] of [
        ['en-GB', 'Europe/Berlin'],
        ['en-US', 'America/New_York'],
      ] as const) {
        const page = await signedIn('desktop', { locale, timezoneId: zone });
        await page.goto(`${world.service.url}/r/${evening.code}`);
        const { times, loose } = await momentsOf(page);
        expect(loose).toEqual([]);
        expect(times.length).toBeGreaterThanOrEqual(2);
        const expected = await page
          .locator('time')
          .evaluateAll((elements) => elements.map((element) => element.getAttribute('datetime')!));
        expect(times).toEqual(expected.map((iso) => formatMoment(new Date(iso), zone, locale)));
        await page.context().close();
      }
    },
  );
});

describe('sign-in and message pages', () => {
  browserTest(
    'GIVEN each message page THEN axe-core finds nothing, and its moments are written the page’s one way',
    async () => {
      const issued = await issueWebLink(world.service.deps, alice);
      if (!issued.ok) throw new Error(issued.message);
      await (await (await newContext(browser!)).newPage()).goto(issued.value.url);
      const late = await issueWebLink(
        { ...world.service.deps, clock: () => new Date(Date.now() - 16 * MINUTE) },
        alice,
      );
      if (!late.ok) throw new Error(late.message);
      const page = await (await newContext(browser!)).newPage();
      const pages = [
        { name: 'link-used', url: issued.value.url, heading: 'This link was already used', times: 1 },
        { name: 'link-expired', url: late.value.url, heading: 'This link has expired', times: 1 },
        {
          name: 'link-unknown',
          url: `${world.service.url}/open/not-a-link`,
          heading: 'This is not a sign-in link',
          times: 0,
        },
        { name: 'sign-in-needed', url: `${world.service.url}/timeline`, heading: 'Sign in to see this page', times: 0 },
      ];
      for (const { name, url, heading, times } of pages) {
        await page.goto(url);
        await page.getByRole('heading', { name: heading }).waitFor();
        await screenshots(page, name);
        expect(await accessibilityReport(page, name)).toBe('');
        const moments = await momentsOf(page);
        expect(moments.loose).toEqual([]);
        expect(moments.times).toHaveLength(times);
        for (const time of moments.times)
          expect(time).toMatch(
            /^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d CES?T \((\d{1,2} [A-Z][a-z]{2}, )?\d\d:\d\d UTC\)$/,
          );
      }
      // The expired link's moment is its expiry, as formatMoment writes it in the browser's zone.
      await page.goto(late.value.url);
      const expiry = await page.locator('time').getAttribute('datetime');
      expect(await page.locator('time').textContent()).toBe(formatMoment(new Date(expiry!), ZONE, 'en-GB'));

      // Signed out: a page of its own.
      const signedInPage = await signedIn();
      await signedInPage.getByRole('button', { name: 'Sign out' }).click();
      await signedInPage.getByRole('heading', { name: 'Signed out' }).waitFor();
      expect(await accessibilityReport(signedInPage, 'signed-out')).toBe('');
      await screenshots(signedInPage, 'signed-out');
    },
  );
});
