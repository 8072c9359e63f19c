/**
 * nginx-rtmp's callbacks (issue 9), at `/hooks/nginx-rtmp/<hook secret>/<call>`. nginx POSTs a
 * form (`app, name, addr, clientid, call, …` plus the client's own query string) and heeds only
 * the first digit of the status: 2xx goes on, 3xx renames the stream (Location), anything else
 * drops the client.
 *
 * - publish → the gate decides (2xx admitted, 403 refused); publish_done → it ended.
 * - update (every notify_update_timeout while a client streams or plays) → 2xx while the gate
 *   still admits it, 403 once cut: the backup of the control module's drop.
 * - play (RTMP viewers, `rtmp://…/APP/R-XXXX?t=TOKEN` or `?passcode=`) → the gate checks the
 *   credentials like the HTTP stream's (401/403/429); admitted, a 302 points nginx at the stream
 *   key, which the viewer never sees. play_done → the viewer left.
 * - hls (GET, nginx's auth_request for every playlist and segment request) → 2xx with the stream's
 *   directory in `X-Slotcast-Stream`, or 401/403/429.
 *
 * Any instance may get any call (issue 16): every answer comes from the gate's shared state, so
 * a publisher's update calls and a viewer's segment requests may alternate between instances.
 *
 * The route pattern (not the URL) is what gets logged, so the secret stays out of the logs.
 */
import fastifyFormbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { rtmpApplication } from './config.js';
import { parseCredentialSegment } from './driver.js';
import type { HookContext } from '../hooks.js';
import { HOOK_ID_MAX_CHARS, hookCaller } from '../hooks.js';

/** A form field given once; a repeated or missing one counts as empty (no credential is guessed at). */
const field = z.unknown().transform((value) => (typeof value === 'string' ? value : ''));
/** The same, for a client id or address: stored, indexed and logged, so bounded. */
const idField = field.pipe(z.string().max(HOOK_ID_MAX_CHARS, `at most ${HOOK_ID_MAX_CHARS} characters`));
const optionalField = z
  .unknown()
  .transform((value) => (typeof value === 'string' && value ? value : undefined))
  .optional();

const callbackForm = z.looseObject({
  app: field,
  name: field,
  addr: idField,
  clientid: idField,
  call: field,
  t: optionalField,
  passcode: optionalField,
});

const CALLS = ['publish', 'play', 'update', 'publish_done', 'play_done'] as const;

const ok = { ok: true };
const refused = (code: string) => ({ error: { code, message: 'Refused by Slotcast.' } });

export async function nginxRtmpHooks(app: FastifyInstance, context: HookContext): Promise<void> {
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(fastifyFormbody);

  app.post<{ Params: { secret: string; call: string } }>('/hooks/nginx-rtmp/:secret/:call', async (request, reply) => {
    const call = request.params.call as (typeof CALLS)[number];
    // Without a gate (the service is stopping) an update carries on, as when nginx cannot reach
    // Slotcast at all: a restart must not drop every publisher; the next start judges them again.
    const caller = await hookCaller(request, reply, 'nginx_rtmp', context, (answer) =>
      call === 'update'
        ? answer.send(ok)
        : answer.code(503).send({ error: { code: 'streaming_off', message: 'Streaming is not running.' } }),
    );
    if (!caller) return reply;
    const { server, gate } = caller;
    const parsed = callbackForm.safeParse(request.body ?? {});
    if (!CALLS.includes(call) || !parsed.success) {
      const problems = parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
      return reply
        .code(400)
        .send({ error: { code: 'bad_request', message: ['Not an nginx-rtmp callback.', ...problems].join(' ') } });
    }
    const form = parsed.data;
    // Publishing and playing only in the application the configuration defines.
    const key = form.app === rtmpApplication(server.ingestBaseUrl) ? form.name : '';
    const client = { serverId: server.id, clientId: form.clientid, ip: form.addr };
    switch (call) {
      case 'publish': {
        const decision = await gate.publish({ ...client, key });
        return decision.admitted ? reply.send(ok) : reply.code(403).send(refused(decision.reason));
      }
      case 'publish_done':
        await gate.publishEnded(server.id, form.clientid);
        return reply.send(ok);
      case 'update':
        if (form.call === 'update_play')
          return (await gate.playerWatching(server.id, form.clientid))
            ? reply.send(ok)
            : reply.code(403).send(refused('cut'));
        return (await gate.update({ ...client, key })) ? reply.send(ok) : reply.code(403).send(refused('cut'));
      case 'play': {
        const answer = await gate.keyedViewer({
          serverId: server.id,
          player: form.clientid,
          code: key,
          credentials: { token: form.t, passcode: form.passcode },
          ip: form.addr,
        });
        if (answer.status !== 200) return reply.code(answer.status).send(refused(answer.reason));
        // Played under its code; nginx plays the stream the key names (nginx only, not the viewer, sees it).
        return reply.code(302).header('location', answer.reservation.streamKey).send();
      }
      case 'play_done':
        await gate.playerLeft(server.id, form.clientid);
        return reply.send(ok);
    }
  });

  app.get<{ Params: { secret: string } }>('/hooks/nginx-rtmp/:secret/hls', async (request, reply) => {
    const caller = await hookCaller(request, reply, 'nginx_rtmp', context);
    if (!caller) return reply;
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : '';
    };
    const answer = await caller.gate.keyedViewer({
      serverId: caller.server.id,
      code: header('x-slotcast-code'),
      credentials: parseCredentialSegment(header('x-slotcast-credential')),
      // nginx passes the viewer's address; the secret proved the call is nginx's. Stored and
      // indexed with a wrong try, so bounded like the callbacks' addresses.
      ip: (header('x-real-ip') || request.ip).slice(0, HOOK_ID_MAX_CHARS),
    });
    reply.header('cache-control', 'no-store');
    if (answer.status !== 200) return reply.code(answer.status).send(refused('viewer_refused'));
    return reply.header('x-slotcast-stream', answer.reservation.streamKey).send(ok);
  });
}
