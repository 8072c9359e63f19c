/**
 * The watch page in real Chromium, with ffmpeg publishing a real stream to the embedded
 * node-media-server of the whole service: the personal link plays (the video's clock advances,
 * frames have a size) after the state turned from waiting to live without a reload, and turns to
 * ended at the end; the shared link asks for the passcode, says when it is wrong and keeps what
 * was typed, then plays; cancelled and moved reservations say what happened.
 */
import type { Browser, Page } from 'playwright-core';
import { changeReservation } from '../../src/app/change.js';
import { cancelReservation, reconfirmReservation } from '../../src/app/lifecycle.js';
import { requestReservation } from '../../src/app/request.js';
import type { Actor } from '../../src/domain/reservation.js';
import { createLogger } from '../../src/log.js';
import { viewerToken } from '../../src/domain/viewer-token.js';
import { viewerTokenKey } from '../../src/store/streaming.js';
import { browserTest, hasChromium, launchBrowser, newContext, screenshots } from '../support/browser.js';
import { HOUR, waitFor } from '../support/fixtures.js';
import type { TestService } from '../support/service.js';
import { startTestService } from '../support/service.js';
import type { Publisher } from '../support/stream.js';
import { publish } from '../support/stream.js';

let world: TestService;
let browser: Browser | undefined;
let key: string;
const publishers: Publisher[] = [];
const organizer: Actor = {
  platform: 'api',
  tenantId: 'api',
  userId: 'web-organizer',
  name: 'Olga Organizer',
  isAdmin: false,
};
const INVITEE = 'viewer@example.org';
const logLines: string[] = [];
const secrets = new Set<string>();

