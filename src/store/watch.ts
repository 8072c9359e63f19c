/**
 * Reads for the watch page and the organizer page that only the web needs: the latest move of a
 * reservation's start (from the audit trail), when its stream first began, and its viewers' stays
 * (for the attendance).
 */
import type { ViewerStay } from '../domain/admission.js';
import type { Sql } from './sql.js';
import { statement } from './sql.js';

/** The latest change of the start time, from the `changed` audit entries (old → new, ISO-8601). */
export async function lastMove(sql: Sql, reservationId: string): Promise<{ from: Date; to: Date } | undefined> {
  const { rows } = await sql.query<{ change: { from: string; to: string } }>(
    statement(
      `SELECT change FROM audit_entry, jsonb_array_elements(details -> 'changes') AS change
       WHERE reservation_id = $1::uuid AND action = 'changed' AND change ->> 'field' = 'startsAt'
       ORDER BY id DESC LIMIT 1`,
      [reservationId],
    ),
  );
  const change = rows[0]?.change;
  return change ? { from: new Date(change.from), to: new Date(change.to) } : undefined;
}

/** When the reservation's stream first began, if it ever did (its first publish). */
export async function firstPublishAt(sql: Sql, reservationId: string): Promise<Date | undefined> {
  const { rows } = await sql.query<{ at: Date | null }>(
    statement(`SELECT min(started_at) AS at FROM publish_session WHERE reservation_id = $1::uuid`, [reservationId]),
  );
  return rows[0]?.at ?? undefined;
}

/** Every admitted viewer's stay in a reservation's stream. */
export async function viewerStays(sql: Sql, reservationId: string): Promise<ViewerStay[]> {
  const { rows } = await sql.query<ViewerStay>(
    statement(
      `SELECT credential, invitee, ip, joined_at AS "joinedAt", left_at AS "leftAt" FROM viewer_session
       WHERE reservation_id = $1::uuid ORDER BY joined_at`,
      [reservationId],
    ),
  );
  return rows;
}
