/**
 * What the soak checks once the load has stopped and the last stream has ended, from the database
 * (nginx-config's output exposes no /stat page: publish sessions are read from publish_session),
 * the mail the SMTP server received and every process's log.
 */
import { summarizeAttendance } from '../../src/domain/admission.js';
import type { Fleet } from '../../test/support/fleet.js';
import type { TestSmtp } from '../../test/support/smtp.js';
import type { DriveRecord } from './drive.js';
import type { Fault } from './faults.js';

export interface Check {
  check: string;
  expected: string;
  measured: string;
  pass: boolean;
  /** Lines that explain a failure (rows, log lines). */
  evidence?: string[];
}

/** After an injected database outage, how long reconnecting may take before a late cut counts as late. */
const OUTAGE_TAIL_MS = 10_000;
const CUT_GOAL_MS = 1_000;

const seconds = (ms: number) => `${(ms / 1_000).toFixed(2)} s`;

export async function overBooking(fleet: Fleet): Promise<Check> {
  const rows = await fleet.db.pool.query<{ a: string; b: string; server: string; lane: number }>(
    `SELECT a.code AS a, b.code AS b, s.name AS server, a.lane FROM reservation a
     JOIN reservation b ON a.server_id = b.server_id AND a.lane = b.lane AND a.id < b.id AND a.occupied && b.occupied
     JOIN distribution_server s ON s.id = a.server_id
     WHERE a.status IN ('permitted','confirmed','live','completed') AND b.status IN ('permitted','confirmed','live','completed')`,
  );
  const lanes = await fleet.db.pool.query<{ code: string }>(
    `SELECT r.code FROM reservation r JOIN distribution_server s ON s.id = r.server_id WHERE r.lane >= s.capacity`,
  );
  const total = await fleet.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM reservation');
  return {
    check: 'no over-booking',
    expected: '0 overlapping slot holders on a lane, 0 lanes ≥ capacity',
    measured: `${rows.rowCount} overlaps, ${lanes.rowCount} beyond capacity (${total.rows[0]!.n} reservations)`,
    pass: rows.rowCount === 0 && lanes.rowCount === 0,
    evidence: rows.rows.map((row) => `${row.server} lane ${row.lane}: ${row.a} overlaps ${row.b}`),
  };
}

