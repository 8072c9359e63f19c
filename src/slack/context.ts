/**
 * What every Slack listener needs, built once per app, plus the small helpers they share.
 */
import type { ChatPort } from '../chat/port.js';
import type { Logger } from '../log.js';
import type { SlackActors } from './actor.js';
import type { Prompts } from '../chat/prompt.js';
import type { SlackMessage } from './render.js';
import type { RecentKeys } from './recent.js';

export interface SlackContext {
  /** The use cases and the chat layer; no pool, no configuration. */
  chat: ChatPort;
  log: Logger;
  actors: SlackActors;
  /** The organizer's recorded DM card, redrawn after every commit (src/chat/follow.ts) and answered through a press on it. */
  prompts: Prompts<SlackMessage>;
  /** Drops repeated deliveries of one button press. */
  recent: RecentKeys;
}

/** Slack's name for who besides the organizer may act (src/slack/actor.ts), in refusals. */
export const ADMIN = 'a workspace admin';

/** The workspace of a payload: `team` is null for org-wide installs, where the user's team counts. */
export function teamOf(body: { team?: { id: string } | null; user?: { team_id?: string }; team_id?: string }): string {
  return body.team?.id ?? body.user?.team_id ?? body.team_id ?? 'unknown';
}

/** One reservation per modal: Slack keeps a view's id through updates, and a retry carries it again. */
export const requestKey = (teamId: string, viewId: string): string => `slack:${teamId}:${viewId}`;
