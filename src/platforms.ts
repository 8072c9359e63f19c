/**
 * A chat platform plugs into the service through this seam: HTTP mounts (Slack's /slack/events),
 * notification transports (its DMs and channel posts), and a lifecycle. src/main.ts assembles the
 * configured platforms; nothing else knows which exist.
 */
import type { ChatPort } from './chat/port.js';
import type { Config } from './config.js';
import type { Mount } from './http/server.js';
import type { Logger } from './log.js';
import type { Transport } from './notify/transport.js';

export interface PlatformContext {
  config: Config;
  /** What chat front ends may use of the service (src/chat/port.ts); not the pool, not the use cases' deps. */
  chat: ChatPort;
  log: Logger;
}

export interface Platform {
  name: string;
  mounts: Mount[];
  transports: Transport[];
  /**
   * Redraws the organizer's DM prompt of a reservation, if this platform posted one: after an
   * action taken elsewhere (the web pages), so no prompt keeps a button that no longer applies.
   */
  redrawPrompt?(reservationId: string): Promise<void>;
  /** Connects (gateway, socket mode); called after the HTTP server listens. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Returns undefined, after saying so once, when the platform is not configured. */
export type PlatformFactory = (context: PlatformContext) => Promise<Platform | undefined>;
