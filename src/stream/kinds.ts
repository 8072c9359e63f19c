/**
 * One driver per server kind, chosen in one place (issue 9). The kinds whose servers call
 * Slotcast's hooks are listed in HOOK_KINDS, each with its driver and its hook routes. The embedded server is no entry: it runs inside the
 * service, and src/stream/index.ts starts it and serves it with its own driver.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerKind } from '../domain/server-kind.js';
import type { Logger } from '../log.js';
import type { ServerRow } from '../store/servers.js';
import type { StreamDriver } from './driver.js';
import type { HookContext } from './hooks.js';
import { nginxRtmpHooks } from './nginx-rtmp/hooks.js';
import { mediamtxHooks } from './mediamtx/hooks.js';
import { externalDriver } from './external.js';
import { MediamtxDriver } from './mediamtx/driver.js';
import { nginxRtmpDriver } from './nginx-rtmp/driver.js';

export interface HookKind {
  kind: ServerKind;
  driver(server: ServerRow, log: Logger): StreamDriver;
  /** Its hook routes, under `/hooks/<kind label>/<hook secret>/`. */
  routes(app: FastifyInstance, context: HookContext): Promise<void>;
}

export const HOOK_KINDS: readonly HookKind[] = [
  { kind: 'nginx_rtmp', driver: nginxRtmpDriver, routes: nginxRtmpHooks },
  { kind: 'mediamtx', driver: (server, log) => new MediamtxDriver({ server, log }), routes: mediamtxHooks },
];

/** The kinds whose servers call Slotcast's hooks. */
export const hookKinds = (): ServerKind[] => HOOK_KINDS.map((entry) => entry.kind);

/** The driver of a server; undefined for the embedded kind (its running server has its own). */
export function driverFor(server: ServerRow, log: Logger): StreamDriver | undefined {
  if (server.kind === 'external') return externalDriver;
  return HOOK_KINDS.find((entry) => entry.kind === server.kind)?.driver(server, log);
}
