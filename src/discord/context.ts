/**
 * What every Discord handler needs, built once per bot.
 */
import type { ChatPort } from '../chat/port.js';
import type { Prompts } from '../chat/prompt.js';
import type { Logger } from '../log.js';
import type { Drafts } from './drafts.js';
import type { DiscordMessage } from './render.js';

export interface DiscordContext {
  /** The use cases and the chat layer; no pool, no configuration. */
  chat: ChatPort;
  drafts: Drafts;
  log: Logger;
  /** The organizer's recorded DM prompt, redrawn after every commit (src/chat/follow.ts) and answered through a press on it. */
  prompts: Prompts<DiscordMessage>;
}

/** Discord's name for who besides the organizer may act (src/discord/actor.ts), in refusals. */
export const ADMIN = 'a server admin (Manage Server)';
