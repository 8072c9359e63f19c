/**
 * Change (claim 5): the organizer edits a reservation. Availability is checked again without
 * counting the reservation itself; a permitted reservation gets a new reconfirmation deadline, a
 * confirmed one stays confirmed. Everyone who had been told gets a change notice saying what
 * changed, old → new.
 */
import { blockedWindow, isAvailable } from '../domain/availability.js';
import type { FieldChange } from '../domain/changes.js';
import { diffReservations } from '../domain/changes.js';
import { planChanged } from '../domain/notifications.js';
import { reconfirmDeadline } from '../domain/policy.js';
import type { Actor } from '../domain/reservation.js';
import { mayActOn } from '../domain/reservation.js';
import { describeRefusedTransition, transition } from '../domain/status.js';
import { appendAudit, appendToOutbox } from '../store/outbox.js';
import type { StoredReservation } from '../store/reservations.js';
import { bookedIntervals, lockReservation, toDomain, WITH_SERVER } from '../store/reservations.js';
import { bufferMs, findServer, lockServers } from '../store/servers.js';
import type { Tx } from '../store/transaction.js';
import { inTransaction } from '../store/transaction.js';
import { findAlternatives } from './alternatives.js';
import type { ChangeCommand } from './commands.js';
import type { AppDeps } from './deps.js';
import { announce } from './deps.js';
import type { Outcome } from './outcome.js';
import { invalid, notFound, ok } from './outcome.js';
import { checkAgainstPolicy } from './request.js';

export async function changeReservation(
  deps: AppDeps,
  actor: Actor,
  idOrCode: string,
  command: ChangeCommand,
): Promise<Outcome<StoredReservation>> {
  const now = deps.clock();
  const outcome = await inTransaction(deps.db, (tx) => decide(tx, deps, actor, idOrCode, command, now));
  if (!outcome.ok) return outcome;
  const { reservation, notificationIds, changed } = outcome.value;
  if (changed) await announce(deps, { kind: 'changed', reservation, notificationIds });
  return ok(reservation);
}

async function decide(
  tx: Tx,
  deps: AppDeps,
  actor: Actor,
  idOrCode: string,
  command: ChangeCommand,
  now: Date,
): Promise<Outcome<{ reservation: StoredReservation; notificationIds: string[]; changed: boolean }>> {
  const before = await lockReservation(tx, idOrCode);
  if (!before) return notFound('reservation with that id');
  if (!mayActOn(actor, before.organizer)) {
    return { ok: false, reason: 'forbidden', message: 'Only the organizer or an admin can change this reservation.' };
  }
  const allowed = transition(before.status, 'change');
  if (!allowed.ok) return { ok: false, reason: 'invalid_transition', message: describeRefusedTransition(before.status, 'change') };
  if (before.status === 'permitted' && now.getTime() > before.reconfirmDeadline.getTime()) {
    return { ok: false, reason: 'deadline_passed', message: 'The reconfirmation deadline has passed; this reservation can no longer be changed.' };
  }

  const server = command.server === undefined ? undefined : await findServer(tx, command.server);
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

  if (movesInTime) {
    const target = (await lockServers(tx, [next.serverId])).get(next.serverId)!;
    const request = { start: next.startsAt.getTime(), end: next.endsAt.getTime() };
    const shape = { capacity: target.capacity, bufferMs: bufferMs(target) };
    const booked = (await bookedIntervals(tx, [target.id], blockedWindow(request, shape), before.id)).get(target.id) ?? [];
    if (!target.active || !isAvailable(request, shape, booked)) {
      const alternatives = await findAlternatives(tx, target, request, now, deps.policy, before.id);
      await appendAudit(tx, actor, 'change_refused', { server: target.name, startsAt: next.startsAt, endsAt: next.endsAt }, before.id);
      return {
        ok: false,
        reason: 'unavailable',
        message: target.active
          ? `${target.name} is fully booked between ${next.startsAt.toISOString()} and ${next.endsAt.toISOString()}.`
          : `${target.name} is not taking reservations at the moment.`,
        alternatives,
      };
    }
  }

  const proposed: StoredReservation = {
    ...before,
    title: next.title,
    description: next.description,
    server: server ? { id: server.id, name: server.name, ingestBaseUrl: server.ingestBaseUrl, playbackBaseUrl: server.playbackBaseUrl } : before.server,
    startsAt: next.startsAt,
    endsAt: next.endsAt,
    passcode: next.passcode,
    invitees: { emails: next.emails, slackChannels: next.slackChannels, discordChannels: next.discordChannels },
  };
  const changes = diffReservations(before, proposed);
  if (changes.length === 0) return ok({ reservation: before, notificationIds: [], changed: false });

  const row = await tx.reservation.update({
    where: { id: before.id },
    data: {
      ...next,
      version: before.version + 1,
      reconfirmDeadline: before.status === 'permitted' ? reconfirmDeadline(next.startsAt, now, deps.policy) : before.reconfirmDeadline,
    },
    include: WITH_SERVER,
  });
  const after = toDomain(row);
  const notificationIds = await appendToOutbox(tx, after.id, planChanged(before, after, changes, { actorName: actor.name, at: now }));
  await appendAudit(tx, actor, 'changed', { changes: changes.map(maskSecrets) }, after.id);
  return ok({ reservation: after, notificationIds, changed: true });
}

/** The audit trail records that the passcode changed, not what it is. */
function maskSecrets(change: FieldChange): FieldChange {
  return change.field === 'passcode' ? { ...change, from: '(hidden)', to: '(hidden)' } : change;
}
