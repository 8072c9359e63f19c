/**
 * Reminders (queued by the job runtime at their time) and the delivery failure report. Each
 * re-reads the reservation and does nothing when it no longer applies.
 */
import { planFailureReport, planReminder } from '../domain/notifications.js';
import { recordEffects } from '../store/outbox.js';
import { findReservation } from '../store/reservations.js';
import { takeUnreportedFailures } from '../store/notifications.js';
import { inTransaction } from '../store/sql.js';
import type { AppDeps } from './deps.js';
import { SYSTEM_ACTOR } from './lifecycle.js';

/** Returns the ids of the notifications queued (none when the reminder no longer applies). */
export async function remind(
  deps: AppDeps,
  reservationId: string,
  kind: 'reconfirm_reminder' | 'start_reminder',
  version: number,
): Promise<string[]> {
  const now = deps.clock();
  return inTransaction(deps.pool, async (sql) => {
    const reservation = await findReservation(sql, reservationId);
    if (!reservation || reservation.version !== version) return [];
    const applies =
      kind === 'reconfirm_reminder'
        ? reservation.status === 'permitted' && reservation.reconfirmDeadline.getTime() > now.getTime()
        : reservation.status === 'confirmed' && reservation.startsAt.getTime() > now.getTime();
    if (!applies) return [];
    const planned = planReminder(kind, reservation, { actorName: SYSTEM_ACTOR.name, at: now });
    return recordEffects(sql, reservation.id, planned, {
      actor: SYSTEM_ACTOR,
      action: kind,
      details: { recipients: planned.length },
    });
  });
}

/**
 * One report to the organizer listing the contacts that could not be reached since the last
 * report. Returns the ids of the notifications queued.
 */
export async function reportDeliveryFailures(deps: AppDeps, reservationId: string): Promise<string[]> {
  const now = deps.clock();
  return inTransaction(deps.pool, async (sql) => {
    const reservation = await findReservation(sql, reservationId);
    if (!reservation) return [];
    const unreachable = await takeUnreportedFailures(sql, reservationId);
    const planned = planFailureReport(reservation, unreachable, { actorName: SYSTEM_ACTOR.name, at: now });
    if (planned.length === 0) return [];
    return recordEffects(sql, reservation.id, planned, {
      actor: SYSTEM_ACTOR,
      action: 'delivery_failures_reported',
      details: { count: unreachable.length },
    });
  });
}
