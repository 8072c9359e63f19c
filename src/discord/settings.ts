/**
 * The zone a Discord user's typed times are read in: their own (`/reserve timezone`), else their
 * guild's default (workspace_setting), else UTC. Preferences, not reservation rules.
 */
import type pg from 'pg';
import { setUserZone, storedZones } from '../store/settings.js';
import type { ZoneSource } from '../chat/zones.js';
import { resolveZone } from '../chat/zones.js';

export async function zoneFor(pool: pg.Pool, guildId: string, userId: string): Promise<ZoneSource> {
  return resolveZone(await storedZones(pool, 'discord', guildId, userId));
}

export async function saveUserZone(pool: pg.Pool, guildId: string, userId: string, zone: string): Promise<void> {
  await setUserZone(pool, 'discord', guildId, userId, zone);
}
