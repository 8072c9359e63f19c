/**
 * Every setting Slotcast reads, parsed once from the environment (and `.env` when present) into
 * one typed object. Defaults are documented here, next to each setting. A bad value stops
 * start-up with one line naming the variable; secret values are never echoed.
 */
import type { ReminderSettings } from './domain/schedule.js';
import { z } from 'zod';
import { parseDuration } from './domain/duration.js';
import type { Policy } from './domain/policy.js';

/**
 * A duration setting. Zero is refused unless `zero` says what it means: a lease, a poll interval
 * or a window of 0 would claim messages twice, spin, or lapse every booking on the spot.
 */
const duration = (fallback: string, options: { zero?: 'allowed' } = {}) =>
  z
    .string()
    .default(fallback)
    .transform((text, context) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        context.addIssue({ code: 'custom', message: `must be a duration like 30m, 24h or 90d (got "${text}")` });
        return z.NEVER;
      }
      if (ms === 0 && options.zero !== 'allowed') {
        context.addIssue({ code: 'custom', message: `must be longer than 0 (got "${text}")` });
        return z.NEVER;
      }
      return ms;
    });

const integer = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be a whole number from ${min} to ${max}`)
    .max(max, `must be a whole number from ${min} to ${max}`)
    .default(fallback);

const url = (protocols: string[]) =>
  z.string().refine(
    (text) => {
      try {
        return protocols.includes(new URL(text).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL` },
  );

const ENV = z.object({
  /** PostgreSQL to use. Unset: an embedded PostgreSQL in DATA_DIR/postgres, started and stopped with the service. */
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  /** Where local state lives: the embedded database, e-mails written to files (default ./.data). */
  DATA_DIR: z.string().min(1).default('./.data'),
  /** HTTP port (default 3000; 0 picks a free one). */
  PORT: integer(3000, 0, 65535),
  /** Interface to listen on (default 127.0.0.1; 0.0.0.0 to accept outside connections). */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Base URL people reach this service at, used in links (default http://HOST:PORT). */
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  /** How long a web sign-in link (`/reserve open`, `slotcast open`) can be used (default 15m). */
  WEB_LINK_TTL: duration('15m'),
  /** How long a browser stays signed in to the web pages (default 12h). */
  WEB_SESSION_TTL: duration('12h'),
  /** debug | info | warn | error (default info). */
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** json | pretty (default: pretty when stderr is a terminal, JSON lines otherwise). */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  /**
   * Bearer token for GET /metrics (default unset: /metrics answers loopback requests only).
   * Secret: never logged.
   */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters.').optional(),

  /** How long before the start a reservation must be reconfirmed (default 24h; 0: by the start). */
  RECONFIRM_LEAD: duration('24h', { zero: 'allowed' }),
  /** The least time an organizer gets to reconfirm a short-notice reservation (default 15m). */
  RECONFIRM_MIN_WINDOW: duration('15m'),
  /** Longest reservation (default 12h). */
  MAX_DURATION: duration('12h'),
  /** How far ahead reservations may start (default 90d). */
  BOOKING_HORIZON: duration('90d'),
  /** Most invitees (e-mails + channels) per reservation (default 500). */
  MAX_INVITEES: integer(500, 1, 5000),
  /** reconfirm: invitations on reconfirmation (claim 6). permit-and-reconfirm: also at permission (claim 7). */
  NOTIFY_MODE: z.enum(['reconfirm', 'permit-and-reconfirm']).default('reconfirm'),
  /** Reminder DM to the organizer this long before the reconfirmation deadline (default 2h). */
  RECONFIRM_REMINDER: duration('2h'),
  /** Reminder to viewers this long before the start (default 15m). */
  VIEWER_REMINDER: duration('15m'),
  /** The organizer is told once when nobody has streamed this long after the start (default 10m; enforced servers). */
  NO_SHOW_AFTER: duration('10m'),

  /** SMTP server for e-mail, smtp:// or smtps:// with auth in the URL. Unset: e-mails are written as .eml files to DATA_DIR/outbox. */
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  /** Sender of every e-mail (default "Slotcast <slotcast@localhost>"). */
  MAIL_FROM: z.string().min(3).default('Slotcast <slotcast@localhost>'),
  /** Time zone used to write times in e-mails, besides UTC (default UTC). */
  MAIL_TIME_ZONE: z
    .string()
    .default('UTC')
    .refine((zone) => isTimeZone(zone), { message: 'must be an IANA time zone such as Europe/Berlin' }),

  /** Slack app over HTTP (/slack/events): both needed. */
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-/, { message: 'must be a bot token starting with xoxb-' })
    .optional(),
  /** Slack Socket Mode instead of HTTP: an app-level token (xapp-…). */
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, { message: 'must be an app-level token starting with xapp-' })
    .optional(),
  /** Slack Web API base URL (default https://slack.com/api/); for proxies and tests. */
  SLACK_API_URL: url(['http:', 'https:']).optional(),

  /** Discord bot: both needed. */
  DISCORD_TOKEN: z.string().min(1).optional(),
  DISCORD_APPLICATION_ID: z
    .string()
    .regex(/^\d{17,20}$/, { message: 'must be a Discord application id (digits)' })
    .optional(),
  /** Discord REST base URL (default https://discord.com/api); for proxies and tests. */
  DISCORD_API_URL: url(['http:', 'https:']).optional(),
  /** Guild to register commands in at start (instant updates); unset: register them with `slotcast discord register`. */
  DISCORD_GUILD_ID: z
    .string()
    .regex(/^\d{17,20}$/, { message: 'must be a Discord guild id (digits)' })
    .optional(),

  /** Run the job processor in this process (default true); `slotcast worker` runs only the processor. */
  JOBS: z.enum(['on', 'off']).default('on'),
  /** How many jobs of one kind a process runs at once (default 50). */
  JOB_CONCURRENCY: integer(50, 1, 1000),
  /** How often the job processor also polls, besides LISTEN/NOTIFY wake-ups (default 5s). */
  JOB_POLL_EVERY: duration('5s'),
  /** How often the outbox sweeper re-enqueues rows left pending (default 30s). */
  OUTBOX_SWEEP_EVERY: duration('30s'),
  /** How long a worker holds the outbox rows it is sending; a dead worker's rows are retried after this (default 60s). */
  DELIVERY_LEASE: duration('60s'),
  /** Messages each worker sends at once (default 20). */
  DELIVERY_CONCURRENCY: integer(20, 1, 500),
  /** How long to gather a fan-out's permanent failures before reporting them to the organizer (default 30s; 0: at once). */
  FAILURE_REPORT_DELAY: duration('30s', { zero: 'allowed' }),

  /** embedded: run node-media-server inside the service, as the server named "embedded" (default); off: none. */
  STREAMING: z.enum(['embedded', 'off']).default('embedded'),
  /** RTMP port of the embedded server (default 1935; 0 picks a free one). */
  RTMP_PORT: integer(1935, 0, 65535),
  /** Interface RTMP listens on (default: HOST; 0.0.0.0 for encoders on other machines). Its HTTP side is always loopback. */
  RTMP_HOST: z.string().min(1).optional(),
  /** The ingest URL organizers are given, when encoders reach RTMP by another name (default rtmp://RTMP_HOST:port/live). */
  RTMP_PUBLIC_URL: url(['rtmp:', 'rtmps:']).optional(),
  /**
   * The name of the embedded server this instance runs (default embedded). Each instance that
   * runs one on a shared database needs a name of its own: a second instance with a name already
   * running refuses to start.
   */
  EMBEDDED_NAME: z
    .string()
    .regex(/^[A-Za-z0-9][\w.-]{0,62}$/, 'EMBEDDED_NAME must be 1–63 letters, digits, ".", "_" or "-".')
    .default('embedded'),
  /** The embedded server's set-up/teardown buffer, applied at every start (default 2m). */
  EMBEDDED_BUFFER: duration('2m', { zero: 'allowed' }),
});

