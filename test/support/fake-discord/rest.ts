/**
 * The HTTP side of the fake: parses each request (JSON or multipart with `payload_json`), applies
 * injected failures, routes it, records it, and answers the way Discord's API v10 does.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { interactionRoutes } from './interaction-routes.js';
import type { Reply, Route } from './reply.js';
import { apiError, notFound } from './reply.js';
import { resourceRoutes } from './routes.js';
import type { FakeWorld, RecordedCall, RecordedFile } from './world.js';

/** discord.js appends `/v10` to the `rest.api` base it is given. */
export const API_PREFIX = '/api/v10';

export const CALL_EVENT = 'fake-discord:call';

/** A failure to answer instead of the real response, for the next `times` matching requests. */
export interface FailRule {
  method: string;
  /** Tested against the path without `/api/v10` and without the query. */
  path: RegExp;
  status: 429 | 403 | 500;
  /** 429 only: seconds, may have decimals (default 0.05). */
  retryAfter?: number;
  /** 429 only: a global rate limit instead of a per-route one. */
  global?: boolean;
  /** Default 1. */
  times?: number;
  /** JSON error code; 403 defaults to 50013 Missing Permissions. */
  code?: number;
  message?: string;
}

interface ActiveRule extends FailRule {
  remaining: number;
}

interface CompiledRoute extends Route {
  pattern: RegExp;
  keys: string[];
}

function compile(route: Route): CompiledRoute {
  const keys: string[] = [];
  const source = route.template
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      keys.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { ...route, pattern: new RegExp(`^${source}$`), keys };
}

// Literal routes (`/users/@me`) come before parameterised ones (`/users/:user_id`) in the tables.
const ROUTES = [...resourceRoutes, ...interactionRoutes].map(compile);

interface RouteMatch {
  route: CompiledRoute;
  params: Record<string, string>;
}

/** Every route whose template fits the path, whatever its method (to tell 404 from 405). */
function matchRoutes(path: string): RouteMatch[] {
  return ROUTES.flatMap((route) => {
    const match = route.pattern.exec(path);
    if (!match) return [];
    const params = Object.fromEntries(route.keys.map((key, index) => [key, match[index + 1] ?? '']));
    return [{ route, params }];
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON as is; multipart as discord.js sends files: a `payload_json` part plus `files[n]` parts. */
async function parseBody(
  raw: Buffer,
  contentType: string | undefined,
): Promise<{ body: unknown; files: RecordedFile[] }> {
  if (raw.length === 0) return { body: undefined, files: [] };
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
    let body: unknown;
    const files: RecordedFile[] = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value);
      } else {
        files.push({ field, name: value.name, contentType: value.type, size: value.size });
      }
    }
    return { body, files };
  }
  const text = raw.toString('utf8');
  return { body: contentType?.includes('json') ? JSON.parse(text) : text, files: [] };
}

function rateLimited(rule: FailRule, path: string): Reply {
  const retryAfter = rule.retryAfter ?? 0.05;
  const bucket = createHash('sha1').update(`${rule.method} ${path}`).digest('hex').slice(0, 16);
  return {
    status: 429,
    body: { message: 'You are being rate limited.', retry_after: retryAfter, global: rule.global ?? false },
    headers: {
      // Discord rounds the header up to whole seconds; the body and Reset-After keep the decimals.
      'Retry-After': String(Math.ceil(retryAfter)),
      'X-RateLimit-Limit': '5',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': (Date.now() / 1000 + retryAfter).toFixed(3),
      'X-RateLimit-Reset-After': retryAfter.toFixed(3),
      'X-RateLimit-Bucket': bucket,
      'X-RateLimit-Scope': rule.global ? 'global' : 'user',
      ...(rule.global ? { 'X-RateLimit-Global': 'true' } : {}),
    },
  };
}

function failure(rule: FailRule, path: string): Reply {
  if (rule.status === 429) return rateLimited(rule, path);
  if (rule.status === 403) return apiError(403, rule.code ?? 50013, rule.message ?? 'Missing Permissions');
  return apiError(500, rule.code ?? 0, rule.message ?? '500: Internal Server Error');
}

