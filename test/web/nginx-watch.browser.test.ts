/**
 * The watch page in real Chromium playing an nginx-rtmp stream through hls.js: the whole service,
 * an nginx-rtmp server added through the REST API, a real nginx running exactly what
 * `slotcast nginx-config` prints (CORS origin: the service's URL), ffmpeg publishing to the
 * ingest the API gives the organizer. The invitee's personal link plays: the video's clock
 * advances and its frames have a size, nothing covers it, the page says live, and the browser
 * reports no CSP or CORS error. Skipped (and recorded) without Chromium or without nginx's rtmp module.
 */
import type { Browser, Page } from 'playwright-core';
import { createToken } from '../../src/app/tokens.js';
import { viewerToken } from '../../src/domain/viewer-token.js';
import { createLogger } from '../../src/log.js';
import { apiClient } from '../support/api.js';
import { browserTest, hasChromium, launchBrowser, newContext, screenshots } from '../support/browser.js';
import { waitFor } from '../support/fixtures.js';
import type { Ports, TestNginx } from '../support/nginx.js';
import { freePorts, hasNginx, nginxTest, startNginx } from '../support/nginx.js';
import type { TestService } from '../support/service.js';
import { startTestService } from '../support/service.js';
import type { Publisher } from '../support/stream.js';
import { publish } from '../support/stream.js';

const BUFFER_MS = 1_000;
const INVITEE = 'viewer@example.org';
let world: TestService;
let nginx: TestNginx | undefined;
let browser: Browser | undefined;
let ports: Ports;
let token = '';
const publishers: Publisher[] = [];
const logLines: string[] = [];
const secrets = new Set<string>();

/** Needs both: recorded as skipped for whichever is missing (nginx first). */
const watchTest = hasNginx ? browserTest : nginxTest;

beforeAll(async () => {
  if (!hasNginx || !hasChromium) return;
  world = await startTestService(
    { STREAMING: 'off', LOG_LEVEL: 'debug' },
    createLogger({ level: 'debug', format: 'json', write: (line) => logLines.push(line) }),
  );
  const created = await createToken(world.db.prisma, { name: 'admin', admin: true, email: 'organizer@example.org' });
  if (!created.ok) throw new Error(created.message);
  token = created.value.token;
  secrets.add(token);
  ports = await freePorts();
  const added = await api('POST', '/servers', {
    name: 'studio',
    kind: 'nginx_rtmp',
    ingestBaseUrl: `rtmp://127.0.0.1:${ports.rtmp}/live`,
    playbackBaseUrl: `${base()}/watch`,
    controlUrl: `http://127.0.0.1:${ports.control}/control`,
    mediaBaseUrl: `http://127.0.0.1:${ports.http}/hls`,
    capacity: 2,
    bufferSeconds: BUFFER_MS / 1_000,
  });
  if (added.status !== 201) throw new Error(JSON.stringify(added.body));
  const server = await world.db.prisma.distributionServer.findUniqueOrThrow({ where: { name: 'studio' } });
  secrets.add(server.hookSecret);
  nginx = await startNginx(server, ports, {
    slotcastUrl: base(),
    allowOrigin: new URL(base()).origin,
    fragmentSeconds: 1,
    playlistSeconds: 3,
    updateSeconds: 1,
  });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  for (const publisher of publishers) await publisher.stop();
  await browser?.close();
  await nginx?.stop();
  await world?.close();
});

const base = () => world.service.url!;
const api = apiClient(base, () => token);
const stateOf = (page: Page) => page.locator('[data-state]').getAttribute('data-state');

