/**
 * npm run bench:stream — the streaming gate under load (issue 9), in one run:
 *
 * (1) 200 concurrent publish-hook calls, nginx-rtmp shape: decision latency p50/p99 (goal p99 <
 *     20 ms). Comes with the nginx-rtmp kind; its slot is marked below.
 * (2) 20 streams ending together: end + buffer → publisher disconnected (ffmpeg sees its
 *     connection end), p50/p99/max (goal p99 < 1 s).
 * (3) 100 concurrent HTTP-FLV viewers of one stream through the service's gate, against the same
 *     viewers straight from node-media-server on loopback: bytes delivered per second, ratio
 *     (goal ≥ 90%).
 *
 * Publishers send pre-encoded files with `-c copy`, so ffmpeg's encoding does not take the CPU
 * the service needs. BENCH_SECONDS (default 10) sets how long each viewer phase runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppDeps } from '../src/app/deps.js';
import { reconfirmReservation } from '../src/app/lifecycle.js';
import { requestReservation } from '../src/app/request.js';
import { loadConfig } from '../src/config.js';
import type { Actor } from '../src/domain/reservation.js';
import { silentLogger } from '../src/log.js';
import type { Service } from '../src/main.js';
import { startService } from '../src/main.js';
import type { StoredReservation } from '../src/store/reservations.js';
import { FFMPEG } from '../test/support/stream.js';
import { percentile, until, withBenchDatabase } from './support.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const STREAMS = 20;
const VIEWERS = 100;
const BUFFER_MS = 1_000;
const ADMIN: Actor = { platform: 'api', tenantId: 'api', userId: 'bench', name: 'Bench', isAdmin: true, email: null };

/** A pre-encoded H.264 + AAC FLV file of `seconds`, at `size` and `bitrate`. */
function encode(dir: string, name: string, seconds: number, size: string, bitrate: string): string {
  const file = join(dir, `${name}.flv`);
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`];
  args.push('-f', 'lavfi', '-i', 'sine', '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast');
  args.push('-b:v', bitrate, '-g', '25', '-c:a', 'aac', '-f', 'flv', file);
  const result = spawnSync(FFMPEG, args);
  if (result.status !== 0) throw new Error(`ffmpeg could not encode: ${result.stderr}`);
  return file;
}

/** Sends the file at real-time speed, looped, until stopped or cut. Resolves with when it exited. */
function push(file: string, url: string) {
  const child = spawn(
    FFMPEG,
    ['-hide_banner', '-loglevel', 'quiet', '-re', '-stream_loop', '-1', '-i', file, '-c', 'copy', '-f', 'flv', url],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(Date.now())));
  return { child, exited, stop: () => child.kill('SIGKILL') };
}

async function book(deps: AppDeps, startsAt: Date, endsAt: Date): Promise<StoredReservation> {
  const requested = await requestReservation(deps, ADMIN, {
    server: 'embedded',
    title: 'Bench',
    description: null,
    startsAt,
    endsAt,
    emails: [],
    slackChannels: [],
    discordChannels: [],
  });
  if (!requested.ok) throw new Error(requested.message);
  const confirmed = await reconfirmReservation(deps, ADMIN, requested.value.id);
  if (!confirmed.ok) throw new Error(confirmed.message);
  return confirmed.value;
}

const ms = (value: number) => `${Math.round(value)} ms`;

async function endingTogether(service: Service, file: string): Promise<void> {
  const deps = service.deps;
  const gate = service.streaming!.gate!;
  const startsAt = new Date(Date.now() + 3_000);
  const endsAt = new Date(startsAt.getTime() + 5_000);
  const reservations = await Promise.all(Array.from({ length: STREAMS }, () => book(deps, startsAt, endsAt)));
  await until(() => Date.now() >= startsAt.getTime() - BUFFER_MS, 10_000, 'the window');
  const pushes = reservations.map((r) => push(file, `${r.server.ingestBaseUrl}/${r.streamKey}`));
  await until(() => reservations.every((r) => gate.publishersOf(r.id).length === 1), 10_000, 'all publishers admitted');
  const closesAt = endsAt.getTime() + BUFFER_MS;
  const exits = await Promise.all(pushes.map((p) => p.exited));
  const delays = exits.map((at) => at - closesAt).sort((a, b) => a - b);
  console.log(
    `(2) ${STREAMS} streams ending together, end + buffer → publisher disconnected: p50 ${ms(percentile(delays, 50))}, ` +
      `p99 ${ms(percentile(delays, 99))}, max ${ms(delays.at(-1)!)} (goal p99 < 1000 ms)`,
  );
}

/** VIEWERS readers of `url` for SECONDS; bytes per second over all of them. */
async function watchers(url: string): Promise<{ bytesPerSecond: number; connected: number }> {
  let bytes = 0;
  let connected = 0;
  const requests = Array.from({ length: VIEWERS }, () =>
    get(url, (response) => {
      if (response.statusCode === 200) connected += 1;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
    }),
  );
  for (const request of requests) request.on('error', () => {});
  // Warm-up: every viewer connected and past the cached key frames.
  await until(() => connected === VIEWERS, 10_000, 'viewers connected');
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const before = bytes;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1_000));
  const bytesPerSecond = ((bytes - before) * 1_000) / (performance.now() - started);
  for (const request of requests) request.destroy();
  return { bytesPerSecond, connected };
}

async function manyViewers(service: Service, file: string): Promise<void> {
  const startsAt = new Date(Date.now() + 2_000);
  const reservation = await book(service.deps, startsAt, new Date(startsAt.getTime() + 10 * 60_000));
  await until(() => Date.now() >= startsAt.getTime() - BUFFER_MS, 10_000, 'the window');
  const publisher = push(file, `${reservation.server.ingestBaseUrl}/${reservation.streamKey}`);
  const gate = service.streaming!.gate!;
  await until(() => gate.publishersOf(reservation.id).length === 1, 10_000, 'the publisher');
  const direct = await watchers(service.streaming!.embedded!.flvUrl(reservation.streamKey));
  const gated = await watchers(`${service.url}/live/${reservation.code}.flv?passcode=${reservation.passcode}`);
  publisher.stop();
  const mbit = (rate: number) => `${((rate * 8) / 1e6).toFixed(1)} Mbit/s`;
  console.log(
    `(3) ${VIEWERS} FLV viewers for ${SECONDS} s: straight from node-media-server ${mbit(direct.bytesPerSecond)}, ` +
      `through the gate ${mbit(gated.bytesPerSecond)}: ratio ${((100 * gated.bytesPerSecond) / direct.bytesPerSecond).toFixed(1)}% (goal ≥ 90%)`,
  );
}

await withBenchDatabase(async (url) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'slotcast-bench-stream-'));
  chmodSync(dataDir, 0o755);
  const files = mkdtempSync(join(tmpdir(), 'slotcast-bench-media-'));
  const small = encode(files, 'small', 10, '320x240', '300k');
  const large = encode(files, 'large', 10, '1280x720', '2500k');
  const service = await startService(
    loadConfig({
      DATABASE_URL: url,
      DATA_DIR: dataDir,
      PORT: '0',
      RTMP_PORT: '0',
      EMBEDDED_BUFFER: '1s',
      LOG_LEVEL: 'warn',
      DELIVERY_CONCURRENCY: '20',
    }),
    silentLogger,
  );
  try {
    await service.deps.db.distributionServer.update({ where: { name: 'embedded' }, data: { capacity: STREAMS + 1 } });
    service.deps.servers.invalidate();
    // (1) 200 concurrent publish-hook calls, nginx-rtmp shape: added with the nginx-rtmp kind.
    console.log('(1) 200 concurrent nginx-rtmp publish hooks: comes with the nginx-rtmp kind');
    await endingTogether(service, small);
    await manyViewers(service, large);
  } finally {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  }
});
