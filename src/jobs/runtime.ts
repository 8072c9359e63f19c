/**
 * The job queue: Agenda on the same PostgreSQL (LISTEN/NOTIFY wakes workers within
 * milliseconds). It keeps every reservation's deadline, reminders and start/end transitions
 * scheduled, delivers the outbox, and sweeps up what a crash left behind.
 *
 * Jobs are persisted, so they survive restarts; each re-reads the reservation and does nothing
 * when it no longer applies, so a stale job is harmless.
 */
import { hostname } from 'node:os';
import { PostgresBackend } from '@agendajs/postgres-backend';
import { Agenda } from 'agenda';
import type { AppDeps } from '../app/deps.js';
import type { CommitListener } from '../app/events.js';
import { KEEPS_TIMERS } from '../app/events.js';
import { lapseReservation, startReservation } from '../app/lifecycle.js';
import { finishReservation, tellNoShow } from '../app/stream.js';
import { remind, reportDeliveryFailures } from '../app/reminders.js';
import type { Config } from '../config.js';
import type { ReservationJob } from '../domain/schedule.js';
import { jobsFor } from '../domain/schedule.js';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';
import type { Transport } from '../notify/transport.js';
import type { Database } from '../store/database.js';
import { duePendingIds } from '../store/notifications.js';
import { listReservationRows } from '../store/reservations.js';
import { announceDeadline, DeadlineClock } from './deadlines.js';
import { DeliveryWorker } from './delivery.js';
import { JobNotifications } from './notifications.js';
import type { JobName } from './queue.js';
import { RepeatedErrors } from './repeated-errors.js';
import { JobQueue } from './queue.js';

export interface Jobs {
  queue: JobQueue;
  delivery: DeliveryWorker;
  /**
   * Delivers what a committed use case queued and keeps its reservation's timers right. The
   * composition root subscribes it to the use cases' events (AppDeps.listeners) before `start`.
   */
  onCommit: CommitListener;
  /** Connects to the queue; in a processing process also starts the deadline clock and the workers. */
  start(): Promise<void>;
  /** Runs the sweeper once now (also runs on its own every `sweepEveryMs`). */
  sweep(): Promise<void>;
  stop(): Promise<void>;
}

export interface JobsContext {
  /** Run jobs here (true), or only enqueue them for workers elsewhere (false: JOBS=off). */
  process: boolean;
  config: Config;
  deps: AppDeps;
  transports: Transport[];
  log: Logger;
  database: Pick<Database, 'pool' | 'url'>;
}

const JOB_NAME: Record<Exclude<ReservationJob, 'deadline'>, JobName> = {
  'reconfirm-reminder': 'reservation.reconfirm-reminder',
  'viewer-reminder': 'reservation.viewer-reminder',
  start: 'reservation.start',
  end: 'reservation.end',
  'no-show': 'reservation.no-show',
};
// Deadlines are kept by the deadline clock, not by Agenda (see deadlines.ts).
const RESERVATION_JOB_NAMES = Object.values(JOB_NAME);

// Pending rows younger than this are left to the enqueue that follows their commit.
const SWEEP_GRACE_MS = 5_000;

