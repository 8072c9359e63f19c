/**
 * Per-workspace (Slack) and per-guild (Discord) settings that override the configuration.
 */
import type { NotifyMode } from '../domain/policy.js';
import type { Platform } from '../domain/reservation.js';
import type { Sql } from './sql.js';
import { statement } from './sql.js';

export async function workspaceNotifyMode(
  sql: Sql,
  platform: Platform,
  tenantId: string,
): Promise<NotifyMode | undefined> {
  const { rows } = await sql.query<{ notify_mode: NotifyMode | null }>(
    statement(`SELECT notify_mode FROM workspace_setting WHERE platform = $1 AND tenant_id = $2`, [platform, tenantId]),
  );
  return rows[0]?.notify_mode ?? undefined;
}

/** Sets (or, with null, clears) a workspace's notification mode. */
export async function setWorkspaceNotifyMode(
  sql: Sql,
  platform: Platform,
  tenantId: string,
  mode: NotifyMode | null,
): Promise<void> {
  await sql.query(
    statement(
      `INSERT INTO workspace_setting (platform, tenant_id, notify_mode, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (platform, tenant_id) DO UPDATE SET notify_mode = EXCLUDED.notify_mode, updated_at = now()`,
      [platform, tenantId, mode],
    ),
  );
}

/** A user's own time zone and their workspace's default, as stored (either may be missing). */
export async function storedZones(
  sql: Sql,
  platform: Platform,
  tenantId: string,
  userId: string,
): Promise<{ user: string | null; workspace: string | null }> {
  const { rows } = await sql.query<{ user_zone: string | null; workspace_zone: string | null }>(
    statement(
      `SELECT (SELECT time_zone FROM user_setting WHERE platform = $1 AND tenant_id = $2 AND user_id = $3) AS user_zone,
              (SELECT time_zone FROM workspace_setting WHERE platform = $1 AND tenant_id = $2) AS workspace_zone`,
      [platform, tenantId, userId],
    ),
  );
  return { user: rows[0]?.user_zone ?? null, workspace: rows[0]?.workspace_zone ?? null };
}

export async function setUserZone(
  sql: Sql,
  platform: Platform,
  tenantId: string,
  userId: string,
  zone: string,
): Promise<void> {
  await sql.query(
    statement(
      `INSERT INTO user_setting (platform, tenant_id, user_id, time_zone, updated_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (platform, tenant_id, user_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, updated_at = now()`,
      [platform, tenantId, userId, zone],
    ),
  );
}
