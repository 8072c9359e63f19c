/**
 * Streaming in the service (issue 9): the gate every enforcing kind uses and, unless
 * STREAMING=off, the embedded node-media-server as the server named "embedded". Assembled by the
 * composition root: `routes` go to the HTTP server before it listens, `start` runs once the
 * service's public URL is known (the embedded server's watch links are under it).
 */
import type { AppDeps } from '../app/deps.js';
import { ensureEmbeddedServer } from '../app/servers.js';
import type { Config } from '../config.js';
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from '../log.js';
import { EMBEDDED_APP, EmbeddedStreamServer } from './drivers/embedded.js';
import { StreamGate } from './gate.js';
import type { StreamRoutes } from './http.js';
import { streamRoutes } from './http.js';

export interface Streaming {
  /** The viewers' routes, for the service's HTTP server. */
  routes: FastifyPluginAsync;
  gate: StreamGate | undefined;
  embedded: EmbeddedStreamServer | undefined;
  /** Where organizers publish to on the embedded server (append `/STREAM_KEY`). */
  ingestUrl: string | undefined;
  start(publicUrl: string): Promise<void>;
  stop(): Promise<void>;
}

export function createStreaming(config: Config, deps: AppDeps, log: Logger): Streaming {
  const routes: StreamRoutes = { gate: undefined, embedded: undefined };
  const streaming: Streaming = {
    routes: (app) => streamRoutes(app, routes),
    gate: undefined,
    embedded: undefined,
    ingestUrl: undefined,
    async start(publicUrl) {
      const gate = new StreamGate(deps);
      const settings = config.streaming;
      if (settings.embedded) {
        const embedded = new EmbeddedStreamServer({ rtmpHost: settings.rtmpHost, rtmpPort: settings.rtmpPort, log });
        await embedded.listen();
        streaming.embedded = embedded;
        // Listening everywhere: encoders reach it by the name people reach the service by.
        const host = ['0.0.0.0', '::'].includes(settings.rtmpHost) ? new URL(publicUrl).hostname : settings.rtmpHost;
        const ingestUrl = settings.rtmpPublicUrl ?? `rtmp://${host}:${embedded.rtmpPort}/${EMBEDDED_APP}`;
        const server = await ensureEmbeddedServer(deps, {
          ingestBaseUrl: ingestUrl,
          playbackBaseUrl: `${publicUrl.replace(/\/+$/, '')}/watch`,
          bufferSeconds: Math.round(settings.embeddedBufferMs / 1_000),
        });
        gate.serve(server, embedded.driver, { endsWithProcess: true });
        embedded.attach(gate, server.id);
        streaming.ingestUrl = ingestUrl;
        routes.embedded = embedded;
      }
      await gate.start();
      streaming.gate = gate;
      routes.gate = gate;
    },
    async stop() {
      routes.gate = undefined;
      await streaming.gate?.stop();
      await streaming.embedded?.stop();
    },
  };
  return streaming;
}
