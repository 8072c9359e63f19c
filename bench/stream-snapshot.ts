/**
 * bench:stream's part (4): what the streaming gate's snapshot costs an idle service, at 1,000 and
 * at 100,000 future reservations, in one run (issue 16: memory and periodic database work must
 * not grow with the number of future reservations; goal ratio ≤ 1.2).
 *
 * One database of the bench's PostgreSQL cluster; a server of kind nginx_rtmp (an enforcing kind,
 * so the gate holds its reservations; no nginx is needed while nobody publishes) with LANES
 * lanes. Future reservations are written with one INSERT … SELECT over generate_series: 30 min
 * each, one an hour per lane from two days ahead (one lane never overlaps itself, so the
 * exclusion constraint holds), half confirmed and half permitted with their deadline a day
 * before the start (so none lapses while measured). 1,000 first; then 99,000 more for 100,000.
 *
 * For each size the service runs in a child process (bench/snapshot-service.ts), started as
 * `slotcast serve` starts it; after BENCH_WARMUP_SECONDS (default 20) the parent measures for
 * BENCH_IDLE_SECONDS (default 60), with nobody using the service:
 *   RSS        VmRSS of /proc/PID/status every 200 ms: min, max, at the end;
 *   idle CPU   utime + stime of /proc/PID/stat over the window, % of one core;
 *   lag        the service's own nodejs_eventloop_lag_* at GET /metrics (prom-client's
 *              monitorEventLoopDelay, 10 ms resolution; read once before the window, which
 *              resets it, and once after);
 *   queries    every statement the service ran on its pool in the window, timed in the child end
 *              to end (pool wait, PostgreSQL, rows parsed); the heaviest is printed.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrate } from '../src/store/migrate.js';
import type { QueryStat } from './snapshot-service.js';
import { sleep } from './support.js';

const SIZES = [1_000, 100_000];
const LANES = 100;
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 20);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const SAMPLE_MS = 200;
const START_TIMEOUT_MS = 120_000;
// Linux's USER_HZ: the unit of utime and stime in /proc/PID/stat on every architecture Node runs on.
const CLOCK_TICKS = 100;

interface Figures {
  rssMin: number;
  rssMax: number;
  rssEnd: number;
  cpuPercent: number;
  lag: { p50: number; p99: number; max: number };
  /** The statements that took the most time in all, heaviest first (at most three). */
  heaviest: QueryStat[];
  /** The statement that returned the most rows per call: the gate's snapshot load, on today's main. */
  largest: QueryStat | undefined;
  queryMs: number;
}

async function seed(pool: pg.Pool, serverId: string, from: number, to: number): Promise<void> {
  await pool.query(
    `INSERT INTO reservation (id, code, title, server_id, organizer_platform, organizer_tenant_id, organizer_user_id,
       organizer_name, starts_at, ends_at, lane, occupied, status, notify_mode, reconfirm_deadline, confirmed_at,
       passcode, stream_key, emails, slack_channels, discord_channels, version, updated_at)
     SELECT gen_random_uuid(), 'SNAP-' || i, 'Snapshot ' || i, $3::uuid, 'api', 'api', 'organizer-' || (i % 100),
       'Organizer', t.starts_at, t.starts_at + interval '30 minutes', i % ${LANES},
       tstzrange(t.starts_at, t.starts_at + interval '32 minutes'),
       t.status::"ReservationStatus", 'reconfirm', t.starts_at - interval '1 day',
       CASE WHEN t.status = 'confirmed' THEN now() END, 'PASSCODE' || i, 'sk_snapshot_' || i,
       ARRAY['viewer-' || i || '@example.org'], '{}', '{}', 1, now()
     FROM generate_series($1::int, $2::int - 1) AS i,
       LATERAL (SELECT date_trunc('hour', now()) + interval '2 days' + (i / ${LANES}) * interval '1 hour' AS starts_at,
         CASE WHEN i % 2 = 0 THEN 'confirmed' ELSE 'permitted' END AS status) AS t`,
    [from, to, serverId],
  );
  await pool.query('VACUUM ANALYZE reservation');
}

