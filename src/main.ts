/**
 * The composition root: builds the service from configuration and starts it. The job queue,
 * the notification transports and the chat platforms are assembled here, and nowhere else.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './app/deps.js';
import { issueMailedLinks } from './app/web-access.js';
import { ChatFollower } from './chat/follow.js';
import { createChatPort } from './chat/port.js';
import type { Config } from './config.js';
import { configuredUrl, listenFailure } from './config.js';
import { discordPlatform } from './discord/index.js';
import { API_PREFIX, apiRoutes, healthRoutes } from './http/api.js';
import { closeApp, createHttpApp, listen } from './http/app.js';
import { metricsRoutes, PrometheusMetrics } from './http/metrics.js';
import type { Jobs } from './jobs/runtime.js';
import { createJobs } from './jobs/runtime.js';
import type { Logger } from './log.js';
import type { Transport } from './notify/transport.js';
import type { MailedLinks } from './notify/email/transport.js';
import { createEmailTransport, mailAddress } from './notify/email/transport.js';
import type { Platform } from './platforms.js';
import { keepConnecting } from './platforms.js';
import { slackPlatform } from './slack/index.js';
import type { Database } from './store/database.js';
import { openDatabase } from './store/database.js';
import { clearServiceUrl, recordServiceUrl } from './store/service-url.js';
import { webCookieKey } from './store/web-access.js';
import { webRoutes } from './web/routes.js';
import { createWebPort } from './web/port.js';
import type { Streaming } from './stream/index.js';
import { createStreaming } from './stream/index.js';
import { buildDeps } from './deps.js';

// Where the benches and older callers found it.
export { buildDeps };

export interface Service {
  deps: AppDeps;
  database: Database;
  /** The HTTP server (Fastify), unless this is a worker. */
  http: FastifyInstance | undefined;
  url: string | undefined;
  jobs: Jobs;
  platforms: Platform[];
  /** Redraws the organizer's chat prompts after every commit, when a chat platform is configured. */
  chatFollower: ChatFollower | undefined;
  /** The streaming gate and the embedded server, unless this is a worker. */
  streaming: Streaming | undefined;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  /** service: HTTP, chat apps and (unless JOBS=off) the job processor. worker: only the job processor. */
  role?: 'service' | 'worker';
}

/**
 * The sign-in links of an organizer's e-mail, made as it is sent so that the outbox never holds
 * them. A reservation the organizer can no longer see (gone) gets none; a failure to make them is
 * thrown, and the delivery is retried.
 */
function mailedLinksFor(deps: AppDeps): MailedLinks {
  return async (message) => {
    const r = message.reservation;
    const issued = await issueMailedLinks(deps, {
      organizer: r.organizer,
      email: message.recipient.recipient,
      code: r.code,
      ...(r.status === 'permitted' ? { reconfirmBy: new Date(r.reconfirmDeadline) } : {}),
      endsAt: new Date(r.endsAt),
    });
    return issued.ok ? issued.value : {};
  };
}

