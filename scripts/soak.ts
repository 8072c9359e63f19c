/**
 * npm run soak [-- --minutes 10 --instances 3 --workers 2] — many instances, one truth, under
 * faults (issue 16, "Soak"). Not part of npm test: it is a pass/fail acceptance run of the whole
 * deployment, not a measurement (that is bench/), and it takes its own PostgreSQL down.
 *
 * Starts its own PostgreSQL (Debian's, so that `pg_ctl restart -m fast` is the real thing), K
 * `slotcast serve` instances behind an nginx round-robin balancer (each with its own embedded
 * server, EMBEDDED_NAME e0, e1…, on its own RTMP port), M `slotcast worker` processes, one
 * nginx-rtmp server configured by `slotcast nginx-config` through the balancer, and an in-process
 * SMTP server. Drives bookings, changes, cancels, reconfirms, lapses, publishers, reconnects and
 * HLS / HTTP-FLV viewers for `--minutes`, injects faults (scripts/soak/faults.ts), waits for the
 * last stream to end and the outbox to drain, then prints a table of checks and exits 0 only if
 * every one passed. Every process it started is killed on the way out, Ctrl-C included.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb } from '../src/store/client.js';
import { migrate } from '../src/store/migrate.js';
import type { Fleet, Instance } from '../test/support/fleet.js';
import { startFleet } from '../test/support/fleet.js';
import type { TestSmtp } from '../test/support/smtp.js';
import { startTestSmtp } from '../test/support/smtp.js';
import type { Check } from './soak/checks.js';
import {
  cutsInTime,
  lapsed,
  logs,
  notificationsOnce,
  onePublisher,
  overBooking,
  processes,
  publishersCut,
  summaries,
} from './soak/checks.js';
import { BUFFER_SECONDS, drive, newRecord, STUDIO } from './soak/drive.js';
import type { Fault } from './soak/faults.js';
import { injectFaults } from './soak/faults.js';
import { encodeSample, killChildren, Limit, sleep } from './soak/media.js';
import type { SoakPostgres } from './soak/postgres.js';
import { startSoakPostgres } from './soak/postgres.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    instances: { type: 'string', default: '3' },
    workers: { type: 'string', default: '2' },
  },
});
const MINUTES = Number(values.minutes);
const INSTANCES = Number(values.instances);
const WORKERS = Number(values.workers);
if (!(MINUTES > 0) || !(INSTANCES >= 1) || !(WORKERS >= 0)) {
  console.error('Usage: npm run soak -- [--minutes 10] [--instances 3] [--workers 2]');
  process.exit(2);
}
/** RSS at the end may be at most this times the RSS after warm-up. */
const RSS_RATIO = 1.2;

let aborted = false;
/** What the run started, for `cleanUp`. */
const running: {
  postgres?: SoakPostgres;
  fleet?: Fleet;
  smtp?: TestSmtp;
  db?: ReturnType<typeof openDb>;
  work?: string;
} = {};
let cleaning: Promise<void> | undefined;

/** Kills and removes everything the run started; once, whoever asks first (the end of the run, a signal). */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    killChildren();
    await running.fleet
      ?.close()
      .catch((error: unknown) => console.error(`soak: closing the fleet: ${(error as Error).message}`));
    await running.db?.close().catch(() => undefined);
    await running.smtp?.close().catch(() => undefined);
    running.postgres?.close();
    running.postgres = undefined;
    if (running.work) rmSync(running.work, { recursive: true, force: true });
  })();
  return cleaning;
}

// Ctrl-C (or a process manager's TERM): stop at once, killing everything, rather than wait for the
// scenarios under way. A second signal leaves without waiting for the clean-up.
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(name, () => {
    if (aborted) process.exit(130);
    aborted = true;
    console.error(`soak: ${name} — killing everything it started`);
    void cleanUp().then(() => process.exit(130));
  });
process.on('exit', () => {
  // Last resort (an uncaught error): the fleet's own exit hook kills the instances and nginx; these are ours.
  killChildren();
  running.postgres?.close();
  if (running.work) rmSync(running.work, { recursive: true, force: true });
});

const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

function rssOf(instance: Instance): number | undefined {
  const pid = instance.child?.pid;
  if (!pid || !instance.running) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1_024 : undefined;
  } catch {
    return undefined;
  }
}