function procFields(pid: number): { rss: number; cpuTicks: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rss: rssKb * 1024, cpuTicks: Number(rest[11]) + Number(rest[12]) };
}

async function eventLoopLag(url: string): Promise<{ p50: number; p99: number; max: number }> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  const body = await response.text();
  const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(body)?.[1] ?? NaN);
  return {
    p50: value('nodejs_eventloop_lag_p50_seconds') * 1_000,
    p99: value('nodejs_eventloop_lag_p99_seconds') * 1_000,
    max: value('nodejs_eventloop_lag_max_seconds') * 1_000,
  };
}

/** Starts the service in a child process on `databaseUrl`, measures it idle, stops it. */
async function idleService(databaseUrl: string): Promise<Figures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'slotcast-bench-snapshot-'));
  chmodSync(dataDir, 0o755);
  const entry = fileURLToPath(new URL('./snapshot-service.ts', import.meta.url));
  // Only what the service needs: nothing from the developer's environment (a Slack token, say).
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    RTMP_PORT: '0',
    LOG_LEVEL: 'warn',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: ['ignore', 2, 2, 'ipc'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const next = <T>(type: string, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the service sent no '${type}' within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onMessage = (message: { type?: string }) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(message as T);
      };
      child.on('message', onMessage);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the service exited (code ${code}) before sending '${type}'`));
      });
    });
  try {
    const { url } = await next<{ url: string }>('ready', START_TIMEOUT_MS);
    const pid = child.pid!;
    await sleep(WARMUP_SECONDS * 1_000);

    await eventLoopLag(url); // resets the delay histogram: what the window then reads is the window's
    child.send({ type: 'reset' });
    const first = procFields(pid);
    const started = performance.now();
    let rssMin = first.rss;
    let rssMax = first.rss;
    let last = first;
    for (let sample = 0; sample < (IDLE_SECONDS * 1_000) / SAMPLE_MS; sample++) {
      await sleep(SAMPLE_MS);
      last = procFields(pid);
      rssMin = Math.min(rssMin, last.rss);
      rssMax = Math.max(rssMax, last.rss);
      if (performance.now() - started > IDLE_SECONDS * 1_000) break;
    }
    const seconds = (performance.now() - started) / 1_000;
    const lag = await eventLoopLag(url);
    child.send({ type: 'report' });
    const { queries } = await next<{ queries: QueryStat[] }>('queries', 10_000);
    const perCall = (query: QueryStat) => query.rows / query.calls;
    return {
      rssMin,
      rssMax,
      rssEnd: last.rss,
      cpuPercent: ((last.cpuTicks - first.cpuTicks) / CLOCK_TICKS / seconds) * 100,
      lag,
      heaviest: [...queries].sort((a, b) => b.totalMs - a.totalMs).slice(0, 3),
      largest: [...queries].sort((a, b) => perCall(b) - perCall(a))[0],
      queryMs: queries.reduce((sum, query) => sum + query.totalMs, 0),
    };
  } finally {
    if (child.exitCode === null && child.connected) child.send({ type: 'stop' });
    const stopped = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]);
    if (!stopped) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One statement's timings, end to end in the service, and the start of its text. */
const describe = (query: QueryStat) =>
  `${query.calls}× mean ${(query.totalMs / query.calls).toFixed(1)} ms, max ${query.maxMs.toFixed(1)} ms, ` +
  `${Math.round(query.rows / query.calls)} rows: ${query.text.slice(0, 70)}…`;
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
const ratio = (a: number, b: number) => (Number.isFinite(b / a) ? (b / a).toFixed(2) : '—');

/** Part (4): prints one line per size as it is measured, then the table and the ratios. */
export async function snapshotAtScale(clusterUrl: string): Promise<void> {
  const url = new URL(clusterUrl);
  url.pathname = '/bench_snapshot';
  const admin = new pg.Client({ connectionString: clusterUrl });
  await admin.connect();
  try {
    await admin.query('DROP DATABASE IF EXISTS bench_snapshot');
    await admin.query('CREATE DATABASE bench_snapshot');
  } finally {
    await admin.end();
  }
  await migrate(url.toString());
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  const results = new Map<number, Figures>();
  try {
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO distribution_server (id, name, ingest_base_url, playback_base_url, capacity, kind, buffer_seconds, updated_at)
       VALUES (gen_random_uuid(), 'bench-snapshot', 'rtmp://127.0.0.1:1935/live', 'http://127.0.0.1:3000/watch',
         ${LANES}, 'nginx_rtmp', 120, now()) RETURNING id`,
    );
    const serverId = rows[0]!.id;
    let seeded = 0;
    for (const size of SIZES) {
      const started = performance.now();
      await seed(pool, serverId, seeded, size);
      seeded = size;
      const seedSeconds = (performance.now() - started) / 1_000;
      try {
        const figures = await idleService(url.toString());
        results.set(size, figures);
        console.log(
          `(4) ${size.toLocaleString('en-US')} future reservations (seeded in ${seedSeconds.toFixed(1)} s), idle ` +
            `${IDLE_SECONDS} s after ${WARMUP_SECONDS} s: RSS ${mb(figures.rssMin)}–${mb(figures.rssMax)}, end ${mb(figures.rssEnd)}; ` +
            `CPU ${figures.cpuPercent.toFixed(1)}%; event-loop lag p50 ${figures.lag.p50.toFixed(1)} ms, p99 ${figures.lag.p99.toFixed(1)} ms, ` +
            `max ${figures.lag.max.toFixed(1)} ms; queries ${figures.queryMs.toFixed(0)} ms in all, the heaviest:`,
        );
        for (const query of figures.heaviest) console.log(`      ${describe(query)}`);
      } catch (error) {
        console.log(`(4) ${size.toLocaleString('en-US')} future reservations FAILED: ${(error as Error).message}`);
      }
    }
  } finally {
    await pool.end();
  }
  const [small, large] = SIZES.map((size) => results.get(size));
  if (!small || !large) return;
  const rows: Array<[string, (f: Figures) => string, (f: Figures) => number]> = [
    ['RSS min', (f) => mb(f.rssMin), (f) => f.rssMin],
    ['RSS max', (f) => mb(f.rssMax), (f) => f.rssMax],
    ['RSS end', (f) => mb(f.rssEnd), (f) => f.rssEnd],
    ['idle CPU', (f) => `${f.cpuPercent.toFixed(2)}%`, (f) => f.cpuPercent],
    ['event-loop lag p99', (f) => `${f.lag.p99.toFixed(1)} ms`, (f) => f.lag.p99],
    ['event-loop lag max', (f) => `${f.lag.max.toFixed(1)} ms`, (f) => f.lag.max],
    ['query time in window', (f) => `${f.queryMs.toFixed(0)} ms`, (f) => f.queryMs],
    [
      'largest read, mean',
      (f) => (f.largest ? `${(f.largest.totalMs / f.largest.calls).toFixed(1)} ms` : '—'),
      (f) => (f.largest ? f.largest.totalMs / f.largest.calls : NaN),
    ],
    [
      'largest read, rows',
      (f) => (f.largest ? String(Math.round(f.largest.rows / f.largest.calls)) : '—'),
      (f) => (f.largest ? f.largest.rows / f.largest.calls : NaN),
    ],
  ];
  console.log(`(4) the gate's snapshot, idle ${IDLE_SECONDS} s (goal: every ratio ≤ 1.2)`);
  // The largest read is the statement returning the most rows per call (on today's main the gate's
  // reload of its whole snapshot); its text is in the lines above.
  console.log(`    ${''.padEnd(22)}${'1,000'.padStart(10)}${'100,000'.padStart(10)}${'ratio'.padStart(8)}`);
  for (const [name, show, value] of rows)
    console.log(
      `    ${name.padEnd(22)}${show(small).padStart(10)}${show(large).padStart(10)}${ratio(value(small), value(large)).padStart(8)}`,
    );
}
