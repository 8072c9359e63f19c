/**
 * REST API under /api/v1 with bearer tokens, as a Fastify plugin. Routes parse and validate (zod,
 * the one validation at the boundary), call one use case, and present its result: no rule lives
 * here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { z } from 'zod';
import { cancelSchema, changeSchema, extendSchema, fieldErrors, requestSchema } from '../app/commands.js';
import type { AppDeps } from '../app/deps.js';
import { checkHealth } from '../app/health.js';
import { changeReservation } from '../app/change.js';
import { cancelReservation, reconfirmReservation } from '../app/lifecycle.js';
import type { Outcome } from '../app/outcome.js';
import { getReservation, listReservations, listSchema } from '../app/queries.js';
import { requestReservation } from '../app/request.js';
import { extendReservation, replaceStreamKey } from '../app/stream-actions.js';
import { addServer, listServers, serverSchema } from '../app/servers.js';
import { authenticateToken } from '../app/tokens.js';
import type { Actor } from '../domain/reservation.js';
import { pathParameter } from './app.js';
import { HttpError, refusalToHttp } from './json.js';
import { presentReservation, presentServer } from './present.js';

export const API_PREFIX = '/api/v1';

/** Failed token checks allowed per address and minute; then 429 until the minute is over. */
export const FAILED_AUTH_PER_MINUTE = 10;

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the bearer token authenticates (API routes only). */
    apiActor: Actor;
  }
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
type Method = (typeof METHODS)[number];

/** `GET /healthz`: the database and each chat platform, for load balancers and operators. */
export async function healthRoutes(app: FastifyInstance, { deps }: { deps: AppDeps }): Promise<void> {
  app.get('/healthz', async (_request, reply) => {
    const { httpStatus, report } = await checkHealth(deps);
    return reply.code(httpStatus).header('cache-control', 'no-store').send(report);
  });
}

/** Register with `{ prefix: API_PREFIX }`. */
export async function apiRoutes(app: FastifyInstance, { deps }: { deps: AppDeps }): Promise<void> {
  const failedAuth = app.createRateLimit({
    max: FAILED_AUTH_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: (request) => `api-auth:${request.ip}`,
  });
  app.decorateRequest('apiActor', undefined as unknown as Actor);
  // Before the body is read: an unauthenticated request gets its 401 whatever it sent.
  app.addHook('onRequest', async (request, reply) => {
    // Every answer is one token holder's own, and a reservation's carries its passcode (its
    // organizer's, the stream key too): no cache, the browser's or a proxy's, may keep one.
    reply.header('cache-control', 'no-store');
    if (exceeded(await failedAuth(request, { increment: false }))) return tooManyFailures(reply);
    const actor = await authenticate(deps, request);
    if (actor) {
      request.apiActor = actor;
      return;
    }
    if (exceeded(await failedAuth(request))) return tooManyFailures(reply);
    throw new HttpError(
      401,
      'unauthorized',
      request.headers.authorization
        ? 'The API token is not valid.'
        : 'Send an API token as "Authorization: Bearer <token>" (create one with `npx slotcast token create`).',
    );
  });

  /** A path's handlers; other methods answer 405 with Allow, as HTTP asks. */
  const resource = (path: string, handlers: Partial<Record<Method, RouteHandlerMethod>>) => {
    const allowed = Object.keys(handlers) as Method[];
    for (const method of allowed) app.route({ method, url: path, handler: handlers[method]! });
    const others = METHODS.filter((method) => !allowed.includes(method));
    app.route({
      method: allowed.includes('GET') ? others : [...others, 'HEAD'],
      url: path,
      handler: async (request, reply) => {
        reply.header('allow', allowed.join(', '));
        throw new HttpError(405, 'method_not_allowed', `${request.method} is not allowed on ${API_PREFIX}${path}.`);
      },
    });
  };

  resource('/servers', {
    GET: async (_request, reply) => reply.send({ servers: (await listServers(deps)).map(presentServer) }),
    POST: async (request, reply) => {
      const command = parse(serverSchema, jsonBody(request));
      return reply.code(201).send({ server: presentServer(unwrap(await addServer(deps, request.apiActor, command))) });
    },
  });

  resource('/reservations', {
    POST: async (request, reply) => {
      const actor = request.apiActor;
      const command = parse(requestSchema, jsonBody(request));
      const key = idempotencyKey(request);
      const reservation = unwrap(
        await requestReservation(deps, actor, command, key ? { requestKey: `api:${actor.userId}:${key}` } : {}),
      );
      return reply
        .code(201)
        .header('location', `${API_PREFIX}/reservations/${reservation.id}`)
        .send({ reservation: presentReservation(reservation, actor) });
    },
    GET: async (request, reply) => {
      const actor = request.apiActor;
      const query = parse(listSchema, { ...(request.query as Record<string, unknown>) });
      const reservations = await listReservations(deps, actor, query);
      return reply.send({ reservations: reservations.map((reservation) => presentReservation(reservation, actor)) });
    },
  });

  resource('/reservations/:id', {
    GET: async (request, reply) => {
      const reservation = unwrap(await getReservation(deps, request.apiActor, idOf(request)));
      return present(reply, request, reservation);
    },
    PATCH: async (request, reply) => {
      const command = parse(changeSchema, jsonBody(request));
      const reservation = unwrap(await changeReservation(deps, request.apiActor, idOf(request), command));
      return present(reply, request, reservation);
    },
  });

  resource('/reservations/:id/reconfirm', {
    POST: async (request, reply) => {
      const reservation = unwrap(await reconfirmReservation(deps, request.apiActor, idOf(request)));
      return present(reply, request, reservation);
    },
  });

  resource('/reservations/:id/cancel', {
    POST: async (request, reply) => {
      // The reason is optional, so no body (or an empty one) is as good as `{}`.
      const command = request.body === undefined ? {} : parse(cancelSchema, jsonBody(request));
      const reservation = unwrap(await cancelReservation(deps, request.apiActor, idOf(request), command));
      return present(reply, request, reservation);
    },
  });

  resource('/reservations/:id/extend', {
    POST: async (request, reply) => {
      const command = parse(extendSchema, jsonBody(request));
      const reservation = unwrap(await extendReservation(deps, request.apiActor, idOf(request), command));
      return present(reply, request, reservation);
    },
  });

  resource('/reservations/:id/rotate-key', {
    // A new key, in the answer to the organizer only (presentReservation); never stored by a cache.
    POST: async (request, reply) => {
      const reservation = unwrap(await replaceStreamKey(deps, request.apiActor, idOf(request)));
      return present(reply.header('cache-control', 'no-store'), request, reservation);
    },
  });
}

