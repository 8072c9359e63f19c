/**
 * BENCH_EXPLAIN=1 npm run bench:scale — the plan of every statement src/store runs, at a million
 * stored reservations (and a million each of notifications, audit entries and chat messages,
 * loaded here: the outbox and the audit trail grow with history too).
 *
 * The statements are not copied out of src/store, where they could drift from what runs: the use
 * cases and store functions themselves run, on a pool whose every statement is first run under
 * EXPLAIN (ANALYZE) and rolled back, then run for real. All of it happens in one transaction that
 * is rolled back at the end, so the 1M database is left as it was. The use cases' own BEGIN,
 * COMMIT and ROLLBACK become savepoints inside it.
 */
import type pg from 'pg';
import { changeReservation } from '../src/app/change.js';
import type { AppDeps } from '../src/app/deps.js';
import type { Outcome } from '../src/app/outcome.js';
import {
  cancelReservation,
  completeReservation,
  lapseReservation,
  reconfirmReservation,
  startReservation,
} from '../src/app/lifecycle.js';
import { getReservation, listReservations } from '../src/app/queries.js';
import { remind, reportDeliveryFailures } from '../src/app/reminders.js';
import { requestReservation } from '../src/app/request.js';
import type { Actor } from '../src/domain/reservation.js';
import { findChatMessage, saveChatMessage } from '../src/store/chat-messages.js';
import {
  claimNotifications,
  duePendingIds,
  markFailed,
  markRetry,
  markSent,
  takeUnreportedFailures,
} from '../src/store/notifications.js';
import { bookings, listReservationRows } from '../src/store/reservations.js';
import { ServerDirectory } from '../src/store/servers.js';
import { setUserZone, setWorkspaceNotifyMode, storedZones, workspaceNotifyMode } from '../src/store/settings.js';
import { statement } from '../src/store/sql.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Tables that grow with history: a sequential scan of one of them is a finding. */
const LARGE_TABLES = /Seq Scan on (reservation|notification|audit_entry|chat_message)\b/;
const SCAN =
  /((?:Parallel )?(?:Seq Scan|Index Scan|Index Only Scan|Bitmap Index Scan|Insert|Update)(?: Backward)?(?: using \S+)? on \S+)/;

interface Explained {
  text: string;
  labels: Set<string>;
  plan: string[];
  error?: string;
}

/** The outbox, audit trail and chat messages of the stored history: one row each per reservation. */
export async function loadSideTables(pool: pg.Pool): Promise<void> {
  await pool.query(
    `INSERT INTO notification (id, reservation_id, event, channel, recipient, dedupe_key, payload, status, attempts,
       next_attempt_at, last_error, reported_at, created_at, sent_at)
     SELECT gen_random_uuid(), r.id, 'invitation_confirmed', 'email', 'viewer-' || (n % 1000) || '@example.org',
       'history:' || r.id, '{}'::jsonb, CASE WHEN n % 100 = 0 THEN 'failed' ELSE 'sent' END::"DeliveryStatus", 1,
       r.reconfirm_deadline, CASE WHEN n % 100 = 0 THEN 'mailbox unavailable' END,
       CASE WHEN n % 100 = 0 THEN r.reconfirm_deadline END, r.reconfirm_deadline, r.reconfirm_deadline
     FROM (SELECT r.*, row_number() OVER () AS n FROM reservation r) r`,
  );
  await pool.query(
    `INSERT INTO audit_entry (reservation_id, actor_platform, actor_tenant_id, actor_user_id, actor_name, action, details, created_at)
     SELECT id, organizer_platform, organizer_tenant_id, organizer_user_id, organizer_name, 'requested', '{}'::jsonb, created_at
     FROM reservation`,
  );
  await pool.query(
    `INSERT INTO chat_message (id, reservation_id, platform, channel_id, message_id, purpose, updated_at)
     SELECT gen_random_uuid(), id, 'slack', 'C0HISTORY', code, 'invitation', now() FROM reservation`,
  );
  await pool.query('VACUUM ANALYZE notification, audit_entry, chat_message');
}

/**
 * A pool-shaped stand-in over one connection: every statement is explained (in a savepoint rolled
 * back at once, since EXPLAIN ANALYZE executes it), then run in a savepoint of its own, so a
 * statement that fails on purpose (the exclusion constraint refusing a booking) fails as it would,
 * without ending the surrounding transaction.
 */
