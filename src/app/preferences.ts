/**
 * Users' and workspaces' preferences that front ends read and set: the time zone typed times are
 * read in. Preferences, not reservation rules (those take the zone-free instants).
 */
import type { Platform } from '../domain/reservation.js';
import { setUserZone, storedZones } from '../store/settings.js';
import type { AppDeps } from './deps.js';

export interface UserRef {
  platform: Platform;
  /** Slack workspace id, Discord guild id. */
  tenantId: string;
  userId: string;
}

/** The user's own time zone and their workspace's default, as stored (either may be missing). */
export function timeZonePreferences(
  deps: Pick<AppDeps, 'pool'>,
  user: UserRef,
): Promise<{ user: string | null; workspace: string | null }> {
  return storedZones(deps.pool, user.platform, user.tenantId, user.userId);
}

/** Sets the user's own zone; `zone` is a canonical IANA name (src/chat/zones.ts checks what users type). */
export function setTimeZonePreference(deps: Pick<AppDeps, 'pool'>, user: UserRef, zone: string): Promise<void> {
  return setUserZone(deps.pool, user.platform, user.tenantId, user.userId, zone);
}
