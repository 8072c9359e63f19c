/**
 * Slack user → Actor. Workspace admins and owners (users.info is_admin / is_owner) may act on
 * anyone's reservation in their workspace. Answers are cached briefly: a button press should not
 * cost a Web API round trip, and a demoted admin loses their reach within the minute.
 */
import type { webApi } from '@slack/bolt';
import type { Actor } from '../domain/reservation.js';
import { stripBidiControls } from '../domain/text.js';
import type { Logger } from '../log.js';

export interface SlackActor extends Actor {
  /** The user's profile zone, for plain-text times (buttons) where date tokens do not render. */
  timeZone?: string;
}

export interface UserRef {
  teamId: string;
  userId: string;
  /** The handle Slack put in the payload; used when users.info cannot be reached. */
  fallbackName?: string;
}

interface Entry {
  actor: Promise<SlackActor>;
  expiresAt: number;
}

export class SlackActors {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly log: Logger,
    private readonly ttlMs = 60_000,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  get(ref: UserRef): Promise<SlackActor> {
    const key = `${ref.teamId}:${ref.userId}`;
    const now = this.clock();
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > now) return cached.actor;
    if (this.cache.size > 10_000) this.prune(now);
    // Concurrent callers share one lookup.
    const actor = this.lookUp(ref);
    this.cache.set(key, { actor, expiresAt: now + this.ttlMs });
    return actor;
  }

  private async lookUp(ref: UserRef): Promise<SlackActor> {
    const base = { platform: 'slack' as const, tenantId: ref.teamId, userId: ref.userId };
    try {
      const { user } = await this.client.users.info({ user: ref.userId });
      // A profile name is typed by its owner: its bidi controls would reverse our words around it
      // wherever it is printed (src/domain/text.ts).
      const name = stripBidiControls(
        user?.real_name || user?.profile?.display_name || user?.name || ref.fallbackName || ref.userId,
      );
      return {
        ...base,
        name,
        isAdmin: Boolean(user?.is_admin || user?.is_owner),
        ...(user?.tz ? { timeZone: user.tz } : {}),
      };
    } catch (error) {
      // Without users.info nobody is an admin: the safe side. Not cached, so the next press asks again.
      this.cache.delete(`${ref.teamId}:${ref.userId}`);
      this.log.warn('slack users.info failed; treating the user as a non-admin', {
        user: ref.userId,
        error: (error as Error).message,
      });
      return { ...base, name: stripBidiControls(ref.fallbackName ?? ref.userId), isAdmin: false };
    }
  }

  private prune(now: number): void {
    for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
  }
}
