/**
 * Per-workspace (Slack) and per-guild (Discord) settings that override the configuration.
 */
import type { NotifyMode } from '../domain/policy.js';
import type { Platform } from '../domain/reservation.js';
import type { Sql } from './sql.js';
import { statement } from './sql.js';

export async function workspaceNotifyMode(sql: Sql, platform: Platform, tenantId: string): Promise<NotifyMode | undefined> {
  const { rows } = await sql.query<{ notify_mode: NotifyMode | null }>(
    statement(`SELECT notify_mode FROM workspace_setting WHERE platform = $1 AND tenant_id = $2`, [platform, tenantId]),
  );
  return rows[0]?.notify_mode ?? undefined;
}

/** Sets (or, with null, clears) a workspace's notification mode. */
export async function setWorkspaceNotifyMode(sql: Sql, platform: Platform, tenantId: string, mode: NotifyMode | null): Promise<void> {
  await sql.query(
    statement(
      `INSERT INTO workspace_setting (platform, tenant_id, notify_mode, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (platform, tenant_id) DO UPDATE SET notify_mode = EXCLUDED.notify_mode, updated_at = now()`,
      [platform, tenantId, mode],
    ),
  );
}