export async function notificationsOnce(fleet: Fleet, smtp: TestSmtp): Promise<Check[]> {
  const byMail = new Map<string, number>();
  for (const mail of smtp.received)
    for (const to of mail.to) {
      const key = `${to} ${mail.parsed.messageId}`;
      byMail.set(key, (byMail.get(key) ?? 0) + 1);
    }
  const duplicates = [...byMail].filter(([, count]) => count > 1);
  const sentAt = (key: string) =>
    smtp.received
      .filter((mail) => `${mail.to[0]} ${mail.parsed.messageId}` === key)
      .map((mail) => `${mail.parsed.date?.toISOString()} "${mail.parsed.subject}"`)
      .join(', ');
  const { rows } = await fleet.db.pool.query<{ id: string; recipient: string; status: string }>(
    `SELECT id, recipient, status FROM notification WHERE channel = 'email'`,
  );
  const sent = rows.filter((row) => row.status === 'sent');
  const unsettled = rows.filter((row) => row.status !== 'sent');
  const missing = sent.filter((row) => !byMail.has(`${row.recipient.toLowerCase()} <${row.id}@slotcast>`));
  const known = new Set(rows.map((row) => `${row.recipient.toLowerCase()} <${row.id}@slotcast>`));
  const strays = [...byMail.keys()].filter((key) => !known.has(key));
  const dedupe = await fleet.db.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT dedupe_key FROM notification GROUP BY dedupe_key HAVING count(*) > 1) d`,
  );
  return [
    {
      check: 'every notification once per recipient (mail)',
      expected: '0 duplicate Message-IDs per recipient, 0 outbox dedupe keys twice',
      measured: `${smtp.received.length} mails, ${duplicates.length} duplicated, ${dedupe.rows[0]!.n} dedupe keys twice`,
      pass: duplicates.length === 0 && dedupe.rows[0]!.n === '0',
      evidence: duplicates.slice(0, 10).map(([key, count]) => `${key} received ${count} times: ${sentAt(key)}`),
    },
    {
      check: 'every e-mail notification delivered',
      expected: '0 pending or failed at the end, 0 sent but not received, 0 received unknown',
      measured: `${sent.length} sent, ${unsettled.length} pending/failed, ${missing.length} not received, ${strays.length} unknown`,
      pass: unsettled.length === 0 && missing.length === 0 && strays.length === 0,
      evidence: [
        ...unsettled.slice(0, 5).map((row) => `outbox ${row.id} to ${row.recipient}: ${row.status}`),
        ...missing.slice(0, 5).map((row) => `outbox ${row.id} to ${row.recipient}: sent, not received`),
        ...strays.slice(0, 5).map((key) => `received ${key}: no outbox row`),
      ],
    },
  ];
}

export async function onePublisher(fleet: Fleet): Promise<Check> {
  const { rows } = await fleet.db.pool.query<{ code: string; a: Date; b: Date }>(
    `SELECT r.code, a.started_at AS a, b.started_at AS b FROM publish_session a
     JOIN publish_session b ON a.reservation_id = b.reservation_id AND a.id < b.id
       AND tstzrange(a.started_at, coalesce(a.ended_at, 'infinity'), '[)') && tstzrange(b.started_at, coalesce(b.ended_at, 'infinity'), '[)')
     JOIN reservation r ON r.id = a.reservation_id`,
  );
  const total = await fleet.db.pool.query<{ n: string; r: string }>(
    'SELECT count(*) AS n, count(DISTINCT reservation_id) AS r FROM publish_session',
  );
  return {
    check: 'at most one publisher per reservation at any instant',
    expected: '0 overlapping publish sessions',
    measured: `${rows.length} overlaps (${total.rows[0]!.n} sessions, ${total.rows[0]!.r} reservations)`,
    pass: rows.length === 0,
    evidence: rows
      .slice(0, 10)
      .map((row) => `${row.code}: sessions from ${row.a.toISOString()} and ${row.b.toISOString()}`),
  };
}

interface Late {
  code: string;
  cause: string;
  causeAt: number;
  lateMs: number;
  reason: string | null;
}

/**
 * Each publish session that was open when its cause came (the cancel's commit, as audited; the
 * window's end, end + buffer) must have ended within 1 s of it — outside an injected database
 * outage (its span plus OUTAGE_TAIL_MS); inside one, how late is reported. A session admitted
 * after its cause is a failure wherever it falls.
 */
export async function cutsInTime(fleet: Fleet, faults: Fault[]): Promise<Check[]> {
  const { rows } = await fleet.db.pool.query<{
    code: string;
    status: string;
    startedAt: Date;
    endedAt: Date | null;
    reason: string | null;
    cancelAt: Date | null;
    closesAt: Date;
  }>(
    `SELECT r.code, r.status, p.started_at AS "startedAt", coalesce(p.cut_at, p.ended_at) AS "endedAt",
            p.end_reason AS reason,
            (SELECT min(a.created_at) FROM audit_entry a WHERE a.reservation_id = r.id AND a.action = 'cancel') AS "cancelAt",
            r.ends_at + make_interval(secs => s.buffer_seconds) AS "closesAt"
     FROM publish_session p JOIN reservation r ON r.id = p.reservation_id JOIN distribution_server s ON s.id = r.server_id`,
  );
  const now = Date.now();
  const late: Late[] = [];
  const admittedAfter: string[] = [];
  let measured = 0;
  for (const row of rows) {
    const cause = row.cancelAt && row.cancelAt < row.closesAt ? 'cancel' : 'window end';
    const causeAt = (cause === 'cancel' ? row.cancelAt! : row.closesAt).getTime();
    const started = row.startedAt.getTime();
    const ended = row.endedAt?.getTime() ?? now;
    if (started >= causeAt) {
      admittedAfter.push(`${row.code}: admitted ${seconds(started - causeAt)} after its ${cause}`);
      continue;
    }
    if (ended < causeAt) continue;
    measured++;
    late.push({ code: row.code, cause, causeAt, lateMs: ended - causeAt, reason: row.reason });
  }
  const inOutage = (at: number) =>
    faults.some((fault) => fault.outage && at >= fault.from && at <= fault.to + OUTAGE_TAIL_MS);
  const outside = late.filter((entry) => !inOutage(entry.causeAt));
  const inside = late.filter((entry) => inOutage(entry.causeAt));
  const worst = (entries: Late[], cause: string) =>
    entries.filter((entry) => entry.cause === cause).reduce((max, entry) => Math.max(max, entry.lateMs), 0);
  const tooLate = outside.filter((entry) => entry.lateMs > CUT_GOAL_MS);
  const describe = (entry: Late) =>
    `${entry.code}: ${entry.cause} at ${new Date(entry.causeAt).toISOString()}, session ended ${seconds(entry.lateMs)} later (${entry.reason ?? 'still open'})`;
  return [
    {
      check: 'every cut within 1 s of its cause (outside DB outages)',
      expected: '≤ 1.00 s; 0 admitted after the cause',
      measured: `${outside.length} cuts: cancel max ${seconds(worst(outside, 'cancel'))}, window end max ${seconds(worst(outside, 'window end'))}; ${tooLate.length} late; ${admittedAfter.length} admitted after`,
      // A run that measured no cut at all proves nothing.
      pass: measured > 0 && tooLate.length === 0 && admittedAfter.length === 0,
      evidence: [...tooLate.map(describe), ...admittedAfter],
    },
    {
      check: 'cuts whose cause fell inside a DB outage (+10 s)',
      expected: 'reported (how late)',
      measured:
        inside.length === 0
          ? 'none fell inside'
          : `${inside.length} cuts, max ${seconds(Math.max(...inside.map((entry) => entry.lateMs)))}`,
      pass: true,
      evidence: inside.map(describe),
    },
  ];
}

/**
 * The same cuts as the publisher saw them: from the cause (the cancel's audited commit, or end +
 * buffer) to the end of the ffmpeg that was streaming then — for every stream whose publish session
 * was open at its cause. An ffmpeg the soak had to end itself (2–3 s after the cause) was not cut.
 */
export async function publishersCut(fleet: Fleet, record: DriveRecord, faults: Fault[]): Promise<Check> {
  const { rows } = await fleet.db.pool.query<{ id: string; cause: Date; open: boolean }>(
    `SELECT r.id, coalesce(
        (SELECT min(a.created_at) FROM audit_entry a WHERE a.reservation_id = r.id AND a.action = 'cancel'
           AND a.created_at < r.ends_at + make_interval(secs => s.buffer_seconds)),
        r.ends_at + make_interval(secs => s.buffer_seconds)) AS cause, false AS open
     FROM reservation r JOIN distribution_server s ON s.id = r.server_id WHERE r.id = ANY($1::uuid[])`,
    [record.streams.map((stream) => stream.id)],
  );
  const sessions = await fleet.db.pool.query<{ id: string; startedAt: Date; endedAt: Date | null }>(
    `SELECT reservation_id AS id, started_at AS "startedAt", coalesce(cut_at, ended_at) AS "endedAt" FROM publish_session`,
  );
  const inOutage = (at: number) =>
    faults.some((fault) => fault.outage && at >= fault.from && at <= fault.to + OUTAGE_TAIL_MS);
  const outside: number[] = [];
  const inside: number[] = [];
  const late: string[] = [];
  for (const row of rows) {
    const causeAt = row.cause.getTime();
    const open = sessions.rows.some(
      (session) =>
        session.id === row.id &&
        session.startedAt.getTime() < causeAt &&
        (session.endedAt === null || session.endedAt.getTime() >= causeAt),
    );
    if (!open) continue;
    const stream = record.streams.find((entry) => entry.id === row.id)!;
    const exit = stream.publisherExits.find((entry) => entry.at >= causeAt);
    if (!exit) continue;
    const lateMs = exit.at - causeAt;
    (inOutage(causeAt) ? inside : outside).push(lateMs);
    if ((exit.ours || lateMs > CUT_GOAL_MS) && !inOutage(causeAt))
      late.push(
        `${stream.code} on ${stream.server} (${stream.plan}): ffmpeg ended ${seconds(lateMs)} after the cause${exit.ours ? ', by the soak: not cut' : ''}`,
      );
  }
  const max = (values: number[]) => (values.length ? seconds(Math.max(...values)) : '–');
  const sorted = [...outside].sort((a, b) => a - b);
  return {
    check: 'publisher (ffmpeg) disconnected within 1 s of the cause',
    expected: '≤ 1.00 s outside DB outages',
    measured: `${outside.length} cuts: p50 ${sorted.length ? seconds(sorted[Math.floor(sorted.length / 2)]!) : '–'}, max ${max(outside)}; in outages ${inside.length}, max ${max(inside)}`,
    pass: late.length === 0 && outside.length > 0,
    evidence: late,
  };
}

export async function summaries(fleet: Fleet, record: DriveRecord): Promise<Check[]> {
  const streamed = await fleet.db.pool.query<{ id: string; code: string; status: string }>(
    `SELECT DISTINCT r.id, r.code, r.status FROM reservation r JOIN publish_session p ON p.reservation_id = r.id`,
  );
  const audits = await fleet.db.pool.query<{ id: string; details: { peakConcurrent: number }; at: Date }>(
    `SELECT reservation_id AS id, details, created_at AS at FROM audit_entry WHERE action = 'attendance_summarized'`,
  );
  const notices = await fleet.db.pool.query<{ id: string; n: string }>(
    `SELECT reservation_id AS id, count(*) AS n FROM notification WHERE event = 'attendance_summary' GROUP BY reservation_id`,
  );
  const stays = await fleet.db.pool.query<{
    id: string;
    joinedAt: Date;
    leftAt: Date | null;
    credential: string;
    ip: string;
    keyed: boolean;
  }>(
    `SELECT reservation_id AS id, joined_at AS "joinedAt", left_at AS "leftAt", credential, ip,
            session_key IS NOT NULL AS keyed
     FROM viewer_session ORDER BY joined_at`,
  );
  const wrong: string[] = [];
  const peaks: string[] = [];
  let matched = 0;
  let driverMatched = 0;
  for (const row of streamed.rows) {
    const own = audits.rows.filter((audit) => audit.id === row.id);
    const count = Number(notices.rows.find((notice) => notice.id === row.id)?.n ?? 0);
    if (!['completed', 'cancelled'].includes(row.status)) {
      wrong.push(`${row.code}: still ${row.status} after the drain`);
      continue;
    }
    if (own.length !== 1 || count !== 1) {
      wrong.push(`${row.code} (${row.status}): ${own.length} summaries audited, ${count} summary notifications`);
      continue;
    }
    const summary = own[0]!;
    // The rows as they are now, by the summary's own rule: a summary computed before a session
    // it counts was ended, or from a session that should not exist, differs from the viewers driven.
    const db = summarizeAttendance(
      stays.rows
        .filter((stay) => stay.id === row.id)
        .map((stay) => ({ ...stay, credential: stay.credential as 'token' | 'passcode', invitee: null })),
      summary.at,
    ).peakConcurrent;
    const driven = record.streams.find((stream) => stream.id === row.id);
    const watched = driven ? driven.viewers.filter((viewer) => viewer.watched).length : undefined;
    const peak = summary.details.peakConcurrent;
    if (peak === db) matched++;
    else peaks.push(`${row.code}: summary peak ${peak}, viewer sessions' peak ${db}`);
    if (watched === undefined || peak === watched) driverMatched++;
    else {
      peaks.push(
        `${row.code} on ${driven?.server} (${driven?.plan}): summary peak ${peak}, viewers that received data ${watched}; its viewer sessions:`,
      );
      for (const stay of stays.rows.filter((entry) => entry.id === row.id))
        peaks.push(
          `    ${stay.keyed ? 'keyed' : 'connection'} ${stay.credential} from ${stay.ip}: ${stay.joinedAt.toISOString()} … ${stay.leftAt?.toISOString() ?? 'open'}`,
        );
    }
  }
  const total = streamed.rows.length;
  return [
    {
      check: 'one attendance summary per stream',
      expected: `1 audited + 1 notification per streamed reservation`,
      measured: `${total - wrong.length}/${total}`,
      pass: wrong.length === 0 && total > 0,
      evidence: wrong,
    },
    {
      check: 'summary peak matches the viewer sessions',
      expected: `= peak of viewer_session rows; = viewers that received data`,
      measured: `${matched}/${total - wrong.length} match the rows, ${driverMatched}/${total - wrong.length} the viewers driven`,
      pass: peaks.length === 0,
      evidence: peaks,
    },
  ];
}

