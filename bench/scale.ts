/**
 * npm run bench:scale — does a request, a refusal, a read and a listing stay as fast with a
 * million stored reservations as with a thousand? One embedded PostgreSQL (default settings,
 * fsync on) holds two databases, one bulk-loaded to 1,000 reservations and one to 1,000,000;
 * every operation is timed on both in turn, call by call, and the ratios printed. History is what
 * piles up, the present does not: both times the same 500 future confirmed bookings spread over
 * 90 days, the rest past (completed, cancelled, lapsed — they hold no slot, so the exclusion
 * constraint stays valid), one a minute going back from yesterday. So a listing returns the same
 * page at both sizes, and any difference is what the history costs.
 *
 * Operations (one client, sequential, after a warm-up):
 *   decision      requestReservation at a free time (permitted)
 *   refusal       requestReservation over a booked hour (refused, with the nearest free slots)
 *   get           getReservation by code, as the organizer
 *   list          listReservations from now to a week ahead, as the organizer (GET /api/v1/reservations?from=&to=)
 *   list admin    the same as an API admin (no organizer filter)
 *   list active   the organizer's permitted/confirmed/live from now (Slack's App Home, /reserve list)
 *
 * BENCH_EXPLAIN=1 then also explains every statement src/store runs, at 1M (see bench/explain.ts);
 * BENCH_EXPLAIN=full prints the whole plans.
 */
import pg from 'pg';
import type { AppDeps } from '../src/app/deps.js';
import { requestReservation } from '../src/app/request.js';
import { getReservation, listReservations } from '../src/app/queries.js';
import { loadConfig } from '../src/config.js';
import type { Actor } from '../src/domain/reservation.js';
import { silentLogger } from '../src/log.js';
import { buildDeps } from '../src/main.js';
import { openDb } from '../src/store/client.js';
import { migrate } from '../src/store/migrate.js';
import { explainStore, loadSideTables } from './explain.js';
import { percentile, withBenchDatabase } from './support.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 2_000);
const WARMUP = 30;
const SIZES = [1_000, 1_000_000];
const SERVERS = 50;
const ORGANIZERS = 100;
const FUTURE = 500;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const organizerId = (n: number) => `organizer-${n}`;
const owner: Actor = { platform: 'api', tenantId: 'api', userId: organizerId(0), name: 'bench', isAdmin: false };
const admin: Actor = { platform: 'api', tenantId: 'api', userId: 'admin', name: 'admin', isAdmin: true };
// Bookings the bench makes go to someone else, so they do not grow the lists it times.
const booker: Actor = { platform: 'api', tenantId: 'api', userId: 'booker', name: 'booker', isAdmin: false };

/**
 * Rows `from` to `to` (exclusive) of the synthetic history, in one INSERT … SELECT. Rows below
 * FUTURE are confirmed bookings, ten per server, nine days apart from tomorrow (never
 * overlapping), a tenth of them the bench organizer's; the others are past, a minute apart.
 */
async function load(pool: pg.Pool, from: number, to: number, serverIds: string[]): Promise<void> {
  await pool.query(
    `INSERT INTO reservation (id, code, title, server_id, organizer_platform, organizer_tenant_id, organizer_user_id,
       organizer_name, starts_at, ends_at, lane, occupied, status, notify_mode, reconfirm_deadline, passcode,
       stream_key, emails, slack_channels, discord_channels, version, updated_at)
     SELECT gen_random_uuid(), 'H-' || i, 'History ' || i, ($3::uuid[])[1 + i % ${SERVERS}], 'api', 'api',
       'organizer-' || (i % CASE WHEN i < ${FUTURE} THEN 10 ELSE ${ORGANIZERS} END), 'Organizer', t.starts_at,
       t.starts_at + interval '1 hour', 0,
       tstzrange(t.starts_at, t.starts_at + interval '1 hour'), t.status::"ReservationStatus", 'reconfirm',
       t.starts_at - interval '1 day', 'PASSCODE', 'sk_history_' || i, '{}', '{}', '{}', 2, now()
     FROM generate_series($1::int, $2::int - 1) AS i,
       LATERAL (SELECT
         CASE WHEN i < ${FUTURE}
           THEN date_trunc('hour', now()) + interval '1 day' + (i / ${SERVERS}) * interval '9 days' + (i % 24) * interval '1 hour'
           ELSE date_trunc('minute', now()) - interval '1 day' - i * interval '1 minute' END AS starts_at,
         CASE WHEN i < ${FUTURE} THEN 'confirmed' ELSE (ARRAY['completed', 'completed', 'cancelled', 'lapsed'])[1 + i % 4] END
           AS status) AS t`,
    [from, to, serverIds],
  );
  await pool.query('VACUUM ANALYZE reservation');
}

interface Timing {
  p50: number;
  p99: number;
}

/** One database of the cluster, filled to `size`, with the service's dependencies on it. */
interface World {
  size: number;
  db: ReturnType<typeof openDb>;
  deps: AppDeps;
  requests: string;
  serverIds: string[];
  codes: string[];
  booked: number;
}

