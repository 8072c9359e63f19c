/**
 * The transactional outbox and the audit trail, written in the same statement or transaction as
 * the state change they describe, so they commit — or vanish — with it.
 */
import { randomUUID } from 'node:crypto';
import type { PlannedNotification } from '../domain/notifications.js';
import type { Actor } from '../domain/reservation.js';
import type { Sql } from './sql.js';
import { statement } from './sql.js';

export interface AuditRecord {
  actor: Actor;
  action: string;
  details: Record<string, unknown>;
}

/**
 * SQL for two data-modifying CTEs — `written` (the notifications, ids returned) and `audited`
 * (one audit entry) — for a reservation whose id comes from the CTE or table `source`. They take
 * seven parameters starting at `$first`, in the order `effectsParameters` gives them. A
 * notification whose dedupe key exists already is skipped: a replayed event queues nothing twice.
 */
export function EFFECTS_CTES(source: string, first: number): string {
  const p = (offset: number) => `$${first + offset}`;
  return `written AS (
       INSERT INTO notification (id, reservation_id, event, channel, recipient, dedupe_key, payload)
       SELECT n.id, source.id, n.event, n.channel, n.recipient, n.dedupe_key, n.payload
       FROM ${source} AS source,
         jsonb_to_recordset(${p(0)}::jsonb) AS n(id uuid, event "NotificationEvent", channel "NotificationChannel",
           recipient text, dedupe_key text, payload jsonb)
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id),
     audited AS (
       INSERT INTO audit_entry (reservation_id, actor_platform, actor_tenant_id, actor_user_id, actor_name, action, details)
       SELECT source.id, ${p(1)}::"Platform", ${p(2)}::text, ${p(3)}::text, ${p(4)}::text, ${p(5)}::text, ${p(6)}::jsonb
       FROM ${source} AS source)`;
}

export function effectsParameters(planned: PlannedNotification[], audit: AuditRecord): unknown[] {
  const notifications = planned.map((notification) => ({
    id: randomUUID(),
    event: notification.event,
    channel: notification.channel,
    recipient: notification.recipient,
    dedupe_key: notification.dedupeKey,
    payload: notification.payload,
  }));
  return [
    JSON.stringify(notifications),
    audit.actor.platform,
    audit.actor.tenantId,
    audit.actor.userId,
    audit.actor.name,
    audit.action,
    JSON.stringify(audit.details),
  ];
}

/** Appends planned notifications and an audit entry for an existing reservation; returns the new notification ids. */
export async function recordEffects(
  sql: Sql,
  reservationId: string,
  planned: PlannedNotification[],
  audit: AuditRecord,
): Promise<string[]> {
  const { rows } = await sql.query<{ ids: string[] }>(
    statement(
      `WITH target AS (SELECT $1::uuid AS id),
       ${EFFECTS_CTES('target', 2)}
       SELECT coalesce(array_agg(id::text), '{}') AS ids FROM written`,
      [reservationId, ...effectsParameters(planned, audit)],
    ),
  );
  return rows[0]!.ids;
}

/** Whether a notification was queued for the reservation whose dedupe key starts with `keyPrefix`. */
export async function hasNotification(sql: Sql, reservationId: string, keyPrefix: string): Promise<boolean> {
  const pattern = `${keyPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const { rows } = await sql.query(
    statement('SELECT 1 FROM notification WHERE reservation_id = $1 AND dedupe_key LIKE $2 LIMIT 1', [
      reservationId,
      pattern,
    ]),
  );
  return rows.length > 0;
}

/** An audit entry on its own (a refused request, which leaves no reservation behind). */
export async function appendAudit(sql: Sql, audit: AuditRecord & { reservationId?: string }): Promise<void> {
  await sql.query(
    statement(
      `INSERT INTO audit_entry (reservation_id, actor_platform, actor_tenant_id, actor_user_id, actor_name, action, details)
       VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::jsonb)`,
      [
        audit.reservationId ?? null,
        audit.actor.platform,
        audit.actor.tenantId,
        audit.actor.userId,
        audit.actor.name,
        audit.action,
        JSON.stringify(audit.details),
      ],
    ),
  );
}