export async function lapsed(fleet: Fleet, record: DriveRecord): Promise<Check> {
  const { rows } = await fleet.db.pool.query<{ code: string; status: string }>(
    `SELECT code, status::text FROM reservation WHERE id = ANY($1::uuid[])`,
    [record.lapses],
  );
  const not = rows.filter((row) => row.status !== 'lapsed');
  const sessions = await fleet.db.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM publish_session WHERE reservation_id = ANY($1::uuid[])`,
    [record.lapses],
  );
  return {
    check: 'never-reconfirmed slots lapse, their publishes refused',
    expected: 'all lapsed, 0 publish sessions',
    measured: `${rows.length - not.length}/${rows.length} lapsed, ${sessions.rows[0]!.n} sessions`,
    pass: not.length === 0 && sessions.rows[0]!.n === '0' && rows.length > 0,
    evidence: not.map((row) => `${row.code}: ${row.status}`),
  };
}

/** Known stdout lines of `slotcast serve` / `worker`, and the harness's own markers. */
const EXPECTED_TEXT =
  /^(--- |Slotcast is listening|Slotcast worker is processing|Streaming: |Database: |No API tokens|\s+npx slotcast token)/;

export function logs(fleet: Fleet): Check[] {
  const lines = fleet.logs();
  const unhandled = lines.filter((line) => /unhandled|uncaught/i.test(line.msg) || line.level === 'fatal');
  const stray = [...fleet.instances, ...fleet.workers].flatMap((instance) =>
    instance
      .output()
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('{') && !EXPECTED_TEXT.test(line))
      .map((line) => `${instance.name}: ${line.slice(0, 300)}`),
  );
  const errors = new Map<string, number>();
  for (const line of lines.filter((entry) => entry.level === 'error'))
    errors.set(
      `${line.msg}${line.error ? `: ${String(line.error).slice(0, 80)}` : ''}`,
      (errors.get(line.msg) ?? 0) + 1,
    );
  return [
    {
      check: "no unhandled error ('unhandled rejection', uncaught, fatal, stray stderr)",
      expected: '0 lines',
      measured: `${unhandled.length} such log lines, ${stray.length} non-JSON lines (${lines.length} log lines)`,
      pass: unhandled.length === 0 && stray.length === 0,
      evidence: [
        ...unhandled.slice(0, 10).map((line) => `${line.instance}: ${JSON.stringify(line).slice(0, 300)}`),
        ...stray.slice(0, 10),
      ],
    },
    {
      check: 'error-level log lines (expected around faults)',
      expected: 'reported',
      measured: `${[...errors.values()].reduce((a, b) => a + b, 0)} lines, ${errors.size} kinds`,
      pass: true,
      evidence: [...errors].map(([msg, count]) => `${count}× ${msg}`),
    },
  ];
}

export function processes(fleet: Fleet, kills: Map<string, number>, others: Array<[string, boolean]>): Check {
  const wrong: string[] = [];
  for (const instance of [...fleet.instances, ...fleet.workers]) {
    const exits = (instance.output().match(/^--- instance .* exited/gm) ?? []).length;
    const killed = kills.get(instance.name) ?? 0;
    if (!instance.running) wrong.push(`${instance.name} is not running`);
    if (exits !== killed) wrong.push(`${instance.name} exited ${exits} times, killed ${killed}`);
  }
  for (const [name, up] of others) if (!up) wrong.push(`${name} is not running`);
  const killed = [...kills].map(([name, count]) => `${name}×${count}`).join(', ') || 'none';
  return {
    check: 'no process gone but the ones killed',
    expected: `exits = kills (${killed}); all up at the end`,
    measured: wrong.length === 0 ? 'as expected' : `${wrong.length} wrong`,
    pass: wrong.length === 0,
    evidence: wrong,
  };
}
