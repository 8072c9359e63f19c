/**
 * npm run bench:deadlines — 10,000 reservations whose reconfirmation deadlines all fall within
 * 20 seconds, scheduled through the job runtime as the service schedules them. Measures how late
 * each lapse commits after its deadline (p50/p99/max) and that none is missed.
 */
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createJobs } from '../src/jobs/runtime.js';
import { silentLogger } from '../src/log.js';
import { buildDeps } from '../src/main.js';
import { openDb } from '../src/store/client.js';
import { percentile, withBenchDatabase } from './support.js';

const COUNT = Number(process.env.BENCH_COUNT ?? 10_000);
const WINDOW_MS = 20_000;
const LEAD_MS = 5_000;

await withBenchDatabase(async (url) => {
  const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'error', DATA_DIR: '/tmp/slotcast-bench-data' });
  const db = openDb(url, { max: 30 });
  const admin = new pg.Pool({ connectionString: url, max: 4 });
  await admin.query(`INSERT INTO distribution_server (id, name, ingest_base_url, playback_base_url, capacity, updated_at)
                     VALUES (gen_random_uuid(), 'bench', 'rtmp://in.example.org/live', 'https://watch.example.org', 100000, now())`);
  const firstDue = Date.now() + LEAD_MS;
  // Reservations written in bulk: this measures the deadlines, not the booking path.
  await admin.query(
    `INSERT INTO reservation (id, code, title, server_id, organizer_platform, organizer_tenant_id, organizer_user_id,
       organizer_name, starts_at, ends_at, lane, occupied, status, notify_mode, reconfirm_deadline, passcode, stream_key,
       emails, slack_channels, discord_channels, updated_at)
     SELECT gen_random_uuid(), 'B-' || i, 'Bench', s.id, 'api', 'api', 'bench', 'Bench',
       date_trunc('milliseconds', now()) + interval '2 days', date_trunc('milliseconds', now()) + interval '2 days 1 hour', i,
       tstzrange(date_trunc('milliseconds', now()) + interval '2 days', date_trunc('milliseconds', now()) + interval '2 days 1 hour'),
       'permitted', 'reconfirm', to_timestamp(($1::float8 + (i::float8 / $2) * $3) / 1000), 'pass', 'sk_' || i, '{}', '{}', '{}', now()
     FROM generate_series(0, $2 - 1) AS i, distribution_server s`,
    [firstDue, COUNT, WINDOW_MS],
  );
  const deps = buildDeps(config, db, silentLogger);
  // The deadline clock reads the next deadline from the table when it starts, as after a restart.
  const jobs = createJobs({
    process: true,
    config,
    deps,
    transports: [],
    log: silentLogger,
    database: { ...db, url },
  });
  deps.listeners.push(jobs.onCommit);
  await jobs.start();
  const lastDue = firstDue + WINDOW_MS;
  // Wait until every reservation lapsed, or 30 s past the last deadline.
  while (Date.now() < lastDue + 30_000) {
    const { rows: left } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM reservation WHERE status = 'permitted'`,
    );
    if (left[0]!.n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const { rows: lapsed } = await admin.query<{ late: number }>(
    `SELECT extract(epoch FROM (a.created_at - r.reconfirm_deadline)) * 1000 AS late
     FROM reservation r JOIN audit_entry a ON a.reservation_id = r.id AND a.action = 'lapsed'`,
  );
  const lateness = lapsed.map((row) => Number(row.late)).sort((a, b) => a - b);
  console.log(
    `bench:deadlines — ${COUNT} deadlines within ${WINDOW_MS / 1000}s, job concurrency ${config.jobs.concurrency}`,
  );
  console.log(`first deadline ${LEAD_MS / 1000}s after start, last ${(LEAD_MS + WINDOW_MS) / 1000}s`);
  console.log(`lapsed ${lateness.length}/${COUNT}, missed ${COUNT - lateness.length}`);
  console.log(
    `lateness p50 ${percentile(lateness, 50).toFixed(0)} ms, p99 ${percentile(lateness, 99).toFixed(0)} ms, max ${percentile(lateness, 100).toFixed(0)} ms`,
  );
  await jobs.stop();
  await db.close();
  await admin.end();
});
// Agenda leaves timers behind after stop(); the benchmark is done.
process.exit(0);
