/**
 * What happens at the streaming server, as use cases (issue 9): a publish claimed (the first
 * one makes the reservation live), a publish refused (audited; the organizer told once per
 * reservation and reason), and the attendance summary once the stream is over (viewer sessions
 * are plain records: src/stream/gate/viewers.ts). Each is one transaction on the shared database, so every Slotcast instance
 * behind a balancer agrees (issue 16); the gate (src/stream/gate.ts) calls them.
 */
import type { PublishRefusalReason, PublishWindow } from '../domain/admission.js';
import { decidePublish, isToldToOrganizer, summarizeAttendance } from '../domain/admission.js';
import { noShowKey, planAttendanceSummary, planNoShow, planPublishRefused } from '../domain/notifications.js';
import { isEnforcing } from '../domain/server-kind.js';
import { transition } from '../domain/status.js';
import { appendAudit, hasNotification, recordEffects } from '../store/outbox.js';
import type { StoredReservation } from '../store/reservations.js';
import { findReservation, lockReservation, updateReservation } from '../store/reservations.js';
import { inTransaction } from '../store/sql.js';
import {
  closeStreamSessions,
  endPublishSession,
  hasAttendanceSummary,
  hasPublished,
  insertPublishSession,
  openSessionOf,
  touchPublishSessions,
} from '../store/streaming.js';
import type { AppDeps } from './deps.js';
import { announce } from './events.js';
import { completeReservation, SYSTEM_ACTOR } from './lifecycle.js';

export interface PublishStart {
  reservationId: string;
  serverId: string;
  /**
   * The stream key the publisher gave: checked against the locked row, so a key replaced a moment
   * ago (a commit some instance's memory has not heard of yet) is refused everywhere. Never stored.
   */
  key: string;
  /** The server's id for the connection. */
  clientId: string;
  ip: string;
  at: Date;
  /**
   * A publisher whose server has not spoken of it for this long has gone (its end was missed):
   * it holds the reservation no more.
   */
  silentMs: number;
}

export type PublishClaim =
  | { admitted: true; sessionId: string }
  | { admitted: false; reason: PublishRefusalReason; window?: PublishWindow };

/**
 * A publisher wants into a reservation: decided on the locked row, so every instance agrees —
 * one publisher per reservation (the open session; unique in the database), the reservation's
 * state as committed, whoever committed it. Admitted, the session is recorded and the first
 * publish makes a confirmed reservation live (the stream, not the clock, says when it is live); a
 * reconnect into a live reservation only records its session. The same connection asking again
 * (nginx's update call landing on another instance) gets its own session back.
 */
export async function claimPublish(deps: AppDeps, start: PublishStart): Promise<PublishClaim> {
  const outcome = await inTransaction(deps.pool, async (sql) => {
    const before = await lockReservation(sql, start.reservationId);
    if (!before || before.streamKey !== start.key)
      return { claim: { admitted: false, reason: 'unknown_key' } as PublishClaim, live: undefined };
    const holder = await openSessionOf(sql, before.id);
    if (holder && holder.serverId === start.serverId && holder.clientId === start.clientId) {
      await touchPublishSessions(sql, holder.serverId, [holder.clientId]);
      return { claim: { admitted: true, sessionId: holder.id } as PublishClaim, live: undefined };
    }
    const silent = holder !== undefined && holder.silentSeconds * 1_000 >= start.silentMs;
    const decision = decidePublish({
      reservation: {
        id: before.id,
        serverId: before.server.id,
        status: before.status,
        startsAt: before.startsAt,
        endsAt: before.endsAt,
        bufferMs: (before.server.bufferSeconds ?? 0) * 1_000,
      },
      serverId: start.serverId,
      now: start.at,
      otherPublisher: holder !== undefined && !silent,
    });
    if (!decision.admitted) return { claim: decision as PublishClaim, live: undefined };
    if (holder) await endPublishSession(sql, holder.id, start.at, 'gone');
    const sessionId = await insertPublishSession(sql, start);
    const claim: PublishClaim = { admitted: true, sessionId };
    if (!transition(before.status, 'start').ok) return { claim, live: undefined };
    const live = await updateReservation(sql, before.id, { status: 'live' });
    await recordEffects(sql, live.id, [], {
      actor: SYSTEM_ACTOR,
      action: 'started',
      details: { from: before.status, to: 'live', by: 'stream', client: start.clientId, ip: start.ip },
    });
    return { claim, live };
  });
  if (outcome.live) await announce(deps, { kind: 'started', reservation: outcome.live, notificationIds: [] });
  return outcome.claim;
}

export interface PublishRefusalRecord {
  reservationId: string | undefined;
  serverId: string;
  serverName: string;
  reason: PublishRefusalReason;
  window: PublishWindow | undefined;
  clientId: string;
  ip: string;
  at: Date;
}

/**
 * A refused publish: audited with its reason (never the key), and the organizer told once per
 * reservation and reason, in words they can act on. Returns whether a notice was queued.
 */
