/**
 * What every use case needs, assembled once by the composition root (src/main.ts) or a test.
 */
import type { Policy } from '../domain/policy.js';
import type { Logger } from '../log.js';
import type pg from 'pg';
import type { Db } from '../store/client.js';
import type { ServerDirectory } from '../store/servers.js';
import type { CommitListener } from './events.js';
import type { PlatformStates } from './health.js';
import type { Metrics } from './metrics.js';

export interface Secrets {
  /** A short human code such as R-7K3Q (`length` characters after the R-, 4 by default). */
  reservationCode(length?: number): string;
  /** A viewing passcode (claim 3) for people to type. */
  passcode(): string;
  /** An unguessable stream key. */
  streamKey(): string;
}

/** The web pages' sign-in links and sessions (src/app/web-access.ts). */
export interface WebSettings {
  /** How long a sign-in link can be used (WEB_LINK_TTL, default 15 minutes). */
  linkTtlMs: number;
  /** How long a browser stays signed in (WEB_SESSION_TTL, default 12 hours). */
  sessionTtlMs: number;
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
  /**
   * Where people reach the service, without a trailing slash (PUBLIC_URL, else where it listens):
   * the base of links to the web pages. A function: with PORT=0 it is known only once listening.
   */
  publicUrl: () => string;
  web: WebSettings;
  /** Told after every committed use case; the composition root (src/main.ts) subscribes the job runtime. */
  listeners: CommitListener[];
  /** Each chat platform's connection state, for GET /healthz (src/app/health.ts). */
  platformStates: PlatformStates;
  /** What the service counts and times, for GET /metrics (src/http/metrics.ts). */
  metrics: Metrics;
}
