/**
 * npm run bench:stream — the streaming gate under load (issue 9), in one run:
 *
 * (1) 200 concurrent publish-hook calls, nginx-rtmp shape (a form POST on a new connection each,
 *     as nginx makes them), one per reservation in its window: decision latency p50/p99 (goal
 *     p99 < 20 ms).
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
import { Worker } from 'node:worker_threads';
import type { AppDeps } from '../src/app/deps.js';
import { reconfirmReservation } from '../src/app/lifecycle.js';
import { requestReservation } from '../src/app/request.js';
import { addServer } from '../src/app/servers.js';
import { loadConfig } from '../src/config.js';
import type { Actor } from '../src/domain/reservation.js';
import type { Logger } from '../src/log.js';
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

async function book(deps: AppDeps, startsAt: Date, endsAt: Date, server = 'embedded'): Promise<StoredReservation> {
  const requested = await requestReservation(deps, ADMIN, {
    server,
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

/**
 * The service's own time for each publish hook: from the request's arrival in the HTTP app to
 * its answer (the app's per-request debug line, in whole ms), without the wait in the accept
 * queue that a burst of new connections adds.
 */
const hookTimes: number[] = [];
const benchLog: Logger = {
  ...silentLogger,
  debug: (message, fields) => {
    if (message === 'http' && fields?.route === '/hooks/nginx-rtmp/:secret/:call' && fields.method === 'POST')
      hookTimes.push(Number(fields.ms));
  },
};

/**
 * Sends nginx-rtmp callbacks as nginx does — a form POST on a new connection each (nginx keeps
 * none alive) — all at once, from a thread of its own: nginx is another process, and a client on
 * the service's own event loop would be measured along with it. Resolves with each call's
 * status and milliseconds.
 */
function hookCalls(url: string, forms: Record<string, string>[]): Promise<Array<{ status: number; ms: number }>> {
  const code = `
    const { request } = require('node:http');
    const { parentPort, workerData } = require('node:worker_threads');
    const call = (body) => new Promise((resolve) => {
      const started = performance.now();
      const req = request(workerData.url, { method: 'POST', agent: false, headers: {
        'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
        (res) => { res.resume(); res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started })); });
      req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
      req.end(body);
    });
    Promise.all(workerData.bodies.map(call)).then((results) => parentPort.postMessage(results));
  `;
  const bodies = forms.map((form) => new URLSearchParams(form).toString());
  const worker = new Worker(code, { eval: true, workerData: { url, bodies } });
  return new Promise((resolve, reject) => {
    worker.once('message', (results) => {
      void worker.terminate();
      resolve(results);
    });
    worker.once('error', reject);
  });
}

async function publishHooks(service: Service): Promise<void> {
  const CALLS = 200;
  const deps = service.deps;
  const added = await addServer(deps, ADMIN, {
    name: 'bench-nginx',
    kind: 'nginx_rtmp',
    ingestBaseUrl: 'rtmp://127.0.0.1:1935/live',
    playbackBaseUrl: `${service.url}/watch`,
    controlUrl: null,
    mediaBaseUrl: null,
    capacity: CALLS,
    // A buffer longer than the booking takes: the window is open as soon as all are booked.
    bufferSeconds: 120,
    active: true,
  });
  if (!added.ok) throw new Error(added.message);
  const { hookSecret } = await deps.db.distributionServer.findUniqueOrThrow({ where: { id: added.value.id } });
  const startsAt = new Date(Date.now() + 60_000);
  const endsAt = new Date(startsAt.getTime() + 60_000);
  const reservations: StoredReservation[] = [];
  for (let i = 0; i < CALLS; i += 20)
    reservations.push(
      ...(await Promise.all(Array.from({ length: 20 }, () => book(deps, startsAt, endsAt, 'bench-nginx')))),
    );
  const hooks = `${service.url}/hooks/nginx-rtmp/${hookSecret}`;
  const form = (r: StoredReservation, i: number, call: string) => ({
    app: 'live',
    flashver: 'FMLE/3.0 (compatible; Lavf58.24',
    swfurl: '',
    tcurl: 'rtmp://127.0.0.1:1935/live',
    pageurl: '',
    addr: `10.0.${i >> 8}.${i & 255}`,
    clientid: String(1_000 + i),
    call,
    name: r.streamKey,
    type: 'live',
  });
  // Warm-up: the server's secret is read on the first call, as after a fresh start.
  await hookCalls(`${hooks}/publish_done`, [form(reservations[0]!, 0, 'publish_done')]);
  hookTimes.length = 0;
  const results = await hookCalls(
    `${hooks}/publish`,
    reservations.map((r, i) => form(r, i, 'publish')),
  );
  const waited = results.map((result) => result.ms).sort((a, b) => a - b);
  const inService = hookTimes.splice(0).sort((a, b) => a - b);
  const admitted = results.filter((result) => result.status === 200).length;
  const line = (values: number[]) =>
    `p50 ${percentile(values, 50).toFixed(0)} ms, p99 ${percentile(values, 99).toFixed(0)} ms, max ${values.at(-1)!.toFixed(0)} ms`;
  console.log(
    `(1) ${CALLS} concurrent nginx-rtmp publish hooks, ${admitted} admitted: decision latency in the service ${line(inService)} ` +
      `(goal p99 < 20 ms); as nginx waits, with the queue of the burst: ${line(waited)}`,
  );
  await service.streaming!.gate!.settled();
  await hookCalls(
    `${hooks}/publish_done`,
    reservations.map((r, i) => form(r, i, 'publish_done')),
  );
}

async function endingTogether(service: Service, file: string): Promise<void> {
  const deps = service.deps;
  const gate = service.streaming!.gate!;
  const startsAt = new Date(Date.now() + 3_000);
  const endsAt = new Date(startsAt.getTime() + 5_000);
  const reservations = await Promise.all(Array.from({ length: STREAMS }, () => book(deps, startsAt, endsAt)));
  await until(() => Date.now() >= startsAt.getTime() - BUFFER_MS, 10_000, 'the window');
  const pushes = reservations.map((r) => push(file, `${r.server.ingestBaseUrl}/${r.streamKey}`));
  await until(
    async () => (await Promise.all(reservations.map((r) => gate.isPublishing(r.id)))).every(Boolean),
    10_000,
    'all publishers admitted',
  );
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
  await until(() => gate.isPublishing(reservation.id), 10_000, 'the publisher');
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
    benchLog,
  );
  try {
    await service.deps.db.distributionServer.update({ where: { name: 'embedded' }, data: { capacity: STREAMS + 1 } });
    service.deps.servers.invalidate();
    await publishHooks(service);
    await endingTogether(service, small);
    await manyViewers(service, large);
  } finally {
    await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  }
});