function exceeded(limit: { isAllowed: boolean; isExceeded?: boolean }): boolean {
  return !limit.isAllowed && limit.isExceeded === true;
}

function tooManyFailures(reply: FastifyReply): never {
  reply.header('retry-after', '60');
  throw new HttpError(
    429,
    'too_many_attempts',
    'Too many requests with a wrong API token from your address; wait a minute.',
  );
}

async function authenticate(deps: AppDeps, request: FastifyRequest): Promise<Actor | undefined> {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match ? await authenticateToken(deps.db, match[1]!) : undefined;
}

function idOf(request: FastifyRequest): string {
  return pathParameter((request.params as { id: string }).id);
}

function present(reply: FastifyReply, request: FastifyRequest, reservation: Parameters<typeof presentReservation>[0]) {
  return reply.send({ reservation: presentReservation(reservation, request.apiActor) });
}

/** The parsed JSON body; a missing one is named for what is missing (its type, or its content). */
function jsonBody(request: FastifyRequest): unknown {
  if (request.body !== undefined) return request.body;
  if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
    throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json.');
  }
  throw new HttpError(400, 'malformed_json', 'The request body is empty; send a JSON object.');
}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new HttpError(400, 'invalid_body', 'The request body must be a JSON object.');
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const fields = fieldErrors(parsed.error);
    throw new HttpError(
      422,
      'invalid',
      fields.length === 1 ? fields[0]!.message : `${fields.length} fields need attention.`,
      fields,
    );
  }
  return parsed.data;
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw refusalToHttp(outcome);
  return outcome.value;
}

/** An `Idempotency-Key` header makes a retried POST return the first reservation, not a second. */
function idempotencyKey(request: FastifyRequest): string | undefined {
  const value = request.headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(value)) {
    throw new HttpError(
      400,
      'invalid_idempotency_key',
      'The Idempotency-Key header must be 1 to 200 printable characters.',
    );
  }
  return value;
}
