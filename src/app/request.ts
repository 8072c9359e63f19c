/**
 * Reservation request (claim 1): check the server's availability and, when permitted, store the
 * reservation and queue the permit prompt (claim 6) — and, in mode permit-and-reconfirm, the
 * tentative invitations (claim 7) — in one transaction.
 */
import { blockedWindow, isAvailable } from '../domain/availability.js';
import { planPermitted } from '../domain/notifications.js';
import type { FieldError } from '../domain/policy.js';
import { checkTimeRange, reconfirmDeadline } from '../domain/policy.js';
import type { Actor } from '../domain/reservation.js';
import { inviteeCount } from '../domain/reservation.js';
import { appendAudit, appendToOutbox } from '../store/outbox.js';
import type { StoredReservation } from '../store/reservations.js';
import { bookedIntervals, toDomain, WITH_SERVER } from '../store/reservations.js';
import { bufferMs, findServer, lockServers } from '../store/servers.js';
import type { Tx } from '../store/transaction.js';
import { inTransaction, isUniqueViolation } from '../store/transaction.js';
import { findAlternatives } from './alternatives.js';
import type { RequestCommand } from './commands.js';
import type { AppDeps } from './deps.js';
import { announce } from './deps.js';
import type { Outcome } from './outcome.js';
import { invalid, ok } from './outcome.js';

/** Checks that need the policy (limits, the clock) rather than the shape of the input. */
export function checkAgainstPolicy(
  command: Pick<RequestCommand, 'startsAt' | 'endsAt' | 'emails' | 'slackChannels' | 'discordChannels'>,
  now: Date,
  policy: AppDeps['policy'],
): FieldError[] {
  const errors = checkTimeRange(command.startsAt, command.endsAt, now, policy);
  const count = inviteeCount(command);
  if (count > policy.maxInvitees) {
    errors.push({
      field: 'emails',
      message: `At most ${policy.maxInvitees} invitees (e-mails and channels together); this request has ${count}.`,
    });
  }
  return errors;
}

export async function requestReservation(deps: AppDeps, actor: Actor, command: RequestCommand): Promise<Outcome<StoredReservation>> {
  const now = deps.clock();
  const policyErrors = checkAgainstPolicy(command, now, deps.policy);
  if (policyErrors.length > 0) return invalid(policyErrors);

  const outcome = await inTransaction(deps.db, (tx) => decide(tx, deps, actor, command, now), {
    retryWhen: (error) => isUniqueViolation(error, 'code'),
  });
  if (outcome.ok) {
    await announce(deps, { kind: 'requested', reservation: outcome.value.reservation, notificationIds: outcome.value.notificationIds });
    return ok(outcome.value.reservation);
  }
  return outcome;
}

async function decide(
  tx: Tx,
  deps: AppDeps,
  actor: Actor,
  command: RequestCommand,
  now: Date,
): Promise<Outcome<{ reservation: StoredReservation; notificationIds: string[] }>> {
  const found = await findServer(tx, command.server);
  if (!found) {
    return invalid([{ field: 'server', message: `There is no server named "${command.server}".` }]);
  }
  // Decisions on one server are serialized by this lock; the check below sees every commit
  // that came before it.
  const server = (await lockServers(tx, [found.id])).get(found.id)!;
  const request = { start: command.startsAt.getTime(), end: command.endsAt.getTime() };
  const shape = { capacity: server.capacity, bufferMs: bufferMs(server) };
  const booked = server.active
    ? ((await bookedIntervals(tx, [server.id], blockedWindow(request, shape))).get(server.id) ?? [])
    : [];

  if (!server.active || !isAvailable(request, shape, booked)) {
    const alternatives = await findAlternatives(tx, server, request, now, deps.policy);
    const message = server.active
      ? `${server.name} is fully booked between ${command.startsAt.toISOString()} and ${command.endsAt.toISOString()}.`
      : `${server.name} is not taking reservations at the moment.`;
    await appendAudit(tx, actor, 'refused', {
      server: server.name,
      title: command.title,
      startsAt: command.startsAt.toISOString(),
      endsAt: command.endsAt.toISOString(),
      reason: server.active ? 'unavailable' : 'server_inactive',
    });
    return { ok: false, reason: 'unavailable', message, alternatives };
  }

  const row = await tx.reservation.create({
    data: {
      code: await unusedCode(tx, deps),
      title: command.title,
      description: command.description ?? null,
      serverId: server.id,
      organizerPlatform: actor.platform,
      organizerTenantId: actor.tenantId,
      organizerUserId: actor.userId,
      organizerName: actor.name,
      organizerEmail: actor.email ?? null,
      startsAt: command.startsAt,
      endsAt: command.endsAt,
      status: 'permitted',
      notifyMode: deps.policy.notifyMode,
      reconfirmDeadline: reconfirmDeadline(command.startsAt, now, deps.policy),
      passcode: command.passcode ?? deps.secrets.passcode(),
      streamKey: deps.secrets.streamKey(),
      emails: command.emails,
      slackChannels: command.slackChannels,
      discordChannels: command.discordChannels,
    },
    include: WITH_SERVER,
  });
  const reservation = toDomain(row);
  const notificationIds = await appendToOutbox(tx, reservation.id, planPermitted(reservation, { actorName: actor.name, at: now }));
  await appendAudit(tx, actor, 'requested', { code: reservation.code, notifications: notificationIds.length }, reservation.id);
  return ok({ reservation, notificationIds });
}

/**
 * Picks a code not yet taken. Four characters keep codes easy to say; with a few hundred
 * thousand codes in use a candidate can be taken, so several are checked in one query. Two
 * transactions picking the same free code at once is left to the unique index and a retry.
 */
async function unusedCode(tx: Tx, deps: AppDeps): Promise<string> {
  const candidates = Array.from({ length: 5 }, () => deps.secrets.reservationCode());
  const taken = await tx.reservation.findMany({ where: { code: { in: candidates } }, select: { code: true } });
  const takenCodes = new Set(taken.map((row) => row.code));
  return candidates.find((code) => !takenCodes.has(code)) ?? candidates[0]!;
}
