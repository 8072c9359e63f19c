/**
 * Streaming in the service (issues 9 and 16): the gate every enforcing kind uses; unless
 * STREAMING=off, the embedded node-media-server as the server named EMBEDDED_NAME (one instance
 * per name on a database); and every active server of a kind that calls Slotcast's hooks
 * (nginx-rtmp, MediaMTX), served through its driver — one added or changed while the service runs,
 * by any instance or the CLI, is served at once (NOTIFY; also on its first hook call). Assembled by
 * the composition root:
 * `routes` go to the HTTP server before it listens, `start` runs once the service's public URL is
 * known (the embedded server's watch links are under it).
 */
import type { AppDeps } from '../app/deps.js';
import { ensureEmbeddedServer } from '../app/servers.js';
import type { Config } from '../config.js';
import { listenFailure } from '../config.js';
import type { FastifyPluginAsync } from 'fastify';
import type { ViewerCredentials } from '../domain/admission.js';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';
import type { GateReservation } from '../store/streaming.js';
import { hookServers } from '../store/servers.js';
import type { StreamDriver, StreamMedia } from './driver.js';
import { EMBEDDED_APP, EmbeddedStreamServer } from './embedded/server.js';
import { driverFor, HOOK_KINDS, hookKinds } from './kinds.js';
import type { GateOptions } from './gate.js';
import { StreamGate } from './gate.js';
import { gatePort } from './gate/port.js';
import { holdName } from '../store/locks.js';
import type { HeldName } from '../store/locks.js';
import { HookAuth } from './hook-auth.js';
import type { HookContext } from './hooks.js';
import type { StreamRoutes } from './http.js';
import { streamRoutes } from './http.js';

export interface Streaming {
  /** The viewers' routes, for the service's HTTP server. */
  routes: FastifyPluginAsync;
  gate: StreamGate | undefined;
  embedded: EmbeddedStreamServer | undefined;
  /** Where organizers publish to on the embedded server (append `/STREAM_KEY`). */
  ingestUrl: string | undefined;
  /** What the watch page's player fetches for this viewer, when the reservation's server serves it. */
  media(reservation: GateReservation, credentials: ViewerCredentials): StreamMedia | undefined;
  /** Origins viewers' players fetch media from besides the service (CSP connect-src, media-src). */
  mediaOrigins(): string[];
  start(publicUrl: string): Promise<void>;
  stop(): Promise<void>;
}

// How long a hook call made while the service starts waits for the gate (nginx's own timeout is longer).
const GATE_WAIT_MS = 10_000;

export interface StreamingOptions {
  /** The database every instance shares: the gate LISTENs there for other instances' commits. */
  databaseUrl: string | undefined;
  gate?: GateOptions;
}

