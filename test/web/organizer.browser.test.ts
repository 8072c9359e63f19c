/**
 * The organizer's card `/r/R-XXXX` and its Change form in real Chromium, against the whole
 * service with its embedded streaming server: "Who watched" after a real ffmpeg stream watched by
 * an invitee's personal link and by the passcode; addresses kept whole at 390 px; axe-core's
 * WCAG 2.1 A/AA rules in every status (light and dark, phone and desktop); every action reachable
 * with Tab and visibly focused.
 */
import type { Browser, Page } from 'playwright-core';
import { cancelReservation, lapseReservation, reconfirmReservation } from '../../src/app/lifecycle.js';
import { requestReservation } from '../../src/app/request.js';
import { issueWebLink } from '../../src/app/web-access.js';
import type { Actor } from '../../src/domain/reservation.js';
import { viewerToken } from '../../src/domain/viewer-token.js';
import { viewerTokenKey } from '../../src/store/streaming.js';
import { accessibilityReport } from '../support/axe.js';
import { browserTest, hasChromium, launchBrowser, newContext, screenshots } from '../support/browser.js';
import { HOUR, makeRequest, waitFor } from '../support/fixtures.js';
import type { TestService } from '../support/service.js';
import { startTestService } from '../support/service.js';
import type { Publisher } from '../support/stream.js';
import { publish } from '../support/stream.js';

let world: TestService;
let browser: Browser | undefined;
const publishers: Publisher[] = [];

const olga: Actor = { platform: 'slack', tenantId: 'T0CARD', userId: 'U0OLGA', name: 'Olga Organizer', isAdmin: false };
const WATCHER = 'ann@example.org';
const ABSENT = 'beatrice.longname@example.org';

beforeAll(async () => {
  if (!hasChromium) return;
  world = await startTestService({ EMBEDDED_BUFFER: '1s', STREAMING: 'embedded' });
  await world.db.prisma.distributionServer.update({ where: { name: 'embedded' }, data: { capacity: 10 } });
  world.service.deps.servers.invalidate();
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  for (const publisher of publishers) await publisher.stop();
  await browser?.close();
  await world?.close();
});

const deps = () => world.service.deps;
const base = () => world.service.url!;

/** Olga's browser, signed in with a link, on the card of `code`. */
async function card(code: string, size: 'phone' | 'desktop' = 'desktop'): Promise<Page> {
  const issued = await issueWebLink(deps(), olga, { reservation: code });
  if (!issued.ok) throw new Error(issued.message);
  const page = await (await newContext(browser!, size)).newPage();
  await page.goto(issued.value.url);
  await page.waitForURL(`**/r/${code}`);
  return page;
}

async function viewer(url: string): Promise<Page> {
  const page = await (await newContext(browser!)).newPage();
  await page.goto(url);
  return page;
}

/** The video plays: its clock advances and its frames have a size. */
const playing = (page: Page) =>
  waitFor(
    async () => {
      const video = await page.locator('video').evaluate((element) => {
        const v = element as unknown as { currentTime: number; videoWidth: number };
        return { time: v.currentTime, width: v.videoWidth };
      });
      return video.time > 1 && video.width > 0;
    },
    30_000,
    100,
  );

const text = async (page: Page, selector: string) => (await page.locator(selector).textContent())?.trim();

