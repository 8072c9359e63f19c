/**
 * What the streaming gate needs of the rest of the service, and nothing more: the database its
 * state lives in, the clock, the log, the metrics it reports, where to LISTEN for other
 * instances' commits, and the stream's use cases (src/app/stream.ts) bound to their deps.
 */
import type { AppDeps } from '../../app/deps.js';
import type { Metrics } from '../../app/metrics.js';
import type { PublishClaim, PublishRefusalRecord, PublishStart } from '../../app/stream.js';
import { claimPublish, finishReservation, publishRefused, summarizeStream } from '../../app/stream.js';
import type { Logger } from '../../log.js';
import type { Sql } from '../../store/sql.js';

export interface StreamRecords {
  claimPublish(start: PublishStart): Promise<PublishClaim>;
  publishRefused(refusal: PublishRefusalRecord): Promise<boolean>;
  /** The stream is over: complete it (window ended) or summarize it (cut for another reason). */
  windUp(reservationId: string, reason: string): Promise<void>;
}

export interface GatePort {
  sql: Sql;
  clock(): Date;
  log: Logger;
  metrics: Pick<Metrics, 'publishDecided'>;
  /** Where commits made by any instance are heard (LISTEN); none: this process's own only. */
  databaseUrl: string | undefined;
  records: StreamRecords;
}

export function gatePort(deps: AppDeps, databaseUrl: string | undefined): GatePort {
  return {
    sql: deps.pool,
    clock: deps.clock,
    log: deps.log,
    metrics: deps.metrics,
    databaseUrl,
    records: {
      claimPublish: (start) => claimPublish(deps, start),
      publishRefused: (refusal) => publishRefused(deps, refusal),
      windUp: async (reservationId, reason) => {
        if (reason === 'window_ended') await finishReservation(deps, reservationId);
        else await summarizeStream(deps, reservationId, reason);
      },
    },
  };
}
