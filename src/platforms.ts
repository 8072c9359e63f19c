/**
 * A chat platform plugs into the service through this seam: HTTP routes (Slack's /slack/events),
 * notification transports (its DMs and channel posts), and a connection. src/main.ts assembles the
 * configured platforms; nothing else knows which exist.
 *
 * A platform that cannot be reached must not keep the service down: the REST API, jobs and e-mail
 * start without it, and `keepConnecting` attaches it in the background once it answers.
 */
import type { PlatformState, PlatformStates } from './app/health.js';
import type { CommitFollower } from './chat/follow.js';
import type { ChatPort } from './chat/port.js';
import type { Config } from './config.js';
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from './log.js';
import { coerceError } from './log.js';
import type { Transport } from './notify/transport.js';

export interface PlatformContext {
  config: Config;
  /** What chat front ends may use of the service (src/chat/port.ts); not the pool, not the use cases' deps. */
  chat: ChatPort;
  log: Logger;
}

export interface Platform {
  name: string;
  /** How people call it in log lines ("Slack", "Discord"). */
  label: string;
  /** Its routes on the service's HTTP server (Fastify plugin), if it takes requests there. */
  routes?: FastifyPluginAsync;
  transports: Transport[];
  /**
   * One attempt to connect (check the credentials, open the gateway or Socket Mode), made by
   * `keepConnecting` at start-up and again while it fails. Throws PlatformRefused when retrying cannot help. `report` is told
   * when an established connection drops and comes back (the SDK reconnects by itself).
   */
  connect(report: (state: PlatformState) => void): Promise<void>;
  /** What it shows of a reservation that follows every commit (src/chat/follow.ts): DM prompts, guild events. */
  followers?: CommitFollower[];
  stop(): Promise<void>;
}

/** Returns undefined, after saying so once, when the platform is not configured. */
export type PlatformFactory = (context: PlatformContext) => Promise<Platform | undefined>;

/** The platform turned the credentials down: only a new setting (and a restart) can help. */
export class PlatformRefused extends Error {
  constructor(
    message: string,
    /** What the operator should do, in one clause. */
    readonly fix: string,
  ) {
    super(message);
    this.name = 'PlatformRefused';
  }
}

export interface ConnectOptions {
  /** How long start-up waits for the first attempt before going on without the platform (default 10 s). */
  firstAttemptMs?: number;
  /** The wait after the first failure; it doubles up to `longestWaitMs` (default 2 s, 5 min). */
  firstWaitMs?: number;
  longestWaitMs?: number;
}

export interface Connection {
  /** Settles when the first attempt has, or after `firstAttemptMs`; never rejects. */
  started: Promise<void>;
  /** Stops retrying, then disconnects the platform. */
  stop(): Promise<void>;
}

/**
 * Connects the platform, and keeps trying in the background (with backoff and jitter) while it
 * cannot be reached. Says so in one line when it starts without the platform, and in one when the
 * platform is attached; the attempts between are logged at debug level.
 */
export function keepConnecting(
  platform: Platform,
  states: PlatformStates,
  log: Logger,
  options: ConnectOptions = {},
): Connection {
  const { firstAttemptMs = 10_000, firstWaitMs = 2_000, longestWaitMs = 300_000 } = options;
  let stopped = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let attempt: Promise<void> | undefined;
  const set = (state: PlatformState) => {
    if (!stopped) states.set(platform.name, state);
  };

  const tryOnce = async (): Promise<void> => {
    try {
      await platform.connect(set);
      if (stopped) return;
      set('connected');
      if (failures > 0) log.info(`${platform.label} is connected now, after ${failures} failed attempt(s)`);
    } catch (thrown) {
      if (stopped) return;
      const error = coerceError(thrown);
      if (error instanceof PlatformRefused) {
        set('failed');
        log.error(`${platform.label} refused to connect: ${error.message}; running without it — ${error.fix}`);
        return;
      }
      failures++;
      const waitMs = Math.round(
        Math.min(firstWaitMs * 2 ** (failures - 1), longestWaitMs) * (0.8 + 0.4 * Math.random()),
      );
      if (failures === 1)
        log.warn(
          `${platform.label} cannot be reached (${error.message}); running without it and retrying in the background`,
        );
      else log.debug(`${platform.label} still cannot be reached`, { attempt: failures, error: error.message, waitMs });
      set('connecting');
      timer = setTimeout(() => {
        attempt = tryOnce();
      }, waitMs);
      timer.unref();
    }
  };

  set('connecting');
  attempt = tryOnce();
  const started = new Promise<void>((resolve) => {
    const waited = setTimeout(() => {
      log.warn(`${platform.label} has not answered yet; running without it until it does`);
      resolve();
    }, firstAttemptMs);
    waited.unref();
    void attempt!.finally(() => {
      clearTimeout(waited);
      resolve();
    });
  });

  return {
    started,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      // An attempt in flight may finish first (for a few seconds), so that what it opened is closed below.
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([attempt, new Promise((resolve) => (waited = setTimeout(resolve, 5_000)))]);
      clearTimeout(waited);
      await platform.stop();
    },
  };
}