beforeAll(async () => {
  if (!hasChromium) return;
  world = await startTestService(
    { EMBEDDED_BUFFER: '1s', STREAMING: 'embedded', LOG_LEVEL: 'debug' },
    createLogger({ level: 'debug', format: 'json', write: (line) => logLines.push(line) }),
  );
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
const base = () => world.service.url!;

async function book(startInMs: number, lengthMs: number, title = 'Live on the web') {
  const startsAt = new Date(Math.ceil((Date.now() + startInMs) / 1000) * 1000);
  const outcome = await requestReservation(deps(), organizer, {
    server: 'embedded',
    title,
    description: 'Bring <questions> & coffee.',
    startsAt,
    endsAt: new Date(startsAt.getTime() + lengthMs),
    emails: [INVITEE],
    slackChannels: [],
    discordChannels: [],
  });
  if (!outcome.ok) throw new Error(outcome.message);
  const confirmed = await reconfirmReservation(deps(), organizer, outcome.value.id);
  if (!confirmed.ok) throw new Error(confirmed.message);
  secrets.add(confirmed.value.passcode);
  secrets.add(confirmed.value.streamKey);
  secrets.add(viewerToken(key, confirmed.value.id, INVITEE));
  return confirmed.value;
}

const personal = (reservation: { id: string; code: string }) =>
  `${base()}/watch/${reservation.code.toLowerCase()}?t=${viewerToken(key, reservation.id, INVITEE)}`;

async function open(url: string, size: 'phone' | 'desktop' = 'desktop'): Promise<Page> {
  const page = await (await newContext(browser!, size)).newPage();
  await page.goto(url);
  return page;
}

const stateOf = (page: Page) => page.locator('[data-state]').getAttribute('data-state');

/** The video plays: its clock advances past `seconds` and its frames have a size. */
async function playing(page: Page, seconds = 1.5): Promise<{ width: number; time: number }> {
  return waitFor(
    async () => {
      const video = await page.locator('video').evaluate((element) => {
        const v = element as unknown as { currentTime: number; videoWidth: number };
        return { time: v.currentTime, width: v.videoWidth };
      });
      return video.time > seconds && video.width > 0 ? video : undefined;
    },
    30_000,
    100,
  );
}

describe('the watch page', () => {
  browserTest(
    'GIVEN a personal link THEN it waits, turns live without a reload, plays the real stream, and says ended at the end; the shared link needs the passcode',
    async () => {
      const reservation = await book(6_000, 8_000);
      const page = await open(personal(reservation));
      await page.evaluate(() => {
        (globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true;
      });
      expect(['scheduled', 'starting_soon']).toContain(await stateOf(page));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Live on the web');
      expect(await page.locator('.description').textContent()).toBe('Bring <questions> & coffee.');
      expect(await page.getByText('By Olga Organizer').count()).toBe(1);
      // Times in the browser's zone, named, with UTC beside (and UTC's date when it is another day).
      expect(await page.locator('[data-starts] time').textContent()).toMatch(
        /CET \((\d{1,2} [A-Z][a-z]{2}, )?\d\d:\d\d UTC\)$/,
      );
      expect(await page.locator('[data-zone-name]').first().textContent()).toBe('Europe/Berlin');
      await screenshots(page, 'watch-waiting');

      // The shared link, in another browser: the passcode form first.
      const shared = await open(`${base()}/watch/${reservation.code}`, 'phone');
      await shared.getByLabel('Passcode').fill('WRONG-GUESS');
      await shared.getByRole('button', { name: 'Watch' }).click();
      await shared.getByText(`That passcode is not the one for ${reservation.code}.`).waitFor();
      expect(await shared.getByLabel('Passcode').inputValue()).toBe('WRONG-GUESS');
      await screenshots(shared, 'watch-passcode-wrong');
      await shared.getByLabel('Passcode').fill(reservation.passcode.toLowerCase());
      await shared.getByRole('button', { name: 'Watch' }).click();
      await shared.getByRole('heading', { name: 'Live on the web' }).waitFor();

      // The slot opens a second before the start; the organizer streams.
      await waitFor(() => Date.now() >= reservation.startsAt.getTime() - 1_000, 20_000);
      const stream = await deps().servers.find('embedded');
      publishers.push(publish(`${stream!.ingestBaseUrl}/${reservation.streamKey}`, 30));

      await waitFor(async () => (await stateOf(page)) === 'live', 20_000);
      expect(await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
      const video = await playing(page);
      expect(video.width).toBe(320);
      await waitFor(async () => (await page.locator('[data-viewers]').textContent())?.match(/^[12] watching$/), 10_000);
      await screenshots(page, 'watch-live');

      await waitFor(async () => (await stateOf(shared)) === 'live', 20_000);
      expect((await playing(shared)).width).toBe(320);
      await screenshots(shared, 'watch-live-shared');

      // Sound and full screen are buttons anyone can reach.
      await page.getByRole('button', { name: /^Sound/ }).click();
      expect(await page.locator('[data-mute]').getAttribute('aria-pressed')).toBe('false');

      // End + buffer: cut, completed, and the page says so.
      await waitFor(async () => (await stateOf(page)) === 'ended', 30_000);
      expect(await page.locator('[data-state-detail]').textContent()).toBe(
        'The stream is over. Thank you for watching.',
      );
      expect(await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
      await screenshots(page, 'watch-ended');
    },
    120_000,
  );

  browserTest(
    'GIVEN the publisher drops and comes back THEN the player reconnects by itself and plays again',
    async () => {
      const reservation = await book(4_000, 20_000, 'Flaky uplink');
      const page = await open(personal(reservation));
      await waitFor(() => Date.now() >= reservation.startsAt.getTime() - 1_000, 20_000);
      const ingest = `${(await deps().servers.find('embedded'))!.ingestBaseUrl}/${reservation.streamKey}`;
      const first = publish(ingest, 30);
      publishers.push(first);
      await playing(page);
      const attempts = () =>
        page.evaluate(() => (globalThis as unknown as { slotcastWatch: { attempts: number } }).slotcastWatch.attempts);
      const before = await attempts();
      await first.stop();
      // The player notices the stream stopped and keeps trying while the reservation is live.
      await waitFor(async () => (await attempts()) > before, 20_000);
      publishers.push(publish(ingest, 30));
      const resumedAt = await page
        .locator('video')
        .evaluate((v) => (v as unknown as { currentTime: number }).currentTime);
      await waitFor(
        async () => {
          const now = await page.locator('video').evaluate((v) => ({
            t: (v as unknown as { currentTime: number }).currentTime,
            paused: (v as unknown as { paused: boolean }).paused,
          }));
          return !now.paused && (now.t > resumedAt + 1 || (now.t > 1 && now.t < resumedAt));
        },
        30_000,
        100,
      );
      expect(await stateOf(page)).toBe('live');
    },
    90_000,
  );

  browserTest('GIVEN a cancelled reservation THEN the page says so with the reason, and plays nothing', async () => {
    const reservation = await book(5 * HOUR, HOUR, 'Called off show');
    const cancelled = await cancelReservation(deps(), organizer, reservation.id, { reason: 'The speaker is ill' });
    expect(cancelled.ok).toBe(true);
    const page = await open(personal(reservation));
    expect(await stateOf(page)).toBe('cancelled');
    expect(await page.locator('[data-state-detail]').textContent()).toBe(
      'It will not take place. Reason given: The speaker is ill',
    );
    // Nothing to play, nothing to put in a calendar.
    expect(await page.locator('video').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: /^Sound/ }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Add to calendar' }).count()).toBe(0);
    await screenshots(page, 'watch-cancelled');
  });

  browserTest(
    'GIVEN a reservation moved while the page is open THEN it says it moved and to when, without a reload',
    async () => {
      const reservation = await book(6 * HOUR, HOUR, 'Moving show');
      const page = await open(personal(reservation));
      expect(await stateOf(page)).toBe('scheduled');
      const later = new Date(reservation.startsAt.getTime() + 2 * HOUR);
      const moved = await changeReservation(deps(), organizer, reservation.id, {
        startsAt: later,
        endsAt: new Date(later.getTime() + HOUR),
      });
      expect(moved.ok).toBe(true);
      await waitFor(async () => (await stateOf(page)) === 'moved', 10_000);
      const detail = await page.locator('[data-state-detail]').textContent();
      expect(detail).toContain(later.toISOString().slice(11, 16));
      expect(detail).toContain('instead of');
      expect(await page.locator('[data-starts] time').getAttribute('datetime')).toBe(later.toISOString());
      await screenshots(page, 'watch-moved');
      // The calendar entry is the e-mail's: same UID, the current SEQUENCE.
      const href = (await page.getByRole('link', { name: 'Add to calendar' }).getAttribute('href'))!;
      const ics = await page.evaluate(async (url) => (await fetch(url)).text(), href);
      expect(ics).toContain(`UID:${reservation.id}@slotcast`);
      const stored = await world.db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } });
      expect(ics).toContain(`SEQUENCE:${stored.version}`);
      expect(stored.version).toBeGreaterThan(reservation.version);
    },
  );
});

describe('secrets', () => {
  browserTest(
    'GIVEN streams watched by personal link and passcode THEN no token, passcode or stream key is in any log line',
    async () => {
      expect(logLines.length).toBeGreaterThan(20);
      const leaked = [...secrets].filter((secret) => logLines.some((line) => line.includes(secret)));
      expect(leaked).toEqual([]);
    },
  );
});

describe('too many wrong passcodes', () => {
  // Last in the file: it blocks this address for a minute.
  browserTest(
    'GIVEN ten wrong passcodes within a minute THEN the next try is told to wait a minute, keeping what was typed',
    async () => {
      const reservation = await book(7 * HOUR, HOUR, 'Guarded show');
      const page = await open(`${base()}/watch/${reservation.code}`);
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
      await page.getByText('Too many wrong tries from your address. Wait a minute, then try again.').waitFor();
      expect(await page.getByLabel('Passcode').inputValue()).toMatch(/^GUESS-\d+$/);
      await screenshots(page, 'watch-too-many');
    },
  );
});