export type Env = z.infer<typeof ENV>;

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  http: { port: number; host: string; publicUrl: string | undefined; metricsToken: string | undefined };
  web: { linkTtlMs: number; sessionTtlMs: number };
  logLevel: Env['LOG_LEVEL'];
  logFormat: Env['LOG_FORMAT'];
  policy: Policy;
  reminders: ReminderSettings;
  mail: { smtpUrl: string | undefined; from: string; timeZone: string };
  slack:
    | { signingSecret: string; botToken: string; appToken: string | undefined; apiUrl: string | undefined }
    | undefined;
  discord:
    | { token: string; applicationId: string; apiUrl: string | undefined; guildId: string | undefined }
    | undefined;
  jobs: {
    enabled: boolean;
    concurrency: number;
    pollEveryMs: number;
    sweepEveryMs: number;
    deliveryLeaseMs: number;
    deliveryConcurrency: number;
    failureReportDelayMs: number;
  };
  streaming: {
    embedded: boolean;
    rtmpPort: number;
    rtmpHost: string;
    rtmpPublicUrl: string | undefined;
    embeddedBufferMs: number;
    embeddedName: string;
  };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
    message = `Invalid configuration: ${variable} ${detail}`,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The settings a listener's port and interface come from, to name them when it cannot listen. */
export interface ListenSettings {
  port: 'PORT' | 'RTMP_PORT';
  host: 'HOST' | 'RTMP_HOST';
}

/**
 * What a listener that could not start says: a port already taken (another Slotcast, another RTMP
 * server), one that needs root, or an interface this machine does not have — each as one line
 * naming the setting to change, instead of Node's `listen EADDRINUSE … 1935`. Other errors are
 * returned as they are.
 */