watchTest(
  "GIVEN a live nginx-rtmp stream THEN the invitee's personal link plays it through hls.js, with no CSP or CORS error",
  async () => {
    const startsAt = new Date(Date.now() + 2_000);
    const created = await api('POST', '/reservations', {
      server: 'studio',
      title: 'Live from nginx',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 60_000).toISOString(),
      emails: [INVITEE],
    });
    if (created.status !== 201) throw new Error(JSON.stringify(created.body));
    const { id, code, passcode, ingest } = created.body.reservation;
    secrets.add(passcode);
    secrets.add(ingest.streamKey);
    expect((await api('POST', `/reservations/${id}/reconfirm`)).status).toBe(200);
    const key = (await world.db.prisma.serviceSecret.findUniqueOrThrow({ where: { name: 'viewer_token' } })).value;
    const personal = viewerToken(key, id, INVITEE);
    secrets.add(personal);

    await waitFor(() => Date.now() >= startsAt.getTime() - BUFFER_MS, 10_000);
    const publisher = publish(`${ingest.url}/${ingest.streamKey}`, 60);
    publishers.push(publisher);
    await waitFor(
      async () => (await world.db.prisma.reservation.findUniqueOrThrow({ where: { id } })).status === 'live',
      10_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nnginx: ${nginx!.output().slice(-2_000)}`);
    });

    const page = await (await newContext(browser!)).newPage();
    const hls = `http://127.0.0.1:${ports.http}/hls/${code}/t.${personal}/`;
    // nginx writes the playlist once it has cut the first fragment, a moment after the publish made
    // the stream live and the page started its player: until then the playlist is a 404 (and
    // Chromium's line for it), which the player waits through (watch.js). Only those — before nginx
    // first served the playlist — are set apart; the player must not have given up on them (below).
    let playlistServed = false;
    const notWrittenYet: string[] = [];
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = `${message.text()} (${message.location().url})`;
      if (!playlistServed && message.location().url === `${hls}index.m3u8` && /status of 404\b/.test(message.text()))
        notWrittenYet.push(text);
      else problems.push(text);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    const fromNginx: string[] = [];
    page.on('response', (r) => {
      if (!playlistServed && r.status() === 404 && r.url() === `${hls}index.m3u8`) notWrittenYet.push(r.url());
      else if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
      else if (r.url().startsWith(hls)) {
        fromNginx.push(r.url().split('/').at(-1)!);
        if (r.url() === `${hls}index.m3u8`) playlistServed = true;
      }
    });
    const response = await page.goto(`${base()}/watch/${code}?t=${personal}`);
    expect(response?.status()).toBe(200);
    // The page's CSP lets the player fetch from nginx's origin.
    expect(response?.headers()['content-security-policy']).toMatch(
      new RegExp(`connect-src [^;]*http://127\\.0\\.0\\.1:${ports.http}`),
    );

    const video = await waitFor(
      async () => {
        const v = await page.locator('video').evaluate((element) => {
          const media = element as unknown as { currentTime: number; videoWidth: number };
          return { time: media.currentTime, width: media.videoWidth };
        });
        return v.time > 1.5 && v.width > 0 ? v : undefined;
      },
      25_000,
      100,
    ).catch(async (error: Error) => {
      const watch = await page.evaluate(() => (globalThis as unknown as { slotcastWatch?: unknown }).slotcastWatch);
      throw new Error(
        `${error.message}\nwatch: ${JSON.stringify(watch)}\nbefore the playlist: ${notWrittenYet.join('\n')}\nconsole: ${problems.join('\n')}\nnginx: ${nginx!.output().slice(-2_000)}`,
      );
    });
    expect(video.width).toBe(320);
    expect(await stateOf(page)).toBe('live');
    // The first player played: it never failed and was never restarted ("Reconnecting…"), however
    // long it waited for the playlist.
    expect(
      await page.evaluate(
        () => (globalThis as unknown as { slotcastWatch: { attempts: number } }).slotcastWatch.attempts,
      ),
    ).toBe(1);
    // Nothing covers the playing video (no "Connecting…" or "Buffering…" left over it).
    await page.locator('[data-overlay]').waitFor({ state: 'hidden', timeout: 5_000 });
    // It was hls.js that played it, fetching the playlist and segments from nginx with the personal token.
    expect(await page.evaluate(() => typeof (globalThis as unknown as { Hls?: unknown }).Hls)).toBe('function');
    expect(fromNginx).toContain('index.m3u8');
    expect(fromNginx.filter((file) => /^\d+\.ts$/.test(file)).length).toBeGreaterThan(0);
    await screenshots(page, 'watch-nginx-live');
    expect(problems.filter((text) => /security policy|CORS|Access-Control|blocked/i.test(text))).toEqual([]);
    // Nor any other error, a failed playlist or segment among them (the service has no favicon).
    expect(problems.filter((text) => !text.endsWith('/favicon.ico)'))).toEqual([]);

    // No secret in any log line: stream key, passcode, personal token, hook secret, API token.
    const everything = logLines.join('\n');
    expect([...secrets].filter((secret) => everything.includes(secret))).toEqual([]);
  },
  45_000,
);
