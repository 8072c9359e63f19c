/**
 * What GET /healthz reports: whether the database answers, and each chat platform's state.
 *
 * - 200 `ok`: the database answers and every configured platform is connected.
 * - 200 `degraded`: the database answers, but a platform is still connecting (it is retried in
 *   the background) or refused the credentials. The REST API, jobs and e-mail work; a load
 *   balancer should keep sending traffic.
 * - 503 `unavailable`: the database does not answer. Nothing that needs it can succeed; the
 *   service reconnects by itself when it is back.
 */
import type pg from 'pg';

/**
 * connecting: the first attempt, or waiting for the next one after a failure; connected: in use;
 * failed: refused for good (a revoked or wrong token) — only a new setting and a restart help.
 */
export type PlatformState = 'connecting' | 'connected' | 'failed';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'unavailable';
  database: 'up' | 'down';
  /** Configured platforms only, by name (slack, discord). */
  platforms: Record<string, PlatformState>;
}

/** The platforms' states, written by whoever connects them (src/platforms.ts), read by the probe. */
export class PlatformStates {
  private readonly states = new Map<string, PlatformState>();

  set(name: string, state: PlatformState): void {
    this.states.set(name, state);
  }

  get(name: string): PlatformState | undefined {
    return this.states.get(name);
  }

  snapshot(): Record<string, PlatformState> {
    return Object.fromEntries(this.states);
  }
}

/** A database that has not answered `SELECT 1` by then is reported down. */
const PROBE_TIMEOUT_MS = 3_000;

export async function checkHealth(deps: {
  pool: pg.Pool;
  platformStates: PlatformStates;
}): Promise<{ httpStatus: 200 | 503; report: HealthReport }> {
  const database = (await databaseAnswers(deps.pool)) ? 'up' : 'down';
  const platforms = deps.platformStates.snapshot();
  const allConnected = Object.values(platforms).every((state) => state === 'connected');
  const status = database === 'down' ? 'unavailable' : allConnected ? 'ok' : 'degraded';
  return { httpStatus: database === 'up' ? 200 : 503, report: { status, database, platforms } };
}

async function databaseAnswers(pool: pg.Pool): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
  });
  const probe = pool.query('SELECT 1').then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
