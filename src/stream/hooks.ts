/**
 * What every server's hook routes share (issue 9): the gate, the servers by hook secret, each
 * server's driver — and the secret check every hook call passes first.
 * A call that comes while the service starts waits for the gate instead of being refused: the
 * HTTP server listens before the gate has loaded its snapshot.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerKind } from '../domain/server-kind.js';
import { kindLabel } from '../domain/server-kind.js';
import type { Logger } from '../log.js';
import type { StreamDriver } from './driver.js';
import type { StreamGate } from './gate.js';
import type { HookAuth, HookServer } from './hook-auth.js';

/**
 * The longest client id or address a hook call may name. Real ones are short (nginx-rtmp's client
 * ids are numbers, MediaMTX's UUIDs, addresses at most an IPv6 with its zone); longer is no server
 * of ours speaking, and would not fit the indexes that find a publisher by client id and count
 * wrong tries by address (a 250 KB client id failed its insert with a 500). Refused with a 400.
 */
export const HOOK_ID_MAX_CHARS = 200;

export interface HookContext {
  /**
   * The gate; while the service is still starting, it once it has started (the HTTP server
   * listens a moment before the gate runs). Undefined when it does not come: streaming is stopping.
   */
  gate(): Promise<StreamGate | undefined>;
  auth: HookAuth;
  driver(serverId: string): StreamDriver | undefined;
  log: Logger;
}

/**
 * The server this call comes from, or undefined once the call has been answered 403 (a wrong or
 * missing secret: logged with the address, never the secret) or 503 (streaming not started).
 */
export async function hookCaller(
  request: FastifyRequest<{ Params: { secret?: string } }>,
  reply: FastifyReply,
  kind: ServerKind,
  context: HookContext,
  /** What to answer while there is no gate (default 503, which fails closed: nginx drops the client). */
  withoutGate: (reply: FastifyReply) => unknown = (reply) =>
    reply.code(503).send({ error: { code: 'streaming_off', message: 'Streaming is not running.' } }),
): Promise<{ server: HookServer; gate: StreamGate } | undefined> {
  const secret = typeof request.params.secret === 'string' ? request.params.secret : '';
  const server = secret ? await context.auth.find(kind, secret) : undefined;
  if (!server) {
    context.log.warn('hook call refused: unknown secret', { kind, ip: request.ip });
    await reply
      .code(403)
      .header('cache-control', 'no-store')
      .send({
        error: {
          code: 'forbidden',
          message: `This hook URL is not valid: use the one \`slotcast ${kindLabel(kind)}-config\` prints.`,
        },
      });
    return undefined;
  }
  const gate = await context.gate();
  if (!gate) {
    await withoutGate(reply);
    return undefined;
  }
  return { server, gate };
}
