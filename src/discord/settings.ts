/**
 * The zone a Discord user's typed times are read in: their own (`/reserve timezone`), else their
 * guild's default (workspace_setting), else UTC. Preferences, not reservation rules.
 */
import type pg from 'pg';
import { setUserZone, storedZones } from '../store/settings.js';
import { canonicalZone } from './zones.js';

export const DEFAULT_ZONE = 'UTC';

export interface ZoneSource {
  zone: string;
  /** Where the zone came from, so the bot can tell the user why it reads times that way. */
  from: 'user' | 'guild' | 'default';
}

export async function zoneFor(pool: pg.Pool, guildId: string, userId: string): Promise<ZoneSource> {
  const stored = await storedZones(pool, 'discord', guildId, userId);
  // A zone that this Node's ICU no longer knows is skipped rather than failing every request.
  const user = stored.user ? canonicalZone(stored.user) : undefined;
  if (user) return { zone: user, from: 'user' };
  const guild = stored.workspace ? canonicalZone(stored.workspace) : undefined;
  if (guild) return { zone: guild, from: 'guild' };
  return { zone: DEFAULT_ZONE, from: 'default' };
}

export async function saveUserZone(pool: pg.Pool, guildId: string, userId: string, zone: string): Promise<void> {
  await setUserZone(pool, 'discord', guildId, userId, zone);
}
