/**
 * The zone a Discord user's typed times are read in: their own (`/reserve timezone`), else their
 * guild's default (workspace_setting), else UTC. Preferences, not reservation rules.
 */
import type pg from 'pg';
import type { Db } from '../store/client.js';
import { statement } from '../store/sql.js';
import { canonicalZone } from './zones.js';

export const DEFAULT_ZONE = 'UTC';

export interface ZoneSource {
  zone: string;
  /** Where the zone came from, so the bot can tell the user why it reads times that way. */
  from: 'user' | 'guild' | 'default';
}

export async function zoneFor(pool: pg.Pool, guildId: string, userId: string): Promise<ZoneSource> {
  const { rows } = await pool.query<{ user_zone: string | null; guild_zone: string | null }>(
    statement(
      `SELECT (SELECT time_zone FROM user_setting WHERE platform = 'discord' AND tenant_id = $1 AND user_id = $2) AS user_zone,
              (SELECT time_zone FROM workspace_setting WHERE platform = 'discord' AND tenant_id = $1) AS guild_zone`,
      [guildId, userId],
    ),
  );
  const row = rows[0];
  // A zone that this Node's ICU no longer knows is skipped rather than failing every request.
  const user = row?.user_zone ? canonicalZone(row.user_zone) : undefined;
  if (user) return { zone: user, from: 'user' };
  const guild = row?.guild_zone ? canonicalZone(row.guild_zone) : undefined;
  if (guild) return { zone: guild, from: 'guild' };
  return { zone: DEFAULT_ZONE, from: 'default' };
}

export async function saveUserZone(db: Db, guildId: string, userId: string, zone: string): Promise<void> {
  await db.userSetting.upsert({
    where: { platform_tenantId_userId: { platform: 'discord', tenantId: guildId, userId } },
    create: { platform: 'discord', tenantId: guildId, userId, timeZone: zone },
    update: { timeZone: zone },
  });
}