export function createStreaming(config: Config, deps: AppDeps, log: Logger, options: StreamingOptions): Streaming {
  const routes: StreamRoutes = { gate: undefined, embedded: undefined };
  const drivers = new Map<string, StreamDriver>();
  // What each driver was made from: a reload that finds the server unchanged keeps its driver,
  // whose state (MediaMTX: the connections it admitted and watches) a new one would lose.
  const madeFrom = new Map<string, string>();
  let serving: StreamGate | undefined;
  const auth = new HookAuth({
    load: () => hookServers(deps.pool, hookKinds()),
    onServer: (server) => {
      const settings = JSON.stringify([
        server.kind,
        server.name,
        server.ingestBaseUrl,
        server.controlUrl,
        server.mediaBaseUrl,
      ]);
      if (madeFrom.get(server.id) === settings) return;
      const driver = driverFor(server, log);
      if (!driver) return;
      void drivers.get(server.id)?.stop?.();
      drivers.set(server.id, driver);
      madeFrom.set(server.id, settings);
      // Publishers of these servers are connected to nginx or MediaMTX, not to this process: they outlive it.
      serving?.serve(server, driver, { endsWithProcess: false });
      if (serving) driver.watch?.(serving);
    },
  });
  let embeddedName: HeldName | undefined;
  // Hook calls that come between the HTTP server listening and the gate starting wait for it.
  let gateStarted: (gate: StreamGate | undefined) => void = () => {};
  const started = new Promise<StreamGate | undefined>((resolve) => {
    gateStarted = resolve;
  });
  const gateFor = async (): Promise<StreamGate | undefined> => {
    if (routes.gate || stopping) return routes.gate;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), GATE_WAIT_MS);
    });
    return Promise.race([started, timeout]).finally(() => clearTimeout(timer));
  };
  let stopping = false;
  const hooks: HookContext = { gate: gateFor, auth, driver: (id) => drivers.get(id), log };
  const streaming: Streaming = {
    routes: async (app) => {
      await streamRoutes(app, routes);
      for (const entry of HOOK_KINDS) await entry.routes(app, hooks);
    },
    gate: undefined,
    embedded: undefined,
    ingestUrl: undefined,
    media(reservation, credentials) {
      const credential = credentials.token
        ? { token: credentials.token }
        : credentials.passcode
          ? { passcode: credentials.passcode }
          : undefined;
      if (!credential) return undefined;
      return drivers.get(reservation.serverId)?.media?.(reservation, credential);
    },
    mediaOrigins() {
      const origins = new Set<string>();
      for (const server of auth.all()) {
        try {
          if (server.mediaBaseUrl) origins.add(new URL(server.mediaBaseUrl).origin);
        } catch {
          // Validated when the server was added; a bad one adds no origin.
        }
      }
      return [...origins];
    },
    async start(publicUrl) {
      const gate = new StreamGate(gatePort(deps, options.databaseUrl), {
        ...options.gate,
        // A server added or changed anywhere is served here at once: its hooks, its cuts, its player.
        onServersChanged: () =>
          void auth
            .reload()
            .catch((error: unknown) =>
              log.warn('reading the servers again failed', { error: coerceError(error).message }),
            ),
      });
      serving = gate;
      const settings = config.streaming;
      if (settings.embedded) {
        // One instance per embedded server: two running one name would take each other's row.
        if (options.databaseUrl) {
          embeddedName = await holdName(options.databaseUrl, `embedded:${settings.embeddedName}`, log);
          if (!embeddedName)
            throw new Error(
              `Another Slotcast instance runs the embedded server "${settings.embeddedName}" on this database: give this one its own EMBEDDED_NAME (or STREAMING=off).`,
            );
        }
        const embedded = new EmbeddedStreamServer({ rtmpHost: settings.rtmpHost, rtmpPort: settings.rtmpPort, log });
        await embedded.listen().catch((error: unknown) => {
          throw listenFailure({ port: 'RTMP_PORT', host: 'RTMP_HOST' }, settings.rtmpHost, settings.rtmpPort, error);
        });
        streaming.embedded = embedded;
        // Listening everywhere: encoders reach it by the name people reach the service by.
        const host = ['0.0.0.0', '::'].includes(settings.rtmpHost) ? new URL(publicUrl).hostname : settings.rtmpHost;
        const ingestUrl = settings.rtmpPublicUrl ?? `rtmp://${host}:${embedded.rtmpPort}/${EMBEDDED_APP}`;
        const server = await ensureEmbeddedServer(deps, {
          name: settings.embeddedName,
          ingestBaseUrl: ingestUrl,
          playbackBaseUrl: `${publicUrl.replace(/\/+$/, '')}/watch`,
          bufferSeconds: Math.round(settings.embeddedBufferMs / 1_000),
        });
        gate.serve(server, embedded.driver, { endsWithProcess: true });
        embedded.attach(gate, server.id);
        streaming.ingestUrl = ingestUrl;
        routes.embedded = embedded;
      }
      // Served before the gate starts, so it takes back their publishers that streamed on.
      await auth.reload();
      await gate.start();
      streaming.gate = gate;
      routes.gate = gate;
      gateStarted(gate);
    },
    async stop() {
      stopping = true;
      routes.gate = undefined;
      gateStarted(undefined);
      await Promise.all([...drivers.values()].map((driver) => driver.stop?.()));
      await streaming.gate?.stop();
      await streaming.embedded?.stop();
      await embeddedName?.release();
    },
  };
  return streaming;
}
