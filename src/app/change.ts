/**
 * Change (claim 5): the organizer edits a reservation. Availability is checked again without
 * counting the reservation itself; a permitted reservation gets a new reconfirmation deadline, a
 * confirmed one stays confirmed. Everyone who had been told gets a change notice saying what
 * changed, old → new. The claims: docs/method.md.
 */
import { actionRefusal } from '../domain/actions.js';
import { freeLane, occupiedRange } from '../domain/availability.js';
import type { FieldChange } from '../domain/changes.js';
import { diffReservations } from '../domain/changes.js';
import { planChanged } from '../domain/notifications.js';
import { reconfirmDeadline } from '../domain/policy.js';
import type { Actor } from '../domain/reservation.js';
import { appendAudit, recordEffects } from '../store/outbox.js';
import type { StoredReservation } from '../store/reservations.js';
import { bookings, isOverlapViolation, lockReservation, updateReservation } from '../store/reservations.js';
import type { ServerRow } from '../store/servers.js';
import { bufferMs } from '../store/servers.js';
import type { Sql } from '../store/sql.js';
import { inTransaction } from '../store/sql.js';
import { findAlternatives, unavailableMessage } from './alternatives.js';
import type { ChangeCommand } from './commands.js';
import type { AppDeps } from './deps.js';
import { announce } from './events.js';
import type { Outcome } from './outcome.js';
import { invalid, ok } from './outcome.js';
import { visibleOnly } from './queries.js';
import { checkAgainstPolicy } from './request.js';

export async function changeReservation(
  deps: AppDeps,
  actor: Actor,
  idOrCode: string,
  command: ChangeCommand,
): Promise<Outcome<StoredReservation>> {
  const now = deps.clock();
  // A request that took the lane between our read and our write makes the constraint refuse the
  // update (23P01); the retry reads again and then sees the reservation that won.
  const outcome = await inTransaction(deps.pool, (sql) => decide(sql, deps, actor, idOrCode, command, now), {
    retryWhen: isOverlapViolation,
  });
  if (!outcome.ok) {
    if (outcome.reason === 'unavailable')
      await appendAudit(deps.pool, { actor, action: 'change_refused', details: { message: outcome.message } });
    return outcome;
  }
  const { reservation, notificationIds, changed } = outcome.value;
  if (changed) await announce(deps, { kind: 'changed', reservation, notificationIds });
  return ok(reservation);
}

async function decide(
  sql: Sql,
  deps: AppDeps,
  actor: Actor,
  idOrCode: string,
  command: ChangeCommand,
  now: Date,
): Promise<Outcome<{ reservation: StoredReservation; notificationIds: string[]; changed: boolean }>> {
  const visible = visibleOnly(actor, await lockReservation(sql, idOrCode));
  if (!visible.ok) return visible;
  const before = visible.value;
  // The same rule the cards' Change button is shown by.
  const refused = actionRefusal(before, 'change', now);
  if (refused) return { ok: false, ...refused };

  const server = command.server === undefined ? undefined : await deps.servers.find(command.server);
  if (command.server !== undefined && !server) {
    return invalid([{ field: 'server', message: `There is no server named "${command.server}".` }]);
  }
  const next = {
    serverId: server?.id ?? before.server.id,
    title: command.title ?? before.title,
    description: command.description === undefined ? before.description : command.description,
    startsAt: command.startsAt ?? before.startsAt,
    endsAt: command.endsAt ?? before.endsAt,
    passcode: command.passcode ?? before.passcode,
    emails: command.emails ?? before.invitees.emails,
    slackChannels: command.slackChannels ?? before.invitees.slackChannels,
    discordChannels: command.discordChannels ?? before.invitees.discordChannels,
  };

  const movesInTime =
    next.serverId !== before.server.id ||
    next.startsAt.getTime() !== before.startsAt.getTime() ||
    next.endsAt.getTime() !== before.endsAt.getTime();
  const errors = checkAgainstPolicy(next, now, deps.policy).filter(
    // A reservation that does not move is not re-judged for times it already holds.
    (error) => movesInTime || (error.field !== 'startsAt' && error.field !== 'endsAt'),
  );
  if (errors.length > 0) return invalid(errors);

  let placement: { lane: number; occupied: { start: number; end: number } } | undefined;
  if (movesInTime) {
    const target: ServerRow = server ?? (await deps.servers.find(before.server.id))!;
    const request = { start: next.startsAt.getTime(), end: next.endsAt.getTime() };
    const occupied = occupiedRange(request, { bufferMs: bufferMs(target) });
    const booked = (await bookings(sql, [target.id], occupied, before.id)).get(target.id) ?? [];
    const lane = target.active ? freeLane(occupied, target.capacity, booked) : undefined;
    if (lane === undefined) {
      return {
        ok: false,
        reason: 'unavailable',
        message: unavailableMessage(target, next.startsAt, next.endsAt),
        alternatives: await findAlternatives(sql, deps.servers, target, request, now, deps.policy, before.id),
      };
    }
    placement = { lane, occupied };
  }

  const proposed: StoredReservation = {
    ...before,
    title: next.title,
    description: next.description,
    server: server
      ? {
          id: server.id,
          name: server.name,
          ingestBaseUrl: server.ingestBaseUrl,
          playbackBaseUrl: server.playbackBaseUrl,
          kind: server.kind,
          bufferSeconds: server.bufferSeconds,
        }
      : before.server,
    startsAt: next.startsAt,
    endsAt: next.endsAt,
    passcode: next.passcode,
    invitees: { emails: next.emails, slackChannels: next.slackChannels, discordChannels: next.discordChannels },
  };
  const changes = diffReservations(before, proposed);
  if (changes.length === 0) return ok({ reservation: before, notificationIds: [], changed: false });

  const after = await updateReservation(sql, before.id, {
    ...next,
    ...placement,
    version: before.version + 1,
    reconfirmDeadline:
      before.status === 'permitted' ? reconfirmDeadline(next.startsAt, now, deps.policy) : before.reconfirmDeadline,
  });
  const planned = planChanged(before, after, changes, { actorName: actor.name, at: now });
  const notificationIds = await recordEffects(sql, after.id, planned, {
    actor,
    action: 'changed',
    details: { changes: changes.map(maskSecrets) },
  });
  return ok({ reservation: after, notificationIds, changed: true });
}

/** The audit trail records that the passcode changed, not what it is. */
function maskSecrets(change: FieldChange): FieldChange {
  return change.field === 'passcode' ? { ...change, from: '(hidden)', to: '(hidden)' } : change;
}
