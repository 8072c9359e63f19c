/**
 * The web pages on the service's HTTP server. The pages are a Fastify plugin (src/web/routes.ts);
 * until the whole HTTP layer runs on Fastify, they run in a Fastify instance of their own, handed
 * the requests for their paths through its router (`routing`), one Mount among the others.
 */
import Fastify from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import type { Mount } from '../http/server.js';
import type { Logger } from '../log.js';
import type { WebSettings } from './routes.js';
import { webRoutes } from './routes.js';

const EXACT = new Set(['/', '/timeline', '/signout']);
const PREFIXES = ['/open/', '/r/', '/watch/', '/assets/'];

export function claims(pathname: string): boolean {
  return EXACT.has(pathname) || PREFIXES.some((prefix) => pathname.startsWith(prefix));
}

/** Fastify's logger interface over ours: pino's `(fields, message)` calls, nothing logged by default but errors. */
export function fastifyLogger(log: Logger): FastifyBaseLogger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (first: unknown, message?: string): void => {
      const fields = typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : {};
      const text = typeof first === 'string' ? first : (message ?? '');
      // Fastify's own request lines name URLs, whose queries hold viewer tokens: only errors pass.
      if (level === 'error') log.error(text, { ...fields, req: undefined, res: undefined });
    };
  const logger = {
    level: 'error',
    fatal: at('error'),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('debug'),
    silent: () => undefined,
    child: () => logger,
  };
  return logger as unknown as FastifyBaseLogger;
}

export async function webMount(settings: WebSettings, log: Logger): Promise<{ mount: Mount; close(): Promise<void> }> {
  const app = Fastify({ loggerInstance: fastifyLogger(log) });
  await app.register(webRoutes, settings);
  await app.ready();
  return {
    mount: (req, res, url) => {
      if (!claims(url.pathname)) return false;
      app.routing(req, res);
      return true;
    },
    close: () => app.close(),
  };
}
