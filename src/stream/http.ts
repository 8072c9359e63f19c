/**
 * Viewers' HTTP routes (issue 9), as a Fastify plugin of the service's HTTP server:
 *
 * - GET /live/R-XXXX.flv?t=TOKEN or ?passcode=P — the embedded server's HTTP-FLV, read from
 *   node-media-server on loopback and piped through, once the gate has admitted the viewer.
 *   Missing credentials 401, wrong ones (or the stream not on) 403, more than 10 wrong tries a
 *   minute from one address 429 — and never a byte of the stream with any of them.
 * The watch page around it is src/web (issue 11).
 *
 * Query strings hold secrets: nothing here logs a URL's query.
 */
import { request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { EmbeddedStreamServer } from './embedded/server.js';
import type { StreamGate } from './gate.js';

/** What the routes need; filled in once streaming has started (the HTTP server starts first). */
export interface StreamRoutes {
  gate: StreamGate | undefined;
  embedded: EmbeddedStreamServer | undefined;
}

const STREAM_FILE = /^(R-[\w]+)\.flv$/i;

const MESSAGES: Record<string, string> = {
  missing_credentials: 'Open your personal link, or give the passcode (?passcode=…).',
  wrong_credentials: 'The link or passcode is not valid for this stream.',
  not_live: 'The stream is not on yet.',
  over: 'The stream is over.',
  too_many_tries: 'Too many wrong tries from your address; wait a minute.',
};

export async function streamRoutes(app: FastifyInstance, routes: StreamRoutes): Promise<void> {
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/live/:file',
    handler: async (request, reply) =>
      reply
        .code(405)
        .header('allow', 'GET, HEAD')
        .send({ error: { code: 'method_not_allowed', message: `${request.method} is not allowed here.` } }),
  });
  app.get<{ Params: { file: string }; Querystring: { t?: string; passcode?: string } }>(
    '/live/:file',
    async (request, reply) => {
      const stream = STREAM_FILE.exec(request.params.file);
      if (!stream) return reply.callNotFound();
      const gate = routes.gate;
      if (!gate) {
        return reply
          .code(503)
          .send({ error: { code: 'streaming_off', message: 'Streaming is not running in this service.' } });
      }
      const credentials = { token: one(request.query.t), passcode: one(request.query.passcode) };
      // The stream is piped from node-media-server for as long as it lasts: Fastify lets go of the reply.
      reply.hijack();
      await playStream(routes, gate, request.raw, reply.raw, {
        code: stream[1]!,
        credentials,
        ip: request.ip.replace(/^::ffff:/, ''),
        // Only this process's own embedded server is served here.
        serverId: routes.embedded?.servedId,
      });
    },
  );
}

/** A query parameter given twice counts as not given: no credential is guessed at. */
function one(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

async function playStream(
  routes: StreamRoutes,
  gate: StreamGate,
  req: IncomingMessage,
  res: ServerResponse,
  request: Parameters<StreamGate['play']>[0],
): Promise<void> {
  const decision = await gate.play(request);
  const embedded = routes.embedded;
  if (!decision.admitted || !embedded) {
    // A refused viewer is recorded nowhere: not an attendee.
    if (decision.admitted || decision.reason === 'not_served_here') {
      sendJson(res, 404, { error: { code: 'not_found', message: 'This stream is not served here.' } });
      return;
    }
    if (decision.status === 401) res.setHeader('www-authenticate', 'Passcode');
    sendJson(res, decision.status, { error: { code: decision.reason, message: MESSAGES[decision.reason] } });
    return;
  }
  const { viewer, reservation } = decision;
  const upstream = httpRequest(embedded.flvUrl(reservation.streamKey), { method: 'GET' });
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    upstream.destroy();
    if (!res.headersSent) sendJson(res, 503, { error: { code: 'unavailable', message: 'The stream stopped.' } });
    else res.end();
    gate.playEnded(viewer);
  };
  viewer.onEnd = end;
  upstream.on('response', (media) => {
    res.writeHead(200, {
      'content-type': 'video/x-flv',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      end();
      return;
    }
    media.pipe(res);
    media.on('end', end);
  });
  upstream.on('error', end);
  res.on('close', end);
  upstream.end();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