export function listenFailure(settings: ListenSettings, host: string, port: number, thrown: unknown): Error {
  const code = (thrown as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const fix = `set ${settings.port} to a free port (0 picks one)`;
  const detail =
    code === 'EADDRINUSE'
      ? `${where} is already in use: stop what listens there, or ${fix}.`
      : code === 'EACCES'
        ? `${where} needs privileges this process lacks (ports below 1024 need root): ${fix}.`
        : code === 'EADDRNOTAVAIL'
          ? `${host} is not an address of this machine: set ${settings.host} to one of its addresses (0.0.0.0: all of them).`
          : undefined;
  if (!detail) return thrown instanceof Error ? thrown : new Error(String(thrown));
  const variable = code === 'EADDRNOTAVAIL' ? settings.host : settings.port;
  return new ConfigError(variable, detail, `Cannot listen on ${settings.port}=${port}: ${detail}`);
}

/** Builds the config from an environment (process.env by default). Throws ConfigError on the first bad variable. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset, as in most .env conventions.
  const present = Object.fromEntries(
    Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = ENV.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(variable, issue.message);
  }
  const env = parsed.data;
  return {
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    http: {
      port: env.PORT,
      host: env.HOST,
      publicUrl: env.PUBLIC_URL?.replace(/\/+$/, ''),
      metricsToken: env.METRICS_TOKEN,
    },
    web: { linkTtlMs: env.WEB_LINK_TTL, sessionTtlMs: env.WEB_SESSION_TTL },
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
    policy: {
      reconfirmLeadMs: env.RECONFIRM_LEAD,
      reconfirmMinWindowMs: env.RECONFIRM_MIN_WINDOW,
      maxDurationMs: env.MAX_DURATION,
      horizonMs: env.BOOKING_HORIZON,
      maxInvitees: env.MAX_INVITEES,
      notifyMode: env.NOTIFY_MODE === 'permit-and-reconfirm' ? 'permit_and_reconfirm' : 'reconfirm',
    },
    reminders: {
      reconfirmBeforeDeadlineMs: env.RECONFIRM_REMINDER,
      viewersBeforeStartMs: env.VIEWER_REMINDER,
      noShowAfterMs: env.NO_SHOW_AFTER,
    },
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, timeZone: env.MAIL_TIME_ZONE },
    slack: slackSettings(env),
    discord: discordSettings(env),
    jobs: {
      enabled: env.JOBS === 'on',
      concurrency: env.JOB_CONCURRENCY,
      pollEveryMs: env.JOB_POLL_EVERY,
      sweepEveryMs: env.OUTBOX_SWEEP_EVERY,
      deliveryLeaseMs: env.DELIVERY_LEASE,
      deliveryConcurrency: env.DELIVERY_CONCURRENCY,
      failureReportDelayMs: env.FAILURE_REPORT_DELAY,
    },
    streaming: {
      embedded: env.STREAMING === 'embedded',
      rtmpPort: env.RTMP_PORT,
      rtmpHost: env.RTMP_HOST ?? env.HOST,
      rtmpPublicUrl: env.RTMP_PUBLIC_URL?.replace(/\/+$/, ''),
      embeddedBufferMs: env.EMBEDDED_BUFFER,
      embeddedName: env.EMBEDDED_NAME,
    },
  };
}

function slackSettings(env: Env): Config['slack'] {
  const { SLACK_SIGNING_SECRET: signingSecret, SLACK_BOT_TOKEN: botToken, SLACK_APP_TOKEN: appToken } = env;
  if (!signingSecret && !botToken && !appToken) return undefined;
  if (!botToken) throw new ConfigError('SLACK_BOT_TOKEN', 'is required when other SLACK_ settings are set');
  if (!signingSecret && !appToken) {
    throw new ConfigError(
      'SLACK_SIGNING_SECRET',
      'is required for the HTTP receiver (or set SLACK_APP_TOKEN for Socket Mode)',
    );
  }
  return { signingSecret: signingSecret ?? '', botToken, appToken, apiUrl: env.SLACK_API_URL };
}

function discordSettings(env: Env): Config['discord'] {
  const { DISCORD_TOKEN: token, DISCORD_APPLICATION_ID: applicationId } = env;
  if (!token && !applicationId) return undefined;
  if (!token) throw new ConfigError('DISCORD_TOKEN', 'is required when DISCORD_APPLICATION_ID is set');
  if (!applicationId) throw new ConfigError('DISCORD_APPLICATION_ID', 'is required when DISCORD_TOKEN is set');
  return { token, applicationId, apiUrl: env.DISCORD_API_URL, guildId: env.DISCORD_GUILD_ID };
}

/** Reads `.env` into process.env (real environment variables win), then builds the config. */
export async function loadConfigFromEnvironment(): Promise<Config> {
  const dotenv = await import('dotenv');
  dotenv.config({ quiet: true });
  return loadConfig(process.env);
}

/** Where the service is reached when PUBLIC_URL is unset: where it is configured to listen. */
export function configuredUrl(config: Config): string {
  return config.http.publicUrl ?? `http://${config.http.host}:${config.http.port}`;
}