describe('Who watched', () => {
  browserTest(
    'GIVEN a real stream watched by one invitee’s personal link and one passcode viewer THEN the card counts them while live, and after the end names the invitee with their time, counts the passcode viewer, and says who did not join',
    async () => {
      const startsAt = new Date(Math.ceil((Date.now() + 6_000) / 1000) * 1000);
      const outcome = await requestReservation(deps(), olga, {
        ...makeRequest('embedded', { emails: [WATCHER, ABSENT] }),
        title: 'Streamed and watched',
        startsAt,
        endsAt: new Date(startsAt.getTime() + 12_000),
      });
      if (!outcome.ok) throw new Error(outcome.message);
      const confirmed = await reconfirmReservation(deps(), olga, outcome.value.id);
      if (!confirmed.ok) throw new Error(confirmed.message);
      const booked = confirmed.value;
      const organizer = await card(booked.code);
      expect(await organizer.getByRole('heading', { name: 'Who watched' }).count()).toBe(0);

      const key = await viewerTokenKey(world.db.pool);
      const personal = await viewer(`${base()}/watch/${booked.code}?t=${viewerToken(key, booked.id, WATCHER)}`);
      const shared = await viewer(`${base()}/watch/${booked.code}`);
      await shared.getByLabel('Passcode').fill(booked.passcode);
      await shared.getByRole('button', { name: 'Watch' }).click();
      await shared.getByRole('heading', { name: 'Streamed and watched' }).waitFor();

      await waitFor(() => Date.now() >= booked.startsAt.getTime() - 1_000, 20_000);
      const server = await deps().servers.find('embedded');
      publishers.push(publish(`${server!.ingestBaseUrl}/${booked.streamKey}`, 30));
      await playing(personal);
      await playing(shared);

      // While live: how many watch now, and the card passes axe.
      await waitFor(async () => {
        await organizer.reload();
        return (await text(organizer, '[data-attendance="now"]')) === '2 viewers watching now.';
      }, 20_000);
      expect(await accessibilityReport(organizer, 'card, live')).toBe('');
      await screenshots(organizer, 'organizer-live');

      // End + buffer: cut, completed; the card says who watched.
      await waitFor(
        async () =>
          (await world.db.prisma.reservation.findUniqueOrThrow({ where: { id: booked.id } })).status === 'completed',
        30_000,
      );
      await organizer.reload();
      await organizer.getByRole('heading', { name: 'Who watched' }).waitFor();
      expect(await text(organizer, '[data-attendance="viewers"]')).toBe('2');
      expect(await text(organizer, '[data-attendance="peak"]')).toBe('2');
      expect(await text(organizer, '[data-attendance="passcode"]')).toMatch(/^1 viewer\b/);
      const rows = await organizer
        .locator('tr[data-watched]')
        .evaluateAll((trs) =>
          trs.map((tr) => [
            tr.getAttribute('data-watched'),
            ...[...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim()),
          ]),
        );
      expect(rows).toEqual([
        ['yes', WATCHER, expect.stringMatching(/^(under a minute|1 min)$/)],
        ['no', ABSENT, 'did not join'],
      ]);
      // The passcode viewer is counted, never named.
      expect(await organizer.locator('section[aria-labelledby="attendance-heading"]').textContent()).not.toContain(
        booked.passcode,
      );
      expect(await accessibilityReport(organizer, 'card, completed with Who watched')).toBe('');
      await screenshots(organizer, 'organizer-who-watched');
      for (const page of [personal, shared, organizer]) await page.context().close();
    },
    150_000,
  );
});

async function reserve(overrides: Parameters<typeof makeRequest>[1] = {}) {
  const outcome = await requestReservation(
    deps(),
    olga,
    makeRequest('embedded', { emails: [WATCHER, ABSENT], ...overrides }),
  );
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.value;
}

describe('at 390 px', () => {
  browserTest(
    'GIVEN invitees with long and hyphenated addresses THEN each address stays whole on one line, and nothing scrolls sideways',
    async () => {
      const reservation = await reserve({
        startInMs: 30 * HOUR,
        emails: [WATCHER, ABSENT, 'chris.de-la-cruz@events-team.example.org'],
      });
      const page = await card(reservation.code, 'phone');
      const lines = await page.locator('td .address').evaluateAll((spans) =>
        spans.map((span) => {
          // The page's own DOM: this project compiles without the DOM types.
          const range = (
            span.ownerDocument as unknown as {
              createRange(): { selectNodeContents(node: unknown): void; getClientRects(): Array<{ top: number }> };
            }
          ).createRange();
          range.selectNodeContents(span);
          const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
          return [(span.textContent ?? '').trim(), tops.size];
        }),
      );
      expect(lines).toEqual([
        [WATCHER, 1],
        [ABSENT, 1],
        ['chris.de-la-cruz@events-team.example.org', 1],
      ]);
      const { scrollWidth, clientWidth } = await page.evaluate(() => {
        const root = (
          globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
        ).document.documentElement;
        return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth };
      });
      expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
      await screenshots(page, 'organizer-invitees-390');
    },
  );
});

/**
 * Tabs from the top of the page until focus comes round again: every link, button, summary and
 * field of the page must be reached, and each must show that it has the focus (an outline).
 */
async function tabThrough(page: Page): Promise<{ missed: string[]; invisible: string[] }> {
  // An element is named by the start of its markup, the same way on both sides.
  const actionable = await page
    .locator('a[href], button, summary, input:not([type="hidden"]), textarea, select')
    .evaluateAll((elements) =>
      elements
        // What a closed <details> holds is not shown, so not reachable until it is opened.
        .filter((element) => (element as unknown as { checkVisibility(): boolean }).checkVisibility())
        .map((element) => element.outerHTML.slice(0, 80)),
    );
  await page.locator('body').focus();
  const reached = new Set<string>();
  const invisible: string[] = [];
  let previous: string | undefined;
  // A date-and-time field takes a Tab per part (day, month, year, hours, minutes): room for them.
  for (let step = 0; step < actionable.length * 6 + 10; step++) {
    await page.keyboard.press('Tab');
    // The page's own globals: this project compiles without the DOM types.
    const focused = await page.evaluate(() => {
      const { document, getComputedStyle } = globalThis as unknown as {
        document: { activeElement: { tagName: string; outerHTML: string } | null };
        getComputedStyle(element: unknown): { outlineStyle: string; outlineWidth: string };
      };
      const element = document.activeElement;
      if (!element || element.tagName === 'BODY') return undefined;
      const style = getComputedStyle(element);
      return {
        what: element.outerHTML.slice(0, 80),
        visible: style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2,
      };
    });
    if (!focused || focused.what === previous) continue;
    // Round again: back at one reached before, having been elsewhere.
    if (reached.has(focused.what)) break;
    previous = focused.what;
    reached.add(focused.what);
    if (!focused.visible) invisible.push(focused.what);
  }
  return { missed: actionable.filter((what) => !reached.has(what)), invisible };
}

