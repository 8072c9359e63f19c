/**
 * The transitions after a request: reconfirm (claim 6), cancel (claim 4), lapse, and the start
 * and end of the stream. Each is one transaction: lock the reservation, ask the state machine,
 * write the new state, its notifications and an audit entry. The claims: docs/method.md.
 */
import { actionRefusal } from '../domain/actions.js';
import { completesAt } from '../domain/schedule.js';
import { isEnforcing } from '../domain/server-kind.js';
import type { EventContext, PlannedNotification } from '../domain/notifications.js';
import { planCancelled, planLapsed, planReconfirmed } from '../domain/notifications.js';
import type { Actor, Reservation } from '../domain/reservation.js';
import type { ReservationAction } from '../domain/status.js';
import { describeRefusedTransition, transition } from '../domain/status.js';
import { recordEffects } from '../store/outbox.js';
import type { ReservationPatch, StoredReservation } from '../store/reservations.js';
import { lockReservation, updateReservation } from '../store/reservations.js';
import type { Sql } from '../store/sql.js';
import { inTransaction } from '../store/sql.js';
import type { CancelCommand } from './commands.js';
import type { AppDeps } from './deps.js';
import type { ReservationEventKind } from './events.js';
import { announce } from './events.js';
import type { Outcome, Refusal } from './outcome.js';
import { ok } from './outcome.js';
import { visibleOnly } from './queries.js';

/** The job queue acts as this actor. */
export const SYSTEM_ACTOR: Actor = {
  platform: 'api',
  tenantId: 'system',
  userId: 'slotcast',
  name: 'Slotcast',
  isAdmin: true,
};

interface Step {
  action: ReservationAction;
  event: ReservationEventKind;
  /** A refusal specific to this step, checked after the state machine allowed it. */
  refuse?: (reservation: StoredReservation, now: Date) => Refusal | undefined;
  update: (reservation: StoredReservation, now: Date) => ReservationPatch;
  plan?: (before: Reservation, after: Reservation, context: EventContext) => PlannedNotification[];
  auditDetails?: (after: StoredReservation) => Record<string, unknown>;
}

/** Outcome of a step: the reservation after it, and whether anything changed. */
export interface StepResult {
  reservation: StoredReservation;
  changed: boolean;
}

async function runStep(
  deps: AppDeps,
  actor: Actor,
  idOrCode: string,
  step: Step,
  quietWhenNotApplicable = false,
): Promise<Outcome<StepResult>> {
  const now = deps.clock();
  const outcome = await inTransaction(
    deps.pool,
    async (sql: Sql): Promise<Outcome<{ result: StepResult; notificationIds: string[] }>> => {
      const visible = visibleOnly(actor, await lockReservation(sql, idOrCode));
      if (!visible.ok) return visible;
      const before = visible.value;
      const next = transition(before.status, step.action);
      const refusal: Refusal | undefined = next.ok
        ? step.refuse?.(before, now)
        : { ok: false, reason: 'invalid_transition', message: describeRefusedTransition(before.status, step.action) };
      if (refusal) {
        // The job queue re-runs steps that may no longer apply; that is not an error for it.
        if (quietWhenNotApplicable) return ok({ result: { reservation: before, changed: false }, notificationIds: [] });
        return refusal;
      }
      const after = await updateReservation(sql, before.id, {
        ...step.update(before, now),
        status: next.ok ? next.next : before.status,
      });
      const planned = step.plan?.(before, after, { actorName: actor.name, at: now }) ?? [];
      const notificationIds = await recordEffects(sql, after.id, planned, {
        actor,
        action: step.event,
        details: { from: before.status, to: after.status, ...step.auditDetails?.(after) },
      });
      return ok({ result: { reservation: after, changed: true }, notificationIds });
    },
  );
  if (!outcome.ok) return outcome;
  if (outcome.value.result.changed) {
    await announce(deps, {
      kind: step.event,
      reservation: outcome.value.result.reservation,
      notificationIds: outcome.value.notificationIds,
    });
  }
  return ok(outcome.value.result);
}