class ExplainingPool {
  readonly explained = new Map<string, Explained>();
  label = '';
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: pg.PoolClient) {}

  asPool(): pg.Pool {
    const query = (config: string | pg.QueryConfig, values?: unknown[]) => this.query(config, values);
    const connection = { query, release: () => {} };
    return { query, connect: async () => connection } as unknown as pg.Pool;
  }

  query(config: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult> {
    // One connection: a statement's explain-and-run must not interleave with another's.
    const run = this.queue.then(() => this.explainAndRun(config, values));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async explainAndRun(config: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult> {
    const text = (typeof config === 'string' ? config : config.text).trim();
    const params = typeof config === 'string' ? values : config.values;
    const control = TRANSACTION_CONTROL[text];
    if (control) {
      for (const command of control) await this.client.query(command);
      return { rows: [], rowCount: 0, command: text, oid: 0, fields: [] };
    }
    await this.explain(text, params);
    await this.client.query('SAVEPOINT statement');
    try {
      const result = await this.client.query(config as pg.QueryConfig, values);
      await this.client.query('RELEASE SAVEPOINT statement');
      return result;
    } catch (error) {
      await this.client.query('ROLLBACK TO SAVEPOINT statement');
      throw error;
    }
  }

  private async explain(text: string, params: unknown[] | undefined): Promise<void> {
    let entry = this.explained.get(text);
    if (!entry) {
      entry = { text, labels: new Set(), plan: [] };
      this.explained.set(text, entry);
    }
    entry.labels.add(this.label);
    if (entry.plan.length > 0) return;
    await this.client.query('SAVEPOINT explain');
    try {
      const { rows } = await this.client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, params);
      entry.plan = rows.map((row) => String(row['QUERY PLAN']));
      entry.error = undefined;
    } catch (error) {
      // Kept for the record (an exclusion violation is a refusal being decided); a later run may plan it.
      entry.error = (error as Error).message;
    } finally {
      await this.client.query('ROLLBACK TO SAVEPOINT explain');
    }
  }
}

/** What the use cases' transaction statements become inside the one surrounding transaction. */
const TRANSACTION_CONTROL: Record<string, string[]> = {
  BEGIN: ['SAVEPOINT use_case'],
  COMMIT: ['RELEASE SAVEPOINT use_case'],
  ROLLBACK: ['ROLLBACK TO SAVEPOINT use_case', 'RELEASE SAVEPOINT use_case'],
};

/** The two statements of the deadline clock (src/jobs/deadlines.ts keeps them private), word for word. */
const DEADLINE_CLOCK = [
  `SELECT id FROM reservation WHERE status = 'permitted' AND reconfirm_deadline <= now() ORDER BY reconfirm_deadline LIMIT $1`,
  `SELECT min(reconfirm_deadline) AS next FROM reservation WHERE status = 'permitted'`,
];

export interface ExplainWorld {
  deps: AppDeps;
  requests: string;
  serverIds: string[];
  codes: string[];
}

export async function explainStore(
  realPool: pg.Pool,
  world: ExplainWorld,
  actors: { owner: Actor; admin: Actor; booker: Actor },
): Promise<{ statements: number; findings: string[] }> {
  const client = await realPool.connect();
  const explaining = new ExplainingPool(client);
  const pool = explaining.asPool();
  const deps: AppDeps = { ...world.deps, pool, servers: new ServerDirectory(pool), listeners: [] };
  const at = (clock: number): AppDeps => ({ ...deps, clock: () => new Date(clock) });
  const step = <T>(label: string, work: () => Promise<T>): Promise<T> => {
    explaining.label = label;
    return work();
  };
  const { owner, admin, booker } = actors;
  const start = Date.now() + 390 * DAY; // past what the timed decisions booked, within the horizon
  const request = (offsetHours: number, title: string) => ({
    server: world.requests,
    title,
    startsAt: new Date(start + offsetHours * HOUR),
    endsAt: new Date(start + (offsetHours + 1) * HOUR),
    emails: ['viewer@example.org'],
    slackChannels: ['C0EXPLAIN1'],
    discordChannels: [],
  });
  const booked = async <T>(outcome: Promise<Outcome<T>>): Promise<T> => {
    const result = await outcome;
    if (!result.ok) throw new Error(`explain: ${result.message}`);
    return result.value;
  };
  try {
    await client.query('BEGIN');
    const a = await step('request', () =>
      booked(requestReservation(deps, booker, request(0, 'Explain A'), { requestKey: 'explain-a' })),
    );
    await step('request, replayed key', () =>
      requestReservation(deps, booker, request(0, 'Explain A'), { requestKey: 'explain-a' }),
    );
    const b = await step('request', () => booked(requestReservation(deps, booker, request(10, 'Explain B'))));
    const c = await step('request', () => booked(requestReservation(deps, booker, request(20, 'Explain C'))));
    await step('refusal (alternatives, audit)', () => requestReservation(deps, booker, request(10, 'Clash')));
    await step('get by code', () => getReservation(deps, owner, world.codes[0]!));
    await step('get by id', () => getReservation(deps, booker, a.id));
    await step('change time and title', () =>
      changeReservation(deps, booker, a.code, {
        title: 'Explain A, moved',
        startsAt: new Date(start + 2 * HOUR),
        endsAt: new Date(start + 3 * HOUR),
      }),
    );
    await step('reconfirm', () => reconfirmReservation(deps, booker, a.code));
    await step('start reminder', () => remind(deps, a.id, 'start_reminder', a.version + 2));
    await step('start', () => startReservation(at(start + 2 * HOUR + 60_000), a.id));
    await step('complete', () => completeReservation(at(start + 3 * HOUR + 60_000), a.id));
    await step('reconfirm reminder', () => remind(deps, b.id, 'reconfirm_reminder', b.version));
    await step('cancel', () => cancelReservation(deps, booker, b.code, { reason: 'explain' }));
    await step('lapse', () => lapseReservation(at(c.reconfirmDeadline.getTime() + 60_000), c.id));

    const now = new Date();
    const week = { from: now, to: new Date(now.getTime() + 7 * DAY), limit: 100 };
    await step('list from/to (API)', () => listReservations(deps, owner, week));
    await step('list from/to, API admin', () => listReservations(deps, admin, week));
    await step('list from/to on a server', () => listReservations(deps, admin, { ...week, server: world.requests }));
    await step('list active from now (App Home, Slack /reserve list)', () =>
      listReservations(deps, owner, { from: now, status: ['permitted', 'confirmed', 'live'], limit: 16 }),
    );
    await step('list active (Discord /reserve list)', () =>
      listReservations(deps, owner, { status: ['permitted', 'confirmed', 'live'], limit: 10 }),
    );
    await step('list everything (CLI)', () => listReservations(deps, admin, { limit: 100 }));
    await step('sweeper: overdue permitted', () =>
      listReservationRows(pool, { statuses: ['permitted'], to: now, limit: 200 }),
    );
    await step('availability', () =>
      bookings(pool, world.serverIds.slice(0, 2), { start: now.getTime() + DAY, end: now.getTime() + 2 * DAY }),
    );

    const ids = (
      await client.query<{ id: string }>('SELECT id FROM notification WHERE reservation_id = $1', [a.id])
    ).rows.map((row) => row.id);
    await step('delivery: claim', () => claimNotifications(pool, ids, 60_000));
    await step('delivery: sent', () => markSent(pool, ids[0]!, 'provider-1'));
    await step('delivery: retry', () => markRetry(pool, ids[1]!, new Date(now.getTime() + 60_000), 'try again'));
    await step('delivery: failed', () => markFailed(pool, ids[2]!, 'mailbox unavailable'));
    await step('delivery: failure report', () => reportDeliveryFailures(deps, a.id));
    await step('delivery: failures taken', () => takeUnreportedFailures(pool, a.id));
    await step('sweeper: due pending', () => duePendingIds(pool, 5_000, 1_000));
    const chat = {
      reservationId: a.id,
      platform: 'slack' as const,
      channelId: 'C0EXPLAIN1',
      purpose: 'invitation' as const,
    };
    await step('chat: find message', () => findChatMessage(pool, chat));
    await step('chat: save message', () => saveChatMessage(pool, { ...chat, messageId: '1700000000.000100' }));
    await step('settings: notify mode', () => workspaceNotifyMode(pool, 'slack', 'T0EXPLAIN'));
    await step('settings: set notify mode', () =>
      setWorkspaceNotifyMode(pool, 'slack', 'T0EXPLAIN', 'permit_and_reconfirm'),
    );
    await step('settings: zones', () => storedZones(pool, 'discord', 'G1', 'U1'));
    await step('settings: set zone', () => setUserZone(pool, 'discord', 'G1', 'U1', 'Asia/Tokyo'));
    for (const text of DEADLINE_CLOCK)
      await step('deadline clock', () => pool.query(statement(text, text.includes('$1') ? [500] : [])));
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
  return report([...explaining.explained.values()]);
}

function report(entries: Explained[]): { statements: number; findings: string[] } {
  const findings: string[] = [];
  console.log(`\nEXPLAIN (ANALYZE, BUFFERS) of ${entries.length} distinct statements at 1M rows`);
  console.log(`${'time'.padStart(9)}  scans  ← used by`);
  for (const entry of entries) {
    const time = /Execution Time: ([\d.]+) ms/.exec(entry.plan.join('\n'))?.[1];
    const scans = [...new Set(entry.plan.map((line) => SCAN.exec(line)?.[1]).filter(Boolean))];
    const large = entry.plan.filter((line) => LARGE_TABLES.test(line));
    const labels = [...entry.labels].join('; ');
    if (large.length > 0) findings.push(`${labels}: ${large.map((line) => line.trim()).join(', ')}`);
    if (entry.error) findings.push(`${labels}: not planned (${entry.error})`);
    const shown = scans.length > 0 ? scans.join(', ') : entry.error ? `(${entry.error})` : '(no table read)';
    console.log(`${(time ? `${time} ms` : '—').padStart(9)}  ${shown}  ← ${labels}`);
  }
  console.log(
    findings.length === 0
      ? 'No sequential scan of a table that grows with history.'
      : `Findings:\n${findings.map((f) => `  ${f}`).join('\n')}`,
  );
  if (process.env.BENCH_EXPLAIN === 'full')
    for (const entry of entries)
      console.log(`\n-- ${[...entry.labels].join('; ')}\n${entry.text}\n${entry.plan.join('\n') || entry.error}`);
  return { statements: entries.length, findings };
}
