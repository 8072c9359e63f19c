/**
 * REST API under /api/v1 with bearer tokens. Routes parse and validate, call one use case, and
 * present its result: no rule lives here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { cancelSchema, changeSchema, fieldErrors, requestSchema } from '../app/commands.js';
import type { AppDeps } from '../app/deps.js';
import { checkHealth } from '../app/health.js';
import { changeReservation } from '../app/change.js';
import { cancelReservation, reconfirmReservation } from '../app/lifecycle.js';
import type { Outcome } from '../app/outcome.js';
import { getReservation, listReservations, listSchema } from '../app/queries.js';
import { requestReservation } from '../app/request.js';
import { addServer, listServers, serverSchema } from '../app/servers.js';
import { authenticateToken } from '../app/tokens.js';
import type { Actor } from '../domain/reservation.js';
import { HttpError, readJsonBody, refusalToHttp, sendJson } from './json.js';
import { presentReservation, presentServer } from './present.js';
import type { Mount } from './server.js';

type Handler = (context: {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  actor: Actor;
}) => Promise<void>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const PREFIX = '/api/v1';

export function apiMount(deps: AppDeps): Mount {
  const routes = apiRoutes(deps);
  return async (req, res, url) => {
    if (url.pathname === '/healthz') {
      await health(deps, res);
      return true;
    }
    if (url.pathname !== PREFIX && !url.pathname.startsWith(`${PREFIX}/`)) return false;
    const path = url.pathname.slice(PREFIX.length) || '/';
    const matching = routes.filter((route) => route.pattern.test(path));
    if (matching.length === 0) throw new HttpError(404, 'not_found', `No route for ${req.method} ${url.pathname}.`);
    const route = matching.find((candidate) => candidate.method === req.method);
    if (!route) {
      res.setHeader('allow', matching.map((candidate) => candidate.method).join(', '));
      throw new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}.`);
    }
    const actor = await authenticate(deps, req);
    const params = route.pattern.exec(path)!.slice(1).map(decodePathSegment);
    await route.handler({ req, res, url, params, actor });
    return true;
  };
}

/** A path segment as text; bad percent-encoding or a NUL is the client's mistake, not ours. */
function decodePathSegment(segment: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'bad_request', 'The path has a malformed percent-encoding (such as %ZZ).');
  }
  if (decoded.includes('\u0000')) throw new HttpError(400, 'bad_request', 'The path holds a NUL byte.');
  return decoded;
}

async function health(deps: AppDeps, res: ServerResponse): Promise<void> {
  const { httpStatus, report } = await checkHealth(deps);
  sendJson(res, httpStatus, report);
}

async function authenticate(deps: AppDeps, req: IncomingMessage): Promise<Actor> {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    throw new HttpError(
      401,
      'unauthorized',
      'Send an API token as "Authorization: Bearer <token>" (create one with `npx slotcast token create`).',
    );
  }
  const actor = await authenticateToken(deps.db, match[1]!);
  if (!actor) throw new HttpError(401, 'unauthorized', 'The API token is not valid.');
  return actor;
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

const ID = '([^/]+)';

/** An `Idempotency-Key` header makes a retried POST return the first reservation, not a second. */
function idempotencyKey(req: IncomingMessage): string | undefined {
  const value = req.headers['idempotency-key'];
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

function apiRoutes(deps: AppDeps): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/servers$/,
      handler: async ({ res }) => sendJson(res, 200, { servers: (await listServers(deps)).map(presentServer) }),
    },
    {
      method: 'POST',
      pattern: /^\/servers$/,
      handler: async ({ req, res, actor }) => {
        const command = parse(serverSchema, await readJsonBody(req));
        sendJson(res, 201, { server: presentServer(unwrap(await addServer(deps, actor, command))) });
      },
    },
    {
      method: 'POST',
      pattern: /^\/reservations$/,
      handler: async ({ req, res, actor }) => {
        const command = parse(requestSchema, await readJsonBody(req));
        const key = idempotencyKey(req);
        const reservation = unwrap(
          await requestReservation(deps, actor, command, key ? { requestKey: `api:${actor.userId}:${key}` } : {}),
        );
        res.setHeader('location', `${PREFIX}/reservations/${reservation.id}`);
        sendJson(res, 201, { reservation: presentReservation(reservation, actor) });
      },
    },
    {
      method: 'GET',
      pattern: /^\/reservations$/,
      handler: async ({ url, res, actor }) => {
        const query = parse(listSchema, Object.fromEntries(url.searchParams));
        const reservations = await listReservations(deps, actor, query);
        sendJson(res, 200, { reservations: reservations.map((reservation) => presentReservation(reservation, actor)) });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/reservations/${ID}$`),
      handler: async ({ params, res, actor }) => {
        const reservation = unwrap(await getReservation(deps, actor, params[0]!));
        sendJson(res, 200, { reservation: presentReservation(reservation, actor) });
      },
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^/reservations/${ID}$`),
      handler: async ({ req, params, res, actor }) => {
        const command = parse(changeSchema, await readJsonBody(req));
        const reservation = unwrap(await changeReservation(deps, actor, params[0]!, command));
        sendJson(res, 200, { reservation: presentReservation(reservation, actor) });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/reservations/${ID}/reconfirm$`),
      handler: async ({ params, res, actor }) => {
        const reservation = unwrap(await reconfirmReservation(deps, actor, params[0]!));
        sendJson(res, 200, { reservation: presentReservation(reservation, actor) });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/reservations/${ID}/cancel$`),
      handler: async ({ req, params, res, actor }) => {
        // The reason is optional, so an empty body is as good as `{}`.
        const hasBody =
          Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
        const command = hasBody ? parse(cancelSchema, await readJsonBody(req)) : {};
        const reservation = unwrap(await cancelReservation(deps, actor, params[0]!, command));
        sendJson(res, 200, { reservation: presentReservation(reservation, actor) });
      },
    },
  ];
}