export async function publishRefused(deps: AppDeps, refusal: PublishRefusalRecord): Promise<boolean> {
  const details = { reason: refusal.reason, server: refusal.serverName, client: refusal.clientId, ip: refusal.ip };
  const audit = { actor: SYSTEM_ACTOR, action: 'publish_refused', details };
  const reservationId = refusal.reservationId;
  if (!reservationId) {
    await appendAudit(deps.pool, audit);
    return false;
  }
  const outcome = await inTransaction(deps.pool, async (sql) => {
    const reservation = await findReservation(sql, reservationId);
    if (!reservation) return { reservation, ids: [] };
    const window = refusal.window ?? { opensAt: reservation.startsAt, closesAt: reservation.endsAt };
    const planned = isToldToOrganizer(refusal.reason)
      ? planPublishRefused(
          reservation,
          {
            reason: refusal.reason,
            at: refusal.at.toISOString(),
            opensAt: window.opensAt.toISOString(),
            closesAt: window.closesAt.toISOString(),
            ...(refusal.reason === 'wrong_server' ? { reachedServer: refusal.serverName } : {}),
          },
          { actorName: refusal.serverName, at: refusal.at },
        )
      : [];
    return { reservation, ids: await recordEffects(sql, reservation.id, planned, audit) };
  });
  if (outcome.reservation && outcome.ids.length > 0)
    await announce(deps, { kind: 'publish_refused', reservation: outcome.reservation, notificationIds: outcome.ids });
  return outcome.ids.length > 0;
}

/**
 * The stream is over (completed, or cancelled while it ran): its open sessions are closed and the
 * organizer gets one attendance summary, in their DM and e-mail. Nothing when nobody ever
 * streamed, or the summary exists already (another process, a retried job).
 */
export async function summarizeStream(deps: AppDeps, reservationId: string, reason: string): Promise<string[]> {
  const now = deps.clock();
  const outcome = await inTransaction(deps.pool, async (sql) => {
    const reservation = await lockReservation(sql, reservationId);
    if (!reservation || !['completed', 'cancelled', 'lapsed'].includes(reservation.status)) return undefined;
    if (!(await hasPublished(sql, reservation.id))) return undefined;
    const stays = await closeStreamSessions(sql, reservation.id, now, reason);
    if (await hasAttendanceSummary(sql, reservation.id)) return undefined;
    const attendance = summarizeAttendance(stays, now);
    const planned = planAttendanceSummary(reservation, attendance, { actorName: SYSTEM_ACTOR.name, at: now });
    const ids = await recordEffects(sql, reservation.id, planned, {
      actor: SYSTEM_ACTOR,
      action: 'attendance_summarized',
      details: { ...attendance, invitees: attendance.invitees.length },
    });
    return { reservation, ids };
  });
  if (!outcome) return [];
  await announce(deps, {
    kind: 'attendance_summarized',
    reservation: outcome.reservation,
    notificationIds: outcome.ids,
  });
  return outcome.ids;
}

/**
 * The no-show job (src/jobs/runtime.ts), at start + NO_SHOW_AFTER: when nobody has streamed into a
 * confirmed reservation on a server Slotcast enforces, the organizer is told, in their DM and
 * e-mail — once per start time, whichever instance runs the job and however often (the check and
 * the notice are made on the locked row). Nothing after a publish, or when the reservation was
 * cancelled or moved to a later start meanwhile (its job was moved too). Returns the queued ids.
 */
export async function tellNoShow(deps: AppDeps, reservationId: string, noShowAfterMs: number): Promise<string[]> {
  const now = deps.clock();
  const outcome = await inTransaction(deps.pool, async (sql) => {
    const reservation = await lockReservation(sql, reservationId);
    if (reservation?.status !== 'confirmed' || !isEnforcing(reservation.server.kind)) return undefined;
    if (now.getTime() < reservation.startsAt.getTime() + noShowAfterMs || now >= reservation.endsAt) return undefined;
    if (
      (await hasPublished(sql, reservation.id)) ||
      (await hasNotification(sql, reservation.id, noShowKey(reservation)))
    )
      return undefined;
    const planned = planNoShow(reservation, { actorName: SYSTEM_ACTOR.name, at: now });
    const ids = await recordEffects(sql, reservation.id, planned, {
      actor: SYSTEM_ACTOR,
      action: 'no_show',
      details: { startsAt: reservation.startsAt.toISOString(), noShowAfterMs },
    });
    return { reservation, ids };
  });
  if (!outcome) return [];
  await announce(deps, { kind: 'no_show', reservation: outcome.reservation, notificationIds: outcome.ids });
  return outcome.ids;
}

/**
 * The end job (src/jobs/runtime.ts): completes the reservation when its time is up — on an
 * enforcing server at end + buffer — and then summarizes the stream, if there was one.
 */
export async function finishReservation(deps: AppDeps, reservationId: string): Promise<void> {
  const completed = await completeReservation(deps, reservationId);
  const reservation: StoredReservation | undefined = completed.ok ? completed.value.reservation : undefined;
  if (reservation && isEnforcing(reservation.server.kind) && reservation.status === 'completed')
    await summarizeStream(deps, reservation.id, 'window_ended');
}