export function createJobs({ process: processJobs, config, deps, transports, log, database }: JobsContext): Jobs {
  const settings = config.jobs;
  // The backend's own channel cannot survive a lost database (see notifications.ts).
  const backend = new PostgresBackend({ pool: database.pool, disableNotifications: true });
  const notifications = new JobNotifications(database.pool, log);
  const agenda = new Agenda({
    backend,
    notificationChannel: notifications,
    name: `${hostname()}:${process.pid}`,
    defaultConcurrency: settings.concurrency,
    maxConcurrency: settings.concurrency * 8,
    processEvery: settings.pollEveryMs,
    removeOnComplete: true,
  });
  // While the database is down every poll fails the same way: say so once in a while, not each time.
  const queueErrors = new RepeatedErrors(log, 'job queue error');
  agenda.on('error', (error) => queueErrors.report(coerceError(error)));
  agenda.on('fail', (error: unknown, job: { attrs: { name: string } }) =>
    log.error('job failed', { job: job.attrs.name, error: coerceError(error).message }),
  );
  const queue = new JobQueue(agenda);
  let clock: DeadlineClock | undefined;

  const delivery = new DeliveryWorker(
    database.pool,
    transports,
    { leaseMs: settings.deliveryLeaseMs, concurrency: settings.deliveryConcurrency, giveUpAfterMs: 24 * 3_600_000 },
    {
      retryLater: (ids, at) => queue.schedule('outbox.deliver', at, { ids }),
      failedForGood: async (reservationId) => {
        await queue.cancel(['outbox.report-failures'], reservationId);
        // The report waits a little so that the failures of one fan-out arrive in one report.
        await queue.schedule('outbox.report-failures', new Date(Date.now() + settings.failureReportDelayMs), {
          reservationId,
        });
      },
      metrics: deps.metrics,
    },
    log,
    deps.clock,
  );

  const deliverNow = async (ids: string[]) => {
    if (ids.length > 0) await queue.now('outbox.deliver', { ids });
  };

  /** Cancels a reservation's timed jobs and schedules the ones its state now needs. */
  const reschedule = async (reservation: Parameters<typeof jobsFor>[0] & { id: string; version: number }) => {
    await queue.cancel(RESERVATION_JOB_NAMES, reservation.id);
    for (const { job, at } of jobsFor(reservation, deps.clock(), config.reminders)) {
      if (job === 'deadline') {
        clock?.poke(at);
        await announceDeadline(database.pool, at);
        continue;
      }
      const name = JOB_NAME[job];
      const data = { reservationId: reservation.id, version: reservation.version };
      if (name === 'reservation.reconfirm-reminder' || name === 'reservation.viewer-reminder')
        await queue.schedule(name, at, data);
      else await queue.schedule(name, at, { reservationId: reservation.id });
    }
  };

  // After every committed use case: deliver what it queued, and keep its timers right.
  const onCommit: CommitListener = async (event) => {
    await deliverNow(event.notificationIds);
    if (!KEEPS_TIMERS.has(event.kind)) await reschedule(event.reservation);
  };

  queue.define('outbox.deliver', ({ ids }) => delivery.deliver(ids), { concurrency: settings.concurrency });
  queue.define('outbox.report-failures', async ({ reservationId }) =>
    deliverNow(await reportDeliveryFailures(deps, reservationId)),
  );
  queue.define('reservation.start', async ({ reservationId }) => void (await startReservation(deps, reservationId)));
  // Completes the reservation and, after a stream Slotcast enforced, summarizes its attendance.
  queue.define('reservation.end', ({ reservationId }) => finishReservation(deps, reservationId));
  queue.define('reservation.no-show', async ({ reservationId }) =>
    deliverNow(await tellNoShow(deps, reservationId, config.reminders.noShowAfterMs)),
  );
  queue.define('reservation.reconfirm-reminder', async ({ reservationId, version }) =>
    deliverNow(await remind(deps, reservationId, 'reconfirm_reminder', version)),
  );
  queue.define('reservation.viewer-reminder', async ({ reservationId, version }) =>
    deliverNow(await remind(deps, reservationId, 'start_reminder', version)),
  );

  /**
   * The safety net: re-enqueue outbox rows nobody is working on (a crash between commit and
   * enqueue, a worker killed mid-send), and run transitions whose job was never scheduled.
   */
  const sweep = async () => {
    const ids = await duePendingIds(database.pool, SWEEP_GRACE_MS, 1_000);
    await deliverNow(ids);
    const now = deps.clock();
    const overdue = await listReservationRows(database.pool, { statuses: ['permitted'], to: now, limit: 200 });
    for (const reservation of overdue.filter((r) => r.reconfirmDeadline.getTime() <= now.getTime()))
      await lapseReservation(deps, reservation.id);
  };
  // A worker that dies while sweeping must not stop the sweeps for long: the lock expires soon.
  queue.define('outbox.sweep', sweep, { concurrency: 1, lockLifetime: Math.max(5_000, settings.sweepEveryMs * 2) });

  const start = async () => {
    await agenda.ready;
    // Removing a reservation's jobs matches on their data; without this index every change would
    // scan all jobs.
    await database.pool.query(
      'CREATE INDEX IF NOT EXISTS slotcast_agenda_jobs_data_idx ON agenda_jobs USING gin (data jsonb_path_ops)',
    );
    if (!processJobs) {
      // Agenda connects its NOTIFY channel only in start(); an enqueue-only process must connect it
      // itself, or the workers elsewhere hear of new jobs only at their next poll.
      await notifications.connect();
      return;
    }
    clock = new DeadlineClock(deps, database.url, log);
    await clock.start();
    await agenda.start();
    // One repeating job for all processes ('every' keeps a single row for the name).
    await agenda.every(settings.sweepEveryMs, 'outbox.sweep', {}, { skipImmediate: false });
  };

  return {
    queue,
    delivery,
    onCommit,
    start,
    sweep,
    stop: async () => {
      await clock?.stop();
      // Lets running jobs finish (for up to 10 s) before the pool they use is closed, then closes
      // the LISTEN connection (the shared pool itself is closed by its owner).
      if (processJobs) await agenda.drain({ timeout: 10_000, closeConnection: true });
      // An Agenda that only enqueued was never started, and its stop() then closes nothing.
      if (!processJobs) await notifications.disconnect();
    },
  };
}