interface ParsedRequest {
  method: string;
  /** Decoded, without the `/api/v10` prefix. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  files: RecordedFile[];
  headers: IncomingMessage['headers'];
  invalidJson: boolean;
  /** The route for this method and path, if any. */
  match: RouteMatch | undefined;
  /** Some route has this path (with another method): 405 rather than 404. */
  pathKnown: boolean;
}

async function parseRequest(req: IncomingMessage): Promise<ParsedRequest> {
  const url = new URL(req.url ?? '/', 'http://fake.invalid');
  const method = (req.method ?? 'GET').toUpperCase();
  // discord.js percent-encodes some segments (`@original` arrives as `%40original`).
  const pathname = url.pathname.split('/').map(decodeURIComponent).join('/');
  const versioned = pathname.startsWith(API_PREFIX);
  const path = versioned ? pathname.slice(API_PREFIX.length) : pathname;
  const matches = versioned ? matchRoutes(path) : [];
  const raw = await readBody(req);
  let parsed: { body: unknown; files: RecordedFile[] } = { body: raw.toString('utf8'), files: [] };
  let invalidJson = false;
  try {
    parsed = await parseBody(raw, req.headers['content-type']);
  } catch {
    invalidJson = true;
  }
  return {
    method,
    path,
    query: Object.fromEntries(url.searchParams),
    ...parsed,
    headers: req.headers,
    invalidJson,
    match: matches.find((candidate) => candidate.route.method === method),
    pathKnown: matches.length > 0,
  };
}

export interface RestSettings {
  gatewayUrl: () => string;
  interactionDeadlineMs: number;
}

export class FakeRest {
  private readonly rules: ActiveRule[] = [];

  constructor(
    private readonly world: FakeWorld,
    private readonly settings: RestSettings,
  ) {}

  failNext(rule: FailRule): void {
    this.rules.push({ ...rule, method: rule.method.toUpperCase(), remaining: rule.times ?? 1 });
  }

  /** The `http.createServer` request listener. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res).catch((error: unknown) => {
      // A bug in the fake must surface in the test, not as a hung request.
      const reply = apiError(500, 0, `fake Discord failed: ${String(error)}`);
      if (!res.headersSent) this.send(res, reply);
    });
  };

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request = await parseRequest(req);
    const reply = this.reply(request);
    const { method, path, match, query, body, files, headers } = request;
    this.record(
      { method, path, route: match?.route.template ?? null, params: match?.params ?? {}, query, body, files, headers },
      reply,
    );
    this.send(res, reply);
  }

  private reply(request: ParsedRequest): Reply {
    const { method, path, match } = request;
    const rule = this.rules.find((candidate) => candidate.method === method && candidate.path.test(path));
    if (rule) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
      return failure(rule, path);
    }
    if (!match) return request.pathKnown ? apiError(405, 0, '405: Method Not Allowed') : notFound();
    if (match.route.auth && request.headers.authorization !== `Bot ${this.world.token}`) {
      return apiError(401, 0, '401: Unauthorized');
    }
    if (request.invalidJson) return apiError(400, 50109, 'The request body contains invalid JSON.');
    return match.route.handle({
      world: this.world,
      params: match.params,
      query: request.query,
      body: request.body,
      files: request.files,
      gatewayUrl: this.settings.gatewayUrl(),
      interactionDeadlineMs: this.settings.interactionDeadlineMs,
    });
  }

  private record(request: Omit<RecordedCall, 'seq' | 'status' | 'response'>, reply: Reply): void {
    const call: RecordedCall = { seq: this.world.calls.length, ...request, status: reply.status, response: reply.body };
    this.world.calls.push(call);
    this.world.emitter.emit(CALL_EVENT, call);
  }

  private send(res: ServerResponse, reply: Reply): void {
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
      return;
    }
    headers['Content-Type'] = 'application/json';
    res.writeHead(reply.status, headers).end(JSON.stringify(reply.body));
  }
}