async function makeWorld(url: string, size: number): Promise<World> {
  await migrate(url);
  const db = openDb(url, { max: 4 });
  const deps = buildDeps(loadConfig({ DATABASE_URL: url, BOOKING_HORIZON: '400d' }), db, silentLogger);
  const server = (name: string) =>
    db.prisma.distributionServer.create({
      data: { name, ingestBaseUrl: 'rtmp://in.example.org/live', playbackBaseUrl: 'https://watch.example.org/hls' },
    });
  const history = await Promise.all(Array.from({ length: SERVERS }, (_, i) => server(`history-${i}`)));
  const requests = await server('requests');
  const serverIds = history.map((row) => row.id);
  const started = performance.now();
  for (let from = 0; from < size; from += 250_000) await load(db.pool, from, Math.min(size, from + 250_000), serverIds);
  console.error(`loaded ${size.toLocaleString('en')} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const codes = (
    await db.pool.query<{ code: string }>(
      `SELECT code FROM reservation WHERE organizer_user_id = $1 ORDER BY random() LIMIT 100`,
      [owner.userId],
    )
  ).rows.map((row) => row.code);
  return { size, db, deps, requests: requests.name, serverIds, codes, booked: 0 };
}

/**
 * Times `operation` on every world in turn, call by call, so that whatever else the shared
 * machine does at a moment weighs on both sizes alike.
 */
async function timeInTurn(
  worlds: World[],
  operation: (world: World, iteration: number) => Promise<unknown>,
): Promise<Timing[]> {
  for (let i = 0; i < WARMUP; i++) for (const world of worlds) await operation(world, -1 - i);
  const samples = worlds.map((): number[] => []);
  for (let i = 0; i < ITERATIONS; i++) {
    for (const [index, world] of worlds.entries()) {
      const started = performance.now();
      await operation(world, i);
      samples[index]!.push(performance.now() - started);
    }
  }
  return samples.map((list) => {
    list.sort((a, b) => a - b);
    return { p50: percentile(list, 50), p99: percentile(list, 99) };
  });
}

const command = (world: World, start: number) => ({
  server: world.requests,
  title: 'Scale',
  startsAt: new Date(start),
  endsAt: new Date(start + HOUR),
  emails: ['viewer@example.org'],
  slackChannels: [],
  discordChannels: [],
});
const week = () => {
  const now = new Date();
  return { from: now, to: new Date(now.getTime() + 7 * DAY), limit: 100 };
};
const base = Date.now() + 200 * DAY;

const OPERATIONS: Array<[string, (world: World, iteration: number) => Promise<unknown>]> = [
  [
    'decision',
    async (world) => {
      const outcome = await requestReservation(world.deps, booker, command(world, base + world.booked++ * 2 * HOUR));
      if (!outcome.ok) throw new Error(`expected permitted: ${outcome.message}`);
    },
  ],
  [
    'refusal',
    async (world, i) => {
      const start = base + (Math.abs(i) % world.booked) * 2 * HOUR;
      const outcome = await requestReservation(world.deps, booker, command(world, start));
      if (outcome.ok || outcome.reason !== 'unavailable') throw new Error('expected a refusal');
    },
  ],
  [
    'get',
    async (world, i) => {
      const outcome = await getReservation(world.deps, owner, world.codes[Math.abs(i) % world.codes.length]!);
      if (!outcome.ok) throw new Error(outcome.message);
    },
  ],
  ['list', (world) => listReservations(world.deps, owner, week())],
  ['list admin', (world) => listReservations(world.deps, admin, week())],
  [
    'list active',
    (world) =>
      listReservations(world.deps, owner, { from: new Date(), status: ['permitted', 'confirmed', 'live'], limit: 16 }),
  ],
];

async function main() {
  await withBenchDatabase(async (url) => {
    // Two databases of one cluster: the same server, settings and moment for both sizes.
    const cluster = new pg.Client({ connectionString: url });
    await cluster.connect();
    const urls = SIZES.map((size) => {
      const other = new URL(url);
      other.pathname = `/scale_${size}`;
      return other.toString();
    });
    for (const size of SIZES) await cluster.query(`CREATE DATABASE scale_${size}`);
    await cluster.end();
    const worlds: World[] = [];
    for (const [index, size] of SIZES.entries()) worlds.push(await makeWorld(urls[index]!, size));

    const results = new Map<string, Timing[]>();
    for (const [name, operation] of OPERATIONS) results.set(name, await timeInTurn(worlds, operation));

    const large = worlds[worlds.length - 1]!;
    const version = (await large.db.pool.query('SHOW server_version')).rows[0].server_version;
    console.log(
      `bench:scale — ${ITERATIONS} calls per operation and size, taken in turn, after ${WARMUP} warm-up; PostgreSQL ${version}, fsync on`,
    );
    const ms = (value: number) => `${value.toFixed(1)} ms`.padStart(9);
    console.log(
      `${'operation'.padEnd(12)} ${'1k p50'.padStart(9)} ${'1k p99'.padStart(9)} ${'1M p50'.padStart(9)} ${'1M p99'.padStart(9)}  ratio p50  ratio p99`,
    );
    let worst = 0;
    for (const [name, [a, b]] of results) {
      const ratios = [b!.p50 / a!.p50, b!.p99 / a!.p99];
      worst = Math.max(worst, ...ratios);
      console.log(
        `${name.padEnd(12)} ${ms(a!.p50)} ${ms(a!.p99)} ${ms(b!.p50)} ${ms(b!.p99)}  ${ratios[0]!.toFixed(2).padStart(9)}  ${ratios[1]!.toFixed(2).padStart(9)}`,
      );
    }
    console.log(`worst ratio ${worst.toFixed(2)} (goal ≤ 2)`);
    if (process.env.BENCH_EXPLAIN) {
      const started = performance.now();
      await loadSideTables(large.db.pool);
      console.error(`loaded the side tables in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      await explainStore(large.db.pool, large, { owner, admin, booker });
    }
    for (const world of worlds) await world.db.close();
  });
}

await main();
