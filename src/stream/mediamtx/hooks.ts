/**
 * MediaMTX's `authMethod: http` calls (issue 9), as a Fastify plugin:
 * `POST /hooks/mediamtx/<server's hook secret>/auth`. MediaMTX posts, before every publish, read,
 * playback and (unless excluded) API call, the JSON its documentation gives
 * (docs/2-features/06-authentication.md, "External HTTP server"):
 *   { user, password, token, ip, action, path, protocol, id, query }
 * and lets the client in on any 2xx. So: publish → the gate's publish rules, read/playback → the
 * viewer rules, api/metrics/pprof → refused (the generated configuration excludes them anyway and
 * keeps the API on loopback).
 *
 * Paths are `live/<code>` (see driver.ts beside this file for why): a publisher gives the stream key as
 * its token (RTMP/RTSP `?token=`, WHIP Bearer) or password (SRT); `live/<stream key>` is accepted
 * for publishing too. A reader gives a personal token (`?t=`, `?token=`, Bearer) or the passcode
 * (`?passcode=`, or the password of HTTP Basic with any user name).
 *
 * The secret is a path segment: request log lines name the route pattern, and nothing here logs
 * the path, the query or the body.
 */
import { sameSecret } from '../../app/secrets.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { HookContext } from '../hooks.js';
import { HOOK_ID_MAX_CHARS, hookCaller } from '../hooks.js';
import { MEDIAMTX_APP, MediamtxDriver } from './driver.js';
import type { StreamGate } from '../gate.js';
import { viewerRefusalStatus } from '../gate.js';

const text = z
  .string()
  .max(8_192)
  .nullish()
  .transform((value) => value ?? '');

/** MediaMTX's request. Unknown fields are ignored: newer versions may add some. */
export const mediamtxAuthSchema = z.object({
  user: text,
  password: text,
  token: text,
  ip: z
    .string()
    .max(HOOK_ID_MAX_CHARS)
    .nullish()
    .transform((value) => value ?? ''),
  action: z.enum(['publish', 'read', 'playback', 'api', 'metrics', 'pprof'], {
    error: 'action must be one of publish, read, playback, api, metrics, pprof.',
  }),
  path: text,
  protocol: text,
  id: z.string().max(HOOK_ID_MAX_CHARS).nullish(),
  query: text,
});
export type MediamtxAuthRequest = z.output<typeof mediamtxAuthSchema>;

/** What a path names: a reservation by its code, or (publishing only) a stream key. */
export type MediamtxTarget = { code: string } | { key: string } | undefined;

const CODE = /^R-[A-Z0-9]+$/i;

export function mediamtxTarget(path: string): MediamtxTarget {
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  if (parts.length !== 2 || parts[0] !== MEDIAMTX_APP || !parts[1]) return undefined;
  return CODE.test(parts[1]) ? { code: parts[1].toUpperCase() } : { key: parts[1] };
}

export async function mediamtxHooks(app: FastifyInstance, context: HookContext): Promise<void> {
  // A configuration that lost its secret gets the same answer as a wrong one, not a 404.
  app.post('/hooks/mediamtx/auth', async (request, reply) => {
    context.log.warn('MediaMTX hook called without a secret', { ip: request.ip });
    return reply
      .code(403)
      .header('cache-control', 'no-store')
      .send({ error: { code: 'forbidden', message: "The hook URL lacks the server's secret." } });
  });
  app.post<{ Params: { secret: string } }>('/hooks/mediamtx/:secret/auth', async (request, reply) => {
    const refuse = (status: number, code: string, message: string) =>
      reply.code(status).header('cache-control', 'no-store').send({ error: { code, message } });

    const parsed = mediamtxAuthSchema.safeParse(request.body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`);
      return refuse(400, 'invalid_body', `Not a MediaMTX auth request: ${problems.join('; ')}`);
    }
    const caller = await hookCaller(request, reply, 'mediamtx', context);
    if (!caller) return reply;
    const { server, gate } = caller;
    const driver = context.driver(server.id);
    if (!(driver instanceof MediamtxDriver))
      return refuse(503, 'streaming_off', 'Streaming is not running for this server.');

    const auth = parsed.data;
    const query = new URLSearchParams(auth.query);
    const target = mediamtxTarget(auth.path);
    switch (auth.action) {
      case 'publish':
        return answer(await publish(gate, driver, server.id, auth, query, target));
      case 'read':
      case 'playback':
        return answer(await read(gate, server.id, auth, query, target));
      default:
        // The API, metrics and pprof stay on loopback, excluded from this check by the config.
        return refuse(403, 'forbidden', `Slotcast does not authorise "${auth.action}".`);
    }

    function answer(status: number) {
      if (status < 300) return reply.code(204).header('cache-control', 'no-store').send();
      if (status === 400) return refuse(400, 'no_connection_id', 'A publish needs the connection id MediaMTX sends.');
      const code = status === 401 ? 'missing_credentials' : status === 429 ? 'too_many_tries' : 'refused';
      return refuse(status, code, 'Refused by Slotcast.');
    }
  });
}

/**
 * A publisher: at live/<code> its stream key is its token (Bearer, or `?token=` in the query) or
 * its password (SRT); at live/<key> the path holds it. Answers the status for MediaMTX.
 */
async function publish(
  gate: StreamGate,
  driver: MediamtxDriver,
  serverId: string,
  auth: MediamtxAuthRequest,
  query: URLSearchParams,
  target: MediamtxTarget,
): Promise<number> {
  // Without its id a connection could be admitted but never cut.
  if (!auth.id) return 400;
  const given = auth.token || query.get('token') || auth.password;
  let key = '';
  if (target && 'key' in target) {
    key = target.key;
    // The reservation is not known by key here: any watched publisher may be a ghost of this one.
    if (driver.publishing > 0) await driver.settle();
  } else if (target) {
    // RTSP clients send credentials only once asked: no credential is no attempt yet.
    if (!given) return 401;
    const reservation = await gate.reservation(target.code);
    // The key must be this path's reservation's: another reservation's key opens no other path.
    if (reservation && sameSecret(given, reservation.streamKey)) {
      key = reservation.streamKey;
      // Its "other publisher" may be this organizer's dropped connection: ask MediaMTX first.
      if (await gate.isPublishing(reservation.id)) await driver.settle();
    }
  }
  const decision = await gate.publish({ serverId, key, clientId: auth.id, ip: auth.ip });
  if (!decision.admitted) return 403;
  driver.admitted(auth.id, auth.protocol);
  return 204;
}

async function read(
  gate: StreamGate,
  serverId: string,
  auth: MediamtxAuthRequest,
  query: URLSearchParams,
  target: MediamtxTarget,
): Promise<number> {
  // Viewers read by code only: a stream key in a viewer's URL would let them publish.
  if (!target || !('code' in target)) return 403;
  // A reservation streams on its own server only: nothing to read of it here.
  const reservation = await gate.reservation(target.code);
  if (reservation && reservation.serverId !== serverId) return 403;
  const token = auth.token || query.get('t') || query.get('token') || undefined;
  const passcode = query.get('passcode') || auth.password || undefined;
  // No credential is no guess (RTSP and browsers send theirs only once asked): 401, not counted.
  if (!token && !passcode) return 401;
  const { decision } = await gate.check({ code: target.code, credentials: { token, passcode }, ip: auth.ip });
  return decision.admitted ? 204 : viewerRefusalStatus(decision.reason);
}
