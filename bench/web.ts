/**
 * npm run bench:web — the watch page as viewers meet it (issue 11): opened with a personal link
 * while the stream is live on the embedded server, how long until the first video frame shows,
 * p50/p99 over 20 loads in headless Chromium (goal p99 < 2 s). Each load is a fresh browser
 * context (no cache, no cookies), so it pays for the page, its scripts, mpegts.js, the gate and
 * the stream's first key frame. The first frame is the video's first requestVideoFrameCallback,
 * in ms since the navigation began (watch.js records it).
 *
 * The publisher sends a pre-encoded 1280×720 H.264 + AAC file (2.5 Mbit/s, a key frame a second)
 * with `-c copy`, so encoding takes no CPU from the service. BENCH_LOADS (default 20) changes the
 * number of loads.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { reconfirmReservation } from '../src/app/lifecycle.js';
import { requestReservation } from '../src/app/request.js';
import { loadConfig } from '../src/config.js';
import type { Actor } from '../src/domain/reservation.js';
import { viewerToken } from '../src/domain/viewer-token.js';
import { silentLogger } from '../src/log.js';
import { startService } from '../src/main.js';
import { viewerTokenKey } from '../src/store/streaming.js';
import { CHROMIUM } from '../test/support/browser.js';
import { FFMPEG } from '../test/support/stream.js';
import { percentile, until, withBenchDatabase } from './support.js';

const LOADS = Number(process.env.BENCH_LOADS ?? 20);
const ORGANIZER: Actor = { platform: 'api', tenantId: 'api', userId: 'bench', name: 'Bench', isAdmin: false };
const VIEWER = 'viewer@example.org';

function encode(dir: string): string {
  const file = join(dir, 'stream.flv');
  const result = spawnSync(FFMPEG, [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25'],
    ...['-f', 'lavfi', '-i', 'sine', '-t', '20', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '2500k'],
    ...['-g', '25', '-c:a', 'aac', '-f', 'flv', file],
  ]);
  if (result.status !== 0) throw new Error(`ffmpeg could not encode: ${result.stderr}`);
  return file;
}

await withBenchDatabase(async (url) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slotcast-bench-web-'));
  chmodSync(dataDir, 0o755);
  const media = mkdtempSync(join(tmpdir(), 'slotcast-bench-media-'));
  const file = encode(media);
  const service = await startService(
    loadConfig({
      DATABASE_URL: url,
      DATA_DIR: dataDir,
      PORT: '0',
      RTMP_PORT: '0',
      EMBEDDED_BUFFER: '1s',
      LOG_LEVEL: 'warn',
    }),
    silentLogger,
  );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--autoplay-policy=no-user-gesture-required'],
  });
  const publisher = { stop: () => {} };
  try {
    const deps = service.deps;
    const startsAt = new Date(Date.now() + 2_000);
    const requested = await requestReservation(deps, ORGANIZER, {
      server: 'embedded',
      title: 'Bench',
      description: null,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 30 * 60_000),
      emails: [VIEWER],
      slackChannels: [],
      discordChannels: [],
    });
    if (!requested.ok) throw new Error(requested.message);
    const reservation = await reconfirmReservation(deps, ORGANIZER, requested.value.id);
    if (!reservation.ok) throw new Error(reservation.message);
    const { id, code, streamKey, server } = reservation.value;
    await until(() => Date.now() >= startsAt.getTime() - 1_000, 10_000, 'the window');
    const child = spawn(
      FFMPEG,
      ['-hide_banner', '-loglevel', 'quiet', '-re', '-stream_loop', '-1', '-i', file, '-c', 'copy', '-f', 'flv'].concat(
        `${server.ingestBaseUrl}/${streamKey}`,
      ),
      { stdio: 'ignore' },
    );
    publisher.stop = () => child.kill('SIGKILL');
    const gate = service.streaming!.gate!;
    await until(() => gate.isPublishing(id), 10_000, 'the publisher');
    await until(
      async () =>
        (await deps.pool.query(`SELECT status FROM reservation WHERE id = $1`, [id])).rows[0].status === 'live',
      10_000,
      'live',
    );
    const link = `${service.url}/watch/${code}?t=${viewerToken(await viewerTokenKey(deps.pool), id, VIEWER)}`;

    const firstFrames: number[] = [];
    for (let load = 0; load <= LOADS; load++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(link);
      const at = await page.waitForFunction(
        () => (globalThis as unknown as { slotcastWatch?: { firstFrameAt?: number } }).slotcastWatch?.firstFrameAt,
        undefined,
        { timeout: 20_000, polling: 50 },
      );
      const ms = (await at.jsonValue()) as number;
      // The first load warms the service (prepared statements, the server's caches): not counted.
      if (load > 0) firstFrames.push(ms);
      await context.close();
    }
    firstFrames.sort((a, b) => a - b);
    const show = (value: number) => `${Math.round(value)} ms`;
    console.log(
      `watch page opened → first video frame, ${firstFrames.length} loads (personal link, 1280×720 live on the embedded server): ` +
        `p50 ${show(percentile(firstFrames, 50))}, p99 ${show(percentile(firstFrames, 99))}, ` +
        `min ${show(firstFrames[0]!)}, max ${show(firstFrames.at(-1)!)} (goal p99 < 2000 ms)`,
    );
  } finally {
    publisher.stop();
    await browser.close();
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(media, { recursive: true, force: true });
  }
});
