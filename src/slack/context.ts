/**
 * What every Slack listener needs, built once per app, plus the small helpers they share.
 */
import type { AppDeps } from '../app/deps.js';
import type { Logger } from '../log.js';
import type { SlackActors } from './actor.js';
import type { DirectMessages } from './messages.js';
import type { RecentKeys } from './recent.js';

export interface SlackServices {
  deps: AppDeps;
  log: Logger;
  actors: SlackActors;
  dms: DirectMessages;
  /** Drops repeated deliveries of one button press. */
  recent: RecentKeys;
}

/** The workspace of a payload: `team` is null for org-wide installs, where the user's team counts. */
export function teamOf(body: { team?: { id: string } | null; user?: { team_id?: string }; team_id?: string }): string {
  return body.team?.id ?? body.user?.team_id ?? body.team_id ?? 'unknown';
}

/** One reservation per modal: Slack keeps a view's id through updates, and a retry carries it again. */
export const requestKey = (teamId: string, viewId: string): string => `slack:${teamId}:${viewId}`;