/** The organizer confirms before the deadline (claim 6); invitations go out. */
export async function reconfirmReservation(
  deps: AppDeps,
  actor: Actor,
  idOrCode: string,
): Promise<Outcome<StoredReservation>> {
  const outcome = await runStep(deps, actor, idOrCode, {
    action: 'reconfirm',
    event: 'reconfirmed',
    // The same rule the cards' Reconfirm button is shown by.
    refuse: (reservation, now) => {
      const refused = actionRefusal(reservation, 'reconfirm', now);
      return refused && { ok: false, ...refused };
    },
    update: (reservation, now) => ({ version: reservation.version + 1, confirmedAt: now }),
    plan: (_before, after, context) => planReconfirmed(after, context),
  });
  return outcome.ok ? ok(outcome.value.reservation) : outcome;
}

/** The organizer (or an admin) cancels (claim 4); everyone who had been told hears of it. */
export async function cancelReservation(
  deps: AppDeps,
  actor: Actor,
  idOrCode: string,
  command: CancelCommand = {},
): Promise<Outcome<StoredReservation>> {
  const outcome = await runStep(deps, actor, idOrCode, {
    action: 'cancel',
    event: 'cancelled',
    update: (reservation, now) => ({
      version: reservation.version + 1,
      cancelledAt: now,
      cancelReason: command.reason ?? null,
    }),
    plan: planCancelled,
    auditDetails: (after) => ({ reason: after.cancelReason }),
  });
  return outcome.ok ? ok(outcome.value.reservation) : outcome;
}

/**
 * The deadline passed without a reconfirmation: the slot is freed. Does nothing (and says so
 * through `changed`) when the reservation was reconfirmed, cancelled, or its deadline moved.
 */
export async function lapseReservation(deps: AppDeps, id: string): Promise<Outcome<StepResult>> {
  return runStep(
    deps,
    SYSTEM_ACTOR,
    id,
    {
      action: 'lapse',
      event: 'lapsed',
      refuse: (reservation, now) =>
        reservation.reconfirmDeadline.getTime() > now.getTime()
          ? { ok: false, reason: 'invalid_transition', message: 'The deadline has not passed yet.' }
          : undefined,
      update: (reservation) => ({ version: reservation.version + 1 }),
      plan: planLapsed,
    },
    true,
  );
}

/** The stream's start time came: confirmed → live. */
export async function startReservation(deps: AppDeps, id: string): Promise<Outcome<StepResult>> {
  return runStep(
    deps,
    SYSTEM_ACTOR,
    id,
    {
      action: 'start',
      event: 'started',
      refuse: (reservation, now) => {
        // On a server Slotcast enforces, only the stream makes a reservation live (src/app/stream.ts).
        if (isEnforcing(reservation.server.kind))
          return { ok: false, reason: 'invalid_transition', message: 'The stream starts it.' };
        return reservation.startsAt.getTime() > now.getTime()
          ? { ok: false, reason: 'invalid_transition', message: 'The start time has not come yet.' }
          : undefined;
      },
      update: () => ({}),
    },
    true,
  );
}

/**
 * The stream's end time came: live → completed (on an enforcing server at end + buffer, and a
 * confirmed reservation nobody streamed into completes too; elsewhere only a live one does).
 */
export async function completeReservation(deps: AppDeps, id: string): Promise<Outcome<StepResult>> {
  return runStep(
    deps,
    SYSTEM_ACTOR,
    id,
    {
      action: 'complete',
      event: 'completed',
      refuse: (reservation, now) => {
        if (completesAt(reservation).getTime() > now.getTime())
          return { ok: false, reason: 'invalid_transition', message: 'The end time has not come yet.' };
        if (reservation.status === 'confirmed' && !isEnforcing(reservation.server.kind))
          return { ok: false, reason: 'invalid_transition', message: 'It never started.' };
        return undefined;
      },
      update: () => ({}),
    },
    true,
  );
}
