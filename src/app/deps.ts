/**
 * What every use case needs, assembled once by the composition root (src/main.ts) or a test.
 */
import type { Policy } from '../domain/policy.js';
import type { Reservation } from '../domain/reservation.js';
import type { Logger } from '../log.js';
import type pg from 'pg';
import type { Db } from '../store/client.js';
import type { ServerDirectory } from '../store/servers.js';

export type ReservationEventKind =
  | 'requested'
  | 'reconfirmed'
  | 'changed'
  | 'cancelled'
  | 'lapsed'
  | 'started'
  | 'completed';

/** Told after a use case's transaction has committed. */
export interface CommittedEvent {
  kind: ReservationEventKind;
  reservation: Reservation;
  /** Outbox rows the transaction wrote, ready to be delivered. */
  notificationIds: string[];
}

/**
 * The seam for later layers: the job queue schedules deadlines and reminders and enqueues
 * deliveries from here. A failing listener must not undo a committed use case, so errors are
 * logged, not thrown (the outbox sweeper catches whatever a failed listener missed).
 */
export type CommitListener = (event: CommittedEvent) => void | Promise<void>;

export interface Secrets {
  /** A short human code such as R-7K3Q (`length` characters after the R-, 4 by default). */
  reservationCode(length?: number): string;
  /** A viewing passcode (claim 3) for people to type. */
  passcode(): string;
  /** An unguessable stream key. */
  streamKey(): string;
}

export interface AppDeps {
  /** Prisma, for operator CRUD (servers, tokens). */
  db: Db;
  /** Plain SQL for the use cases; the same connections as `db`. */
  pool: pg.Pool;
  /** The distribution servers, cached briefly (they change rarely; requests need them always). */
  servers: ServerDirectory;
  policy: Policy;
  clock: () => Date;
  secrets: Secrets;
  log: Logger;
  listeners: CommitListener[];
}

export async function announce(deps: Pick<AppDeps, 'listeners' | 'log'>, event: CommittedEvent): Promise<void> {
  for (const listener of deps.listeners) {
    try {
      await listener(event);
    } catch (error) {
      deps.log.error('a listener failed after commit', {
        event: event.kind,
        reservation: event.reservation.code,
        error,
      });
    }
  }
}