export async function startService(config: Config, log: Logger, options: ServiceOptions = {}): Promise<Service> {
  const role = options.role ?? 'service';
  const database = await openDatabase(config, log);
  // Stopped last to first: inbound first (HTTP, chat connections), then the jobs, the outbound
  // transports, and the database — whose embedded server goes down only when nothing uses it.
  const stops: Array<() => Promise<void>> = [() => database.close()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      await stop().catch((error: unknown) => log.error('stopping failed', { error: (error as Error).message }));
    }
  };
  try {
    // Known for sure once the server listens (PORT=0 picks a port); until then, as configured.
    let listeningAt: string | undefined;
    const metrics = new PrometheusMetrics(database.pool);
    const deps = buildDeps(config, database, log, () => listeningAt ?? configuredUrl(config), metrics);
    deps.listeners.push(metrics.onCommit);
    // Chat front ends get the narrow port, not the deps with the pool.
    const context = { config, chat: createChatPort(deps), log };
    const platforms = (await Promise.all([slackPlatform(context), discordPlatform(context)])).filter(
      (p): p is Platform => p !== undefined,
    );
    const transports: Transport[] = [
      await createEmailTransport(config, log, deps.publicUrl, mailedLinksFor(deps)),
      ...platforms.flatMap((platform) => platform.transports),
    ];
    stops.push(async () => {
      for (const transport of transports) await transport.close?.();
    });

    // The organizer's prompts follow every commit, whoever made it (src/chat/follow.ts).
    const followed = platforms.flatMap((platform) => platform.followers ?? []);
    const chatFollower = followed.length > 0 ? new ChatFollower(followed, database.url, log) : undefined;
    if (chatFollower) {
      await chatFollower.start();
      stops.push(() => chatFollower.stop());
    }

    // Even with JOBS=off the service enqueues jobs; workers elsewhere run them.
    const jobs: Jobs = createJobs({
      process: role === 'worker' || config.jobs.enabled,
      config,
      deps,
      transports,
      log,
      database,
    });
    // Every committed use case reaches the job runtime: it delivers the notifications the use case
    // queued and reschedules the reservation's deadline, reminders and start/end.
    deps.listeners.push(jobs.onCommit);
    stops.push(async () => {
      deps.listeners.splice(deps.listeners.indexOf(jobs.onCommit), 1);
      await jobs.stop();
    });
    await jobs.start();

    let http: FastifyInstance | undefined;
    let url: string | undefined;
    let streaming: Streaming | undefined;
    if (role === 'service') {
      // A worker only delivers, which needs no chat connection; the service connects each
      // platform, and starts without one that cannot be reached (it is attached when it answers).
      const connections = platforms.map((platform) => keepConnecting(platform, deps.platformStates, log));
      stops.push(async () => {
        await Promise.all(connections.map((connection) => connection.stop()));
      });
      streaming = createStreaming(config, deps, log, { databaseUrl: database.url });
      const stream = streaming;
      const app = await createHttpApp(log, { observe: (observation) => metrics.httpRequest(observation) });
      http = app;
      stops.push(() => closeApp(app));
      await app.register(healthRoutes, { deps });
      await app.register(metricsRoutes, { metrics, token: config.http.metricsToken });
      await app.register(apiRoutes, { deps, prefix: API_PREFIX });
      for (const platform of platforms) if (platform.routes) await app.register(platform.routes);
      await app.register(webRoutes, {
        port: createWebPort(deps, context.chat),
        secure: configuredUrl(config).startsWith('https:'),
        secret: await webCookieKey(deps.pool),
        watch: {
          gate: () => stream.gate,
          calendarFrom: mailAddress(config.mail.from),
          media: (reservation, credentials) => stream.media(reservation, credentials),
          mediaOrigins: () => stream.mediaOrigins(),
        },
      });
      await app.register(streaming.routes);
      const address = await listen(app, config.http.port, config.http.host).catch((error: unknown) => {
        throw listenFailure({ port: 'PORT', host: 'HOST' }, config.http.host, config.http.port, error);
      });
      url = config.http.publicUrl ?? `http://${address.host}:${address.port}`;
      listeningAt = url;
      // The CLI's links point here, whatever port this service was given.
      const recorded = url;
      await recordServiceUrl(database.pool, recorded);
      stops.push(() => clearServiceUrl(database.pool, recorded));
      // Stopped before the HTTP server: viewers' responses are ended and sessions recorded first.
      const started = streaming;
      stops.push(() => started.stop());
      await started.start(url);
      metrics.watchStreams(async () => (await started.gate?.activity()) ?? []);
      await Promise.all(connections.map((connection) => connection.started));
    }

    let stopping: Promise<void> | undefined;
    return {
      deps,
      database,
      http,
      url,
      jobs,
      platforms,
      chatFollower,
      streaming,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
