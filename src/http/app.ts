/**
 * The service's one HTTP server, on Fastify 5. Each front end is a plugin of its own — the REST
 * API (api.ts), Slack's events (src/slack), the web pages (src/web), the viewers' stream routes
 * and the streaming servers' hooks (src/stream) — registered by the composition root.
 *
 * What every route shares is set here: JSON bodies read by one parser with our error messages,
 * one error shape `{ error: { code, message, fields? } }` with never a stack trace, 400 for bytes
 * no client should send (a bad request line, bad percent-encoding), and a log line per request
 * that names the route pattern — never the URL, whose query and path can hold tokens.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pino } from 'pino';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';
import { HttpError, MAX_BODY_BYTES, errorBody } from './json.js';

export interface HttpAppOptions {
  /** Called with every answered request: the route pattern (not the URL), status and duration. */
  observe?: (observation: { method: string; route: string; status: number; seconds: number }) => void;
}

export async function createHttpApp(log: Logger, options: HttpAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // Fastify's own info lines ("Server listening at …") repeat what the service says itself;
    // its warnings and errors (and our handlers' request.log) still come through.
    loggerInstance: (log.pino?.child({}, { level: 'warn' }) ?? pino({ enabled: false })) as FastifyBaseLogger,
    // Fastify's own request lines carry the URL; ours (below) carry the route pattern.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    // A sign-in link's token is a path segment longer than find-my-way's default 100.
    routerOptions: { maxParamLength: 500 },
    frameworkErrors: (error, request, reply) => {
      // find-my-way could not decode the path (`%ZZ`) or its parameters, or the target is no URL
      // at all. Bytes no client sends: answer, and close the connection rather than read on.
      reply.header('connection', 'close');
      void sendHttpError(
        reply as FastifyReply,
        new HttpError(400, 'bad_request', describeFrameworkError(error, request)),
      );
    },
  });

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const body = String(text);
    if (body.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body));
    } catch (error) {
      done(new HttpError(400, 'malformed_json', `The request body is not valid JSON: ${(error as Error).message}`));
    }
  });

  // Counts failed attempts (token auth, sign-in links) per address; no route is limited as a whole.
  await app.register(fastifyRateLimit, { global: false });

  app.setErrorHandler((thrown: FastifyError | HttpError, request, reply) => {
    const error = asHttpError(thrown);
    if (error) return reply.code(error.status).header('cache-control', 'no-store').send(errorBody(error));
    request.log.error(
      { method: request.method, route: routeOf(request), error: coerceError(thrown).message },
      'request failed',
    );
    return reply
      .code(500)
      .header('cache-control', 'no-store')
      .send({ error: { code: 'internal', message: 'Something went wrong on our side; it has been logged.' } });
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .header('cache-control', 'no-store')
      .send(errorBody(new HttpError(404, 'not_found', `No route for ${request.method} ${pathOf(request)}.`))),
  );

  app.addHook('onResponse', async (request, reply) => {
    const route = routeOf(request);
    const seconds = reply.elapsedTime / 1_000;
    options.observe?.({ method: request.method, route, status: reply.statusCode, seconds });
    log.debug('http', { method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) });
  });
  return app;
}

/** The route's pattern (`/api/v1/reservations/:id`), or `unmatched`: safe to log and to label. */
export function routeOf(request: FastifyRequest): string {
  return request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
}

/** The request's path without its query, as the client wrote it. */
function pathOf(request: FastifyRequest): string {
  const at = request.url.indexOf('?');
  return at === -1 ? request.url : request.url.slice(0, at);
}

/** The client's mistakes as our errors; undefined for our own failures (a 500). */
function asHttpError(thrown: FastifyError | HttpError): HttpError | undefined {
  if (thrown instanceof HttpError) return thrown;
  switch (thrown.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'unsupported_media_type', 'Send the body as application/json.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, 'body_too_large', `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpError(400, 'bad_request', 'The Content-Length header does not match the body.');
  }
  const status = thrown.statusCode ?? 500;
  return status >= 400 && status < 500 ? new HttpError(status, 'bad_request', thrown.message) : undefined;
}

function describeFrameworkError(error: FastifyError, request: FastifyRequest): string {
  if (!request.url.startsWith('/')) return 'The request target is not a path.';
  return error.code === 'FST_ERR_BAD_URL'
    ? 'The path has a malformed percent-encoding (such as %ZZ).'
    : 'The request could not be routed.';
}

/** Rejects a route parameter holding a NUL: no name, code or token has one. */
export function pathParameter(value: string): string {
  if (value.includes('\u0000')) throw new HttpError(400, 'bad_request', 'The path holds a NUL byte.');
  return value;
}

/** Answers a request with our JSON error (for hooks that answer before a handler runs). */
export function sendHttpError(reply: FastifyReply, error: HttpError): FastifyReply {
  return reply.code(error.status).header('cache-control', 'no-store').send(errorBody(error));
}

export async function listen(
  app: FastifyInstance,
  port: number,
  host: string,
): Promise<{ port: number; host: string }> {
  await app.listen({ port, host });
  const address = app.server.address();
  return { port: typeof address === 'object' && address ? address.port : port, host };
}

/**
 * Stops listening, ends idle kept-alive connections at once, and lets requests in flight finish
 * for up to `drainMs` before ending every connection. A hook call cut off mid-way would make
 * nginx drop its client (it does not retry a POST), so a rolling restart behind a balancer must
 * answer what it has begun.
 */
export async function closeApp(app: FastifyInstance, drainMs = 2_000): Promise<void> {
  const closing = app.close();
  app.server.closeIdleConnections();
  const force = setTimeout(() => app.server.closeAllConnections(), drainMs);
  force.unref();
  try {
    await closing;
  } finally {
    clearTimeout(force);
  }
}