/** RSS per process (by pid): after its warm-up, and at the end of the load. */
class RssWatch {
  readonly warm = new Map<number, { name: string; bytes: number }>();
  private timers: NodeJS.Timeout[] = [];
  constructor(private readonly warmUpMs: number) {}
  watch(instance: Instance): void {
    const pid = instance.child?.pid;
    this.timers.push(
      setTimeout(() => {
        const bytes = rssOf(instance);
        if (pid && bytes && instance.child?.pid === pid) this.warm.set(pid, { name: instance.name, bytes });
      }, this.warmUpMs),
    );
  }
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }
  /** `atEnd`: RSS per pid sampled when the load stopped; a process without one is read now. */
  check(processes: Instance[], atEnd: Map<number, number>): Check {
    const rows: string[] = [];
    let pass = true;
    let worst = 0;
    for (const instance of processes) {
      const warm = this.warm.get(instance.child?.pid ?? -1);
      const end = atEnd.get(instance.child?.pid ?? -1) ?? rssOf(instance);
      if (!warm || !end) {
        rows.push(`${instance.name}: no warm-up sample for its current process`);
        continue;
      }
      const ratio = end / warm.bytes;
      worst = Math.max(worst, ratio);
      if (ratio > RSS_RATIO) pass = false;
      rows.push(`${instance.name}: ${mb(warm.bytes)} → ${mb(end)} (×${ratio.toFixed(2)})`);
    }
    return {
      check: 'RSS at the end ≤ 1.2× after warm-up',
      expected: `≤ ×${RSS_RATIO}`,
      measured: `worst ×${worst.toFixed(2)}`,
      pass: pass && worst > 0,
      evidence: rows,
    };
  }
}

const mb = (bytes: number) => `${Math.round(bytes / 1_048_576)} MB`;

