/**
 * A viewer's watch page learns of an extension (issue 17) from the state it polls, without a
 * reload: real Chromium, the whole service with its embedded server, the organizer extending
 * through the use case the API and the card call.
 */
import type { Browser } from 'playwright-core';
import { reconfirmReservation } from '../../src/app/lifecycle.js';
import { requestReservation } from '../../src/app/request.js';
import { extendReservation } from '../../src/app/stream-actions.js';
import type { Actor } from '../../src/domain/reservation.js';
import { viewerToken } from '../../src/domain/viewer-token.js';
import { viewerTokenKey } from '../../src/store/streaming.js';
import { browserTest, hasChromium, launchBrowser, newContext } from '../support/browser.js';
import { MINUTE, waitFor } from '../support/fixtures.js';
import type { TestService } from '../support/service.js';
import { startTestService } from '../support/service.js';

let world: TestService;
let browser: Browser | undefined;
const organizer: Actor = { platform: 'api', tenantId: 'api', userId: 'extender', name: 'Eda', isAdmin: false };
const INVITEE = 'viewer@example.org';

beforeAll(async () => {
  if (!hasChromium) return;
  world = await startTestService({ EMBEDDED_BUFFER: '1s', STREAMING: 'embedded' });
  browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await world?.close();
});

browserTest(
  'GIVEN a viewer on the watch page WHEN the organizer extends the stream THEN the page shows the new end without a reload',
  async () => {
    const deps = world.service.deps;
    const startsAt = new Date(Math.ceil((Date.now() + 4_000) / 1000) * 1000);
    const requested = await requestReservation(deps, organizer, {
      server: 'embedded',
      title: 'Running long',
      description: null,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 20 * MINUTE),
      emails: [INVITEE],
      slackChannels: [],
      discordChannels: [],
    });
    if (!requested.ok) throw new Error(requested.message);
    const reservation = await reconfirmReservation(deps, organizer, requested.value.id);
    if (!reservation.ok) throw new Error(reservation.message);
    const token = viewerToken(await viewerTokenKey(world.db.pool), reservation.value.id, INVITEE);

    const page = await (await newContext(browser!)).newPage();
    await page.goto(`${world.service.url}/watch/${reservation.value.code}?t=${token}`);
    await page.evaluate(() => {
      (globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true;
    });
    const ends = page.locator('[data-ends] time');
    expect(await ends.getAttribute('datetime')).toBe(reservation.value.endsAt.toISOString());
    const shownBefore = await ends.textContent();

    await waitFor(() => Date.now() > startsAt.getTime(), 30_000);
    const extended = await extendReservation(deps, organizer, reservation.value.id, { minutes: 30 });
    if (!extended.ok) throw new Error(extended.message);
    const newEnd = extended.value.endsAt.toISOString();
    await waitFor(async () => (await ends.getAttribute('datetime')) === newEnd, 20_000);
    expect(await ends.textContent()).not.toBe(shownBefore);
    // The same page: nothing was reloaded.
    expect(await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce)).toBe(true);
  },
  90_000,
);
