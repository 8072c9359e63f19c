/**
 * The service's one HTTP server. Mounts are tried in order; the first that claims a request
 * answers it. The REST API is one mount; the Slack app adds its own (`/slack/events`) later
 * without touching this file.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';
import { HttpError, sendError, sendJson } from './json.js';

/** Answers the request and returns true, or returns false to let the next mount try. */
export type Mount = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;

export function createHttpServer(mounts: Mount[], log: Logger): Server {
  const server = createServer(async (req, res) => {
    const started = performance.now();
    const url = parseTarget(req.url);
    if (!url) {
      // e.g. `GET http://[::1 HTTP/1.1`: no URL to route, so no mount can answer it.
      res.shouldKeepAlive = false;
      sendError(res, new HttpError(400, 'bad_request', 'The request target is not a valid URL.'));
      return;
    }
    try {
      for (const mount of mounts) {
        if (await mount(req, res, url)) return;
      }
      throw new HttpError(404, 'not_found', `No route for ${req.method} ${url.pathname}.`);
    } catch (thrown) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (thrown instanceof HttpError) {
        sendError(res, thrown);
        return;
      }
      const error = coerceError(thrown);
      log.error('request failed', { method: req.method, path: loggablePath(url.pathname), error: error.message });
      sendJson(res, 500, {
        error: { code: 'internal', message: 'Something went wrong on our side; it has been logged.' },
      });
    } finally {
      log.debug('http', {
        method: req.method,
        path: loggablePath(url.pathname),
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
      });
    }
  });
  // A request line or header Node cannot parse: answer 400 and close, rather than drop it unanswered.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

function parseTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** A path as it may be logged: a web sign-in link's path is its token (src/app/web-access.ts). */
export function loggablePath(pathname: string): string {
  return pathname.replace(/^\/open\/.+$/, '/open/…');
}

export function listen(server: Server, port: number, host: string): Promise<{ port: number; host: string }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({ port: typeof address === 'object' && address ? address.port : port, host });
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
