/**
 * The service outlives its database. `slotcast serve` runs as a process of its own on a
 * PostgreSQL of the test's own; the test terminates every session of the service, then stops
 * and starts the server itself. The process stays up, /healthz says what is going on, and once the
 * database is back the deadline clock, LISTEN/NOTIFY and delivery resume by themselves: a deadline
 * that fell due during the outage lapses, and e-mail queued before it goes out.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken } from '../src/app/tokens.js';
import type { DbHandle } from '../src/store/client.js';
import { openDb } from '../src/store/client.js';
import { HOUR, makeServer, waitFor } from './support/fixtures.js';
import type { PrivatePostgres } from './support/postgres.js';
import { startPrivatePostgres } from './support/postgres.js';
import type { TestSmtp } from './support/smtp.js';
import { startTestSmtp } from './support/smtp.js';

const ORGANIZER = 'outage-organizer@example.org';
/** The reservation's reconfirmation window: long enough to book and take the database down. */
const WINDOW_MS = 8_000;

let postgres: PrivatePostgres;
let smtp: TestSmtp;
let db: DbHandle;
let dataDir: string;
let service: ChildProcess;
let output = '';
let url: string;
let token: string;
let serverName: string;

beforeAll(async () => {
  postgres = await startPrivatePostgres();
  smtp = await startTestSmtp();
  dataDir = mkdtempSync(join(tmpdir(), 'slotcast-outage-'));
  chmodSync(dataDir, 0o755);
  service = spawn(process.execPath, ['bin/slotcast.js', 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: postgres.url,
      DATA_DIR: dataDir,
      PORT: '0',
      // A free RTMP port: the default 1935 may be held by another test's service at the same time.
      RTMP_PORT: '0',
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'info',
      RECONFIRM_LEAD: '48h',
      RECONFIRM_MIN_WINDOW: `${WINDOW_MS / 1000}s`,
      OUTBOX_SWEEP_EVERY: '1s',
      DELIVERY_LEASE: '3s',
      JOB_POLL_EVERY: '1s',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  service.stdout!.on('data', (chunk) => (output += chunk));
  service.stderr!.on('data', (chunk) => (output += chunk));
  url = (await waitFor(() => /listening on (http:\S+)/.exec(output)?.[1], 60_000)) as string;

  db = openDb(postgres.url, { max: 2 });
  const created = await createToken(db.prisma, { name: 'outage', admin: false, email: ORGANIZER });
  if (!created.ok) throw new Error(created.message);
  token = created.value.token;
  serverName = (await makeServer(db.prisma)).name;
}, 90_000);

afterAll(async () => {
  if (process.env.SHOW_OUTPUT) process.stdout.write(output);
  if (service.exitCode === null) service.kill('SIGKILL');
  await db?.close();
  await smtp?.close();
  await postgres?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function health(): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/healthz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function book(startInMs: number): Promise<{ id: string; reconfirmDeadline: string }> {
  const startsAt = new Date(Math.ceil((Date.now() + startInMs) / 60_000) * 60_000);
  const response = await fetch(`${url}/api/v1/reservations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      server: serverName,
      title: 'Through the outage',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + HOUR).toISOString(),
    }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { reservation: { id: string; reconfirmDeadline: string } }).reservation;
}

/** The service's sessions still running a LISTEN: Agenda's notification channel and the deadline clock. */
/** Agenda's, the deadline clock's and the streaming gate's (other instances' commits). */
const LISTENS = 3;

async function listeners(): Promise<string[]> {
  const rows = await postgres.admin<{ query: string }>(
    `SELECT query FROM pg_stat_activity WHERE datname = 'slotcast' AND query LIKE 'LISTEN %' ORDER BY query`,
  );
  return rows.map((row) => row.query);
}

const status = async (id: string) =>
  (await db.prisma.reservation.findUniqueOrThrow({ where: { id } })) as { status: string; updatedAt: Date };
const subjects = () => smtp.to(ORGANIZER).map((mail) => mail.parsed.subject ?? '');
/** On failure, shows what the service printed before it died. */
const expectAlive = () =>
  expect({
    exited: service.exitCode ?? service.signalCode,
    output: service.exitCode === null ? '' : output.slice(-3000),
  }).toEqual({ exited: null, output: '' });

/** waitFor, but giving up at once, with the service's last words, if the service exits. */
function waitWhileUp<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number) {
  return waitFor(async () => {
    if (service.exitCode !== null || service.signalCode !== null) return { died: output.slice(-3000) };
    return check();
  }, timeoutMs).then((value) => {
    expectAlive();
    return value as T;
  });
}

test('GIVEN every session terminated and then PostgreSQL stopped and started THEN the service stays up, answers 503 while it is down, and resumes its deadlines, LISTEN/NOTIFY and deliveries', async () => {
  expect(await health()).toMatchObject({ status: 200, body: { status: 'ok', database: 'up' } });
  await waitWhileUp(async () => (await listeners()).length === LISTENS, 15_000);

  // The permit prompt cannot be sent yet: it is queued, and retried.
  await smtp.stop();
  const reservation = await book(2 * HOUR);
  const deadline = new Date(reservation.reconfirmDeadline).getTime();
  expect(deadline - Date.now()).toBeLessThanOrEqual(WINDOW_MS);

  // Every session of the service killed from outside, as an administrator or a failover would.
  await postgres.admin(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'slotcast' AND pid <> pg_backend_pid()`,
  );
  // Both LISTENs come back on new sessions, and the service still answers.
  await waitWhileUp(async () => (await listeners()).length === LISTENS && (await health()).status === 200, 20_000);
  expectAlive();

  const downAt = Date.now();
  await postgres.stop();
  const down = await waitWhileUp(async () => {
    const answer = await health();
    return answer.status === 503 && answer;
  }, 15_000);
  expect(down.body).toMatchObject({ status: 'unavailable', database: 'down' });
  // The deadline falls due while the database is down.
  expect(Date.now()).toBeLessThan(deadline);
  await waitWhileUp(() => Date.now() > deadline + 1_000, WINDOW_MS + 5_000);
  expectAlive();

  await postgres.start();
  await smtp.start();
  await waitWhileUp(async () => (await health()).status === 200, 30_000);
  const lapsed = await waitWhileUp(async () => {
    const row = await status(reservation.id);
    return row.status === 'lapsed' && row;
  }, 30_000);
  expect(lapsed.updatedAt.getTime()).toBeGreaterThan(downAt);
  await waitWhileUp(() => subjects().some((subject) => /^Permitted:/.test(subject)), 30_000);
  await waitWhileUp(() => subjects().some((subject) => /^Lapsed:/.test(subject)), 30_000);
  await waitWhileUp(async () => (await listeners()).length === LISTENS, 15_000);

  // LISTEN/NOTIFY works again: a deadline moved from elsewhere reaches the clock by NOTIFY alone
  // (its timer is set an hour out, and the sweeper lapses only reservations that have started).
  const later = await book(50 * HOUR);
  await db.pool.query(`UPDATE reservation SET reconfirm_deadline = now() + interval '1 second' WHERE id = $1`, [
    later.id,
  ]);
  await db.pool.query(`SELECT pg_notify('slotcast_deadlines', $1)`, [new Date(Date.now() + 1_000).toISOString()]);
  await waitWhileUp(async () => (await status(later.id)).status === 'lapsed', 15_000);

  expectAlive();
  const exited = new Promise<number | null>((resolve) => service.once('exit', (code) => resolve(code)));
  service.kill('SIGTERM');
  const code = await exited;
  expect({ code, output: code === 0 ? '' : output.slice(-3000) }).toEqual({ code: 0, output: '' });
}, 150_000);
