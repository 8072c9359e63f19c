/**
 * npm run bench:reserve — permission decisions per second, 16 concurrent clients:
 *   raw         single-row INSERTs into an exclusion-constrained tstzrange table (the ceiling)
 *   uncontended requestReservation on 50 servers, non-overlapping times (nearly all permitted)
 *   contended   requestReservation on 2 servers, random 1-hour periods (mostly refused)
 * All on one embedded PostgreSQL with its default settings (fsync on), in the same run, so the
 * ratio compares like with like. Ends by checking that nothing is over-booked.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { requestReservation } from '../src/app/request.js';
import { silentLogger } from '../src/log.js';
import { buildDeps } from '../src/main.js';
import { loadConfig } from '../src/config.js';
import { openDb } from '../src/store/client.js';
import { startEmbeddedPostgres } from '../src/store/embedded.js';
import { migrate } from '../src/store/migrate.js';

const CLIENTS = 16;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const HOUR = 3_600_000;

async function runFor(seconds: number, clients: number, work: (client: number, iteration: number) => Promise<boolean>) {
  const until = Date.now() + seconds * 1000;
  let done = 0;
  let succeeded = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let iteration = 0; Date.now() < until; iteration++) {
        if (await work(client, iteration)) succeeded++;
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { done, succeeded, perSecond: done / elapsed };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'slotcast-bench-'));
  chmodSync(dataDir, 0o755);
  const embedded = await startEmbeddedPostgres(dataDir, silentLogger, 'bench');
  try {
    await migrate(embedded.url);
    const pool = new pg.Pool({ connectionString: embedded.url, max: CLIENTS });
    await pool.query('CREATE EXTENSION IF NOT EXISTS btree_gist');
    await pool.query(`CREATE TABLE raw_booking (id bigserial PRIMARY KEY, server_id int NOT NULL, period tstzrange NOT NULL,
      EXCLUDE USING gist (server_id WITH =, period WITH &&))`);

    // Raw ceiling: 50 servers, each client walks its own hours so inserts rarely conflict.
    let rawCounter = 0;
    const raw = await runFor(SECONDS, CLIENTS, async () => {
      const k = rawCounter++;
      const start = Date.now() + 48 * HOUR + Math.floor(k / 50) * HOUR;
      try {
        await pool.query('INSERT INTO raw_booking (server_id, period) VALUES ($1, tstzrange($2, $3))', [
          k % 50,
          new Date(start),
          new Date(start + HOUR),
        ]);
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === '23P01') return false;
        throw error;
      }
    });

    const db = openDb(embedded.url, { max: CLIENTS + 4 });
    // The service's own dependencies; a longer horizon leaves room for tens of thousands of bookings.
    const deps = buildDeps(loadConfig({ DATABASE_URL: embedded.url, BOOKING_HORIZON: '400d' }), db, silentLogger);
    const servers = await Promise.all(
      Array.from({ length: 52 }, (_, i) =>
        db.prisma.distributionServer.create({
          data: {
            name: `bench-${i}`,
            ingestBaseUrl: 'rtmp://in.example.org/live',
            playbackBaseUrl: 'https://watch.example.org/hls',
          },
        }),
      ),
    );
    const actor = {
      platform: 'api' as const,
      tenantId: 'api',
      userId: 'bench',
      name: 'bench',
      isAdmin: false,
      email: 'bench@example.org',
    };
    const base = Date.now() + 48 * HOUR;

    /** One booking decision for an hour from `start`; true when permitted. */
    const book = async (server: string, start: number) => {
      const outcome = await requestReservation(deps, actor, {
        server,
        title: 'Bench',
        startsAt: new Date(start),
        endsAt: new Date(start + HOUR),
        emails: ['viewer@example.org'],
        slackChannels: [],
        discordChannels: [],
      });
      return outcome.ok;
    };

    let uncontendedCounter = 0;
    const uncontended = await runFor(SECONDS, CLIENTS, async () => {
      const k = uncontendedCounter++;
      const start = base + Math.floor(k / 50) * HOUR;
      return book(servers[k % 50]!.name, start);
    });

    const contendedServers = [servers[50]!.name, servers[51]!.name];
    const contended = await runFor(SECONDS, CLIENTS, async (client, iteration) => {
      const minute = Math.floor(Math.random() * 10 * 24 * 60);
      const start = base + minute * 60_000;
      return book(contendedServers[(client + iteration) % 2]!, start);
    });

    const overbooked = await pool.query(`
      SELECT count(*)::int AS n FROM reservation a JOIN reservation b
        ON a.server_id = b.server_id AND a.id < b.id AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
      WHERE a.status IN ('permitted','confirmed','live') AND b.status IN ('permitted','confirmed','live')`);

    const line = (name: string, result: { done: number; succeeded: number; perSecond: number }, extra = '') =>
      console.log(
        `${name.padEnd(12)} ${result.perSecond.toFixed(0).padStart(6)}/s  (${result.done} in ${SECONDS}s, ${result.succeeded} succeeded)${extra}`,
      );
    console.log(
      `bench:reserve — ${CLIENTS} concurrent clients, ${SECONDS}s per case, PostgreSQL ${(await pool.query('SHOW server_version')).rows[0].server_version}, fsync on`,
    );
    line('raw insert', raw);
    line('uncontended', uncontended, `  ratio ${((uncontended.perSecond / raw.perSecond) * 100).toFixed(0)}% of raw`);
    line('contended', contended, `  ratio ${((contended.perSecond / raw.perSecond) * 100).toFixed(0)}% of raw`);
    console.log(`over-booked pairs: ${overbooked.rows[0].n}`);
    await db.close();
    await pool.end();
    if (overbooked.rows[0].n !== 0) process.exitCode = 1;
  } finally {
    await embedded.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