function table(checks: Check[]): string {
  const rows = [
    ['check', 'expected', 'measured', 'result'],
    ...checks.map((c) => [c.check, c.expected, c.measured, c.pass ? 'pass' : 'FAIL']),
  ];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

async function drain(fleet: Fleet, ids: string[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let state = '';
  while (Date.now() < deadline && !aborted) {
    const open = await fleet.db.pool
      .query<{ n: string }>(
        `SELECT count(*) AS n FROM reservation WHERE id = ANY($1::uuid[]) AND status IN ('permitted','confirmed','live')`,
        [ids],
      )
      .catch(() => ({ rows: [{ n: '?' }] }));
    const pending = await fleet.db.pool
      .query<{ n: string }>(`SELECT count(*) AS n FROM notification WHERE channel = 'email' AND status = 'pending'`)
      .catch(() => ({ rows: [{ n: '?' }] }));
    state = `${open.rows[0]!.n} near-term reservations not ended, ${pending.rows[0]!.n} e-mails pending`;
    if (open.rows[0]!.n === '0' && pending.rows[0]!.n === '0') return `drained: ${state}`;
    await sleep(1_000);
  }
  return `not drained within ${timeoutMs / 1_000} s: ${state}`;
}

async function main(): Promise<number> {
  const durationMs = MINUTES * 60_000;
  const work = mkdtempSync(join(tmpdir(), 'slotcast-soak-'));
  running.work = work;
  const rss = new RssWatch(Math.max(30_000, durationMs * 0.12));
  try {
    log(
      `soak: ${MINUTES} min, ${INSTANCES} instances, ${WORKERS} workers; ${cpus().length} vCPU ${cpus()[0]?.model ?? ''}, ${mb(totalmem())}`,
    );
    const postgres = await startSoakPostgres();
    running.postgres = postgres;
    await migrate(postgres.url);
    const db = openDb(postgres.url, { max: 5 });
    running.db = db;
    const smtp = await startTestSmtp();
    running.smtp = smtp;
    const embeddedNames = Array.from({ length: INSTANCES }, (_, index) => `e${index}`);
    const fleet = await startFleet({
      instances: INSTANCES,
      workers: WORKERS,
      database: { ...db, url: postgres.url },
      env: {
        STREAMING: 'embedded',
        EMBEDDED_BUFFER: `${BUFFER_SECONDS}s`,
        SMTP_URL: smtp.url,
        // The service's default, not the harness's 3 s (made for quick tests): a lease shorter than
        // the slow SMTP server's 5 s answer lets a second worker take over a message still being sent.
        DELIVERY_LEASE: '60s',
      },
      instanceEnv: (index) => ({ EMBEDDED_NAME: embeddedNames[index]! }),
    });
    running.fleet = fleet;
    const rtmp = await fleet.addNginxRtmp({
      name: STUDIO,
      bufferSeconds: BUFFER_SECONDS,
      capacity: 3,
      updateSeconds: 2,
    });
    const sample = encodeSample(work);
    log(
      `fleet up: balancer ${fleet.balancer.url}, instances ${fleet.instances.map((i) => i.name).join(' ')}, workers ${fleet.workers.map((w) => w.name).join(' ')}`,
    );

    const startedAt = Date.now();
    for (const instance of [...fleet.instances, ...fleet.workers]) rss.watch(instance);
    const record = newRecord();
    const faults: Fault[] = [];
    const kills = new Map<string, number>();
    const endRss = new Map<number, number>();
    const driving = drive({
      fleet,
      rtmp,
      embeddedNames,
      sample,
      publishers: new Limit(6),
      viewers: new Limit(10),
      until: startedAt + durationMs,
      record,
      aborted: () => aborted,
    });
    const faulting = injectFaults({
      fleet,
      postgres,
      smtp,
      startedAt,
      durationMs,
      aborted: () => aborted,
      faults,
      kills,
      restarted: (instance) => rss.watch(instance),
      nextWindowEnd: () => {
        const now = Date.now();
        const ends = record.streams
          .filter((stream) => stream.plan.startsWith('to-end'))
          .map((stream) => stream.endsAt + BUFFER_SECONDS * 1_000)
          .filter((at) => at > now + 1_000 && at < now + 60_000);
        return ends.length > 0 ? Math.min(...ends) : undefined;
      },
    });
    const endSample = setTimeout(() => {
      for (const instance of [...fleet!.instances, ...fleet!.workers]) {
        const bytes = rssOf(instance);
        if (bytes && instance.child?.pid) endRss.set(instance.child.pid, bytes);
      }
    }, durationMs);
    await Promise.all([driving, faulting]);
    clearTimeout(endSample);
    log(`load stopped: ${record.streams.length} streams, ${record.lapses.length} lapses; waiting for the last to end`);
    const ids = [...record.streams.map((stream) => stream.id), ...record.lapses];
    log(await drain(fleet, ids, 120_000));
    if (aborted) return 130;

    const checks: Check[] = [
      await overBooking(fleet),
      ...(await notificationsOnce(fleet, smtp)),
      await onePublisher(fleet),
      ...(await cutsInTime(fleet, faults)),
      await publishersCut(fleet, record, faults),
      ...(await summaries(fleet, record)),
      await lapsed(fleet, record),
      ...logs(fleet),
      processes(fleet, kills, [
        ['nginx-rtmp', rtmp.nginx.child.exitCode === null && rtmp.nginx.child.signalCode === null],
        ['balancer', (await fetch(`${fleet.balancer.url}/healthz`).catch(() => undefined))?.status === 200],
        ['PostgreSQL', postgres.running()],
      ]),
    ];
    checks.push(rss.check([...fleet.instances, ...fleet.workers], endRss));

    console.log('\nFaults:');
    for (const fault of faults)
      console.log(
        `  +${Math.round((fault.from - startedAt) / 1_000)} s … +${Math.round((fault.to - startedAt) / 1_000)} s  ${fault.name}: ${fault.detail}`,
      );
    const plans = new Map<string, number>();
    for (const stream of record.streams) plans.set(stream.plan, (plans.get(stream.plan) ?? 0) + 1);
    console.log('\nDriven:');
    console.log(`  streams by plan: ${[...plans].map(([plan, n]) => `${plan} ${n}`).join(', ')}`);
    console.log(
      `  publisher starts ${record.streams.reduce((sum, s) => sum + s.publisherStarts, 0)}, viewers ${record.streams.reduce((sum, s) => sum + s.viewers.length, 0)} (watched ${record.streams.reduce((sum, s) => sum + s.viewers.filter((v) => v.watched).length, 0)})`,
    );
    console.log(`  churn: ${JSON.stringify(record.churn)}, API retries ${record.retries}`);
    console.log(
      `  API answers: ${[...record.api]
        .sort()
        .map(([key, n]) => `${key} ×${n}`)
        .join('; ')}`,
    );
    console.log(`  mails received ${smtp.received.length}; balancer calls ${fleet.balancer.calls().length}`);
    console.log(`\n${table(checks)}\n`);
    for (const check of checks.filter((c) => c.evidence?.length))
      console.log(
        `${check.pass ? '' : 'FAILED '}${check.check}:\n${check
          .evidence!.slice(0, 20)
          .map((line) => `  ${line}`)
          .join('\n')}`,
      );
    const failed = checks.filter((check) => !check.pass).length;
    console.log(failed === 0 ? '\nsoak: every check passed' : `\nsoak: ${failed} check(s) failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    rss.stop();
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`soak: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  },
);