describe('accessibility (axe-core, WCAG 2.1 A/AA, light and dark, 390 and 1280 px) and the keyboard', () => {
  browserTest(
    'GIVEN the card awaiting reconfirmation, with the stream key shown and the Cancel form open THEN no violation, and every action is reached with Tab and visibly focused',
    async () => {
      const reservation = await reserve({ startInMs: 40 * HOUR });
      const page = await card(reservation.code);
      await page.getByText('Show the stream key').click();
      await page.locator('[data-stream-key]').waitFor({ state: 'visible' });
      await page.getByText('Cancel…').click();
      await page.getByRole('button', { name: 'Cancel the reservation' }).waitFor();
      // The opened Cancel form takes the row below the buttons, from its left edge.
      const left = (selector: string) => page.locator(selector).evaluate((e) => e.getBoundingClientRect().left);
      expect(await left('textarea#reason')).toBe(await left('.actions'));
      expect(await accessibilityReport(page, 'card, awaiting reconfirmation, key shown')).toBe('');
      await screenshots(page, 'organizer-key-shown');
      expect(await tabThrough(page)).toEqual({ missed: [], invisible: [] });
    },
  );

  browserTest(
    'GIVEN a confirmed, a cancelled and a lapsed reservation THEN their cards have no violation',
    async () => {
      const confirmed = await reserve({ startInMs: 42 * HOUR });
      expect((await reconfirmReservation(deps(), olga, confirmed.id)).ok).toBe(true);
      const page = await card(confirmed.code);
      expect(await accessibilityReport(page, 'card, confirmed')).toBe('');
      expect(await tabThrough(page)).toEqual({ missed: [], invisible: [] });

      const cancelled = await reserve({ startInMs: 44 * HOUR });
      expect((await cancelReservation(deps(), olga, cancelled.id, { reason: 'The speaker is ill <really>' })).ok).toBe(
        true,
      );
      await page.goto(`${base()}/r/${cancelled.code}`);
      await page.getByText('Cancelled: The speaker is ill <really>').waitFor();
      expect(await accessibilityReport(page, 'card, cancelled')).toBe('');
      await screenshots(page, 'organizer-cancelled');

      const lapsed = await reserve({ startInMs: 46 * HOUR });
      const late = { ...deps(), clock: () => new Date(lapsed.reconfirmDeadline.getTime() + 1_000) };
      expect((await lapseReservation(late, lapsed.id)).ok).toBe(true);
      await page.goto(`${base()}/r/${lapsed.code}`);
      await page.getByText('It was not reconfirmed in time').waitFor();
      expect(await accessibilityReport(page, 'card, lapsed')).toBe('');
      await screenshots(page, 'organizer-lapsed');
    },
  );

  browserTest(
    'GIVEN the Change form submitted with errors THEN no violation, the errors are tied to their fields, and every field is reached with Tab and visibly focused',
    async () => {
      const reservation = await reserve({ startInMs: 48 * HOUR });
      const page = await card(reservation.code, 'phone');
      await page.getByRole('link', { name: 'Change…' }).click();
      await page.getByLabel('Title').fill('');
      await page.getByLabel(/^Starts/).fill('');
      await page.getByLabel(/^Invitees/).fill('ann@example.org, not-an-address');
      await page.getByRole('button', { name: 'Save the change' }).click();
      await page.getByText(/fields need attention/).waitFor();
      expect(await page.getByLabel('Title').getAttribute('aria-invalid')).toBe('true');
      // The summary at the top leads to each field that needs attention.
      expect(
        await page
          .locator('.error-summary a')
          .evaluateAll((links) => links.map((link) => [link.textContent, link.getAttribute('href')])),
      ).toEqual([
        ['Title: The title is required.', '#title'],
        ['Starts: Pick a start date and time.', '#startsAt'],
        ['Invitees\' e-mail addresses: Not valid e-mail addresses: "not-an-address".', '#emails'],
      ]);
      await page.getByRole('link', { name: 'Title: The title is required.' }).click();
      expect(
        await page.evaluate(
          () => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id,
        ),
      ).toBe('title');
      expect(await accessibilityReport(page, 'change form with errors')).toBe('');
      await screenshots(page, 'organizer-change-errors');
      expect(await tabThrough(page)).toEqual({ missed: [], invisible: [] });
    },
  );
});
