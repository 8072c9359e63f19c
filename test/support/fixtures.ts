/**
 * Fixture factories with overrides: the defaults make a valid thing, a test changes only what
 * it is about.
 */
import { noMetrics } from '../../src/app/metrics.js';
import type { AppDeps } from '../../src/app/deps.js';
import type { CommittedEvent } from '../../src/app/events.js';
import { PlatformStates } from '../../src/app/health.js';
import { randomSecrets } from '../../src/app/secrets.js';
import type { RequestCommand } from '../../src/app/commands.js';
import type { Policy } from '../../src/domain/policy.js';
import type { Actor } from '../../src/domain/reservation.js';
import { silentLogger } from '../../src/log.js';
import type { Db, DbHandle } from '../../src/store/client.js';
import { ServerDirectory } from '../../src/store/servers.js';

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

export const defaultPolicy: Policy = {
  reconfirmLeadMs: 24 * HOUR,
  reconfirmMinWindowMs: 15 * MINUTE,
  maxDurationMs: 12 * HOUR,
  horizonMs: 90 * 24 * HOUR,
  maxInvitees: 500,
  notifyMode: 'reconfirm',
};

/** A clock a test can move. */
export class TestClock {
  constructor(private current: Date = new Date()) {}
  now = (): Date => new Date(this.current);
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
  set(date: Date): void {
    this.current = new Date(date);
  }
}

export function makeDeps(
  database: Pick<DbHandle, 'prisma' | 'pool'>,
  overrides: Partial<AppDeps> = {},
): AppDeps & { events: CommittedEvent[] } {
  const events: CommittedEvent[] = [];
  return {
    db: database.prisma,
    pool: database.pool,
    servers: new ServerDirectory(database.pool),
    policy: defaultPolicy,
    clock: () => new Date(),
    secrets: randomSecrets,
    log: silentLogger,
    publicUrl: () => 'http://slotcast.test',
    web: { linkTtlMs: 15 * MINUTE, sessionTtlMs: 12 * HOUR },
    listeners: [(event) => void events.push(event)],
    platformStates: new PlatformStates(),
    metrics: noMetrics,
    ...overrides,
    events,
  };
}

let actorCounter = 0;
export function makeActor(overrides: Partial<Actor> = {}): Actor {
  actorCounter += 1;
  return {
    platform: 'api',
    tenantId: 'api',
    userId: `user-${actorCounter}`,
    name: `Organizer ${actorCounter}`,
    isAdmin: false,
    email: `organizer${actorCounter}@example.org`,
    ...overrides,
  };
}

export const adminActor: Actor = { platform: 'api', tenantId: 'api', userId: 'admin', name: 'Admin', isAdmin: true };

let serverCounter = 0;
export async function makeServer(
  db: Db,
  overrides: Partial<{
    name: string;
    capacity: number;
    bufferSeconds: number;
    kind: 'embedded' | 'nginx_rtmp' | 'mediamtx' | 'external';
    active: boolean;
    playbackBaseUrl: string;
    ingestBaseUrl: string;
  }> = {},
) {
  serverCounter += 1;
  return db.distributionServer.create({
    data: {
      name: `server-${serverCounter}-${Math.random().toString(36).slice(2, 7)}`,
      ingestBaseUrl: 'rtmp://ingest.example.org/live',
      playbackBaseUrl: 'https://watch.example.org/hls',
      ...overrides,
    },
  });
}

/** A valid request starting `startInMs` from now and lasting `lengthMs`. */
export function makeRequest(
  server: string,
  overrides: Partial<RequestCommand> & { startInMs?: number; lengthMs?: number } = {},
): RequestCommand {
  const { startInMs = 48 * HOUR, lengthMs = HOUR, ...rest } = overrides;
  const startsAt = new Date(Math.ceil((Date.now() + startInMs) / MINUTE) * MINUTE);
  return {
    server,
    title: 'Quarterly all-hands',
    description: null,
    startsAt,
    endsAt: new Date(startsAt.getTime() + lengthMs),
    emails: ['viewer1@example.org', 'viewer2@example.org'],
    slackChannels: [],
    discordChannels: [],
    ...rest,
  };
}

/** Waits for a condition, checking it again after every tick of `intervalMs`; never a blind sleep. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`Condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
