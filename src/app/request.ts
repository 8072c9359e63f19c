/**
 * Reservation request (claim 1): check the server's availability and, when permitted, store the
 * reservation and queue the permit prompt (claim 6) — and, in mode permit-and-reconfirm, the
 * tentative invitations (claim 7). The claims: docs/method.md.
 *
 * The decision is the database's exclusion constraint: the reservation, its notifications and
 * its audit entry are inserted in one statement, into the server's first stream slot (lane) that
 * the constraint accepts. No lock is held and no lane is read first, so requests for different
 * servers or times never wait for each other, and a request costs one round trip when its first
 * lane is free.
 */
import { createHash, randomUUID } from 'node:crypto';
import { occupiedRange } from '../domain/availability.js';
import { planPermitted } from '../domain/notifications.js';
import type { FieldError } from '../domain/policy.js';
import { checkTimeRange, reconfirmDeadline } from '../domain/policy.js';
import type { Actor } from '../domain/reservation.js';
import { inviteeCount, isOrganizer } from '../domain/reservation.js';
import { appendAudit } from '../store/outbox.js';
import type { NewReservation, StoredReservation } from '../store/reservations.js';
import { findByRequestKey, insertReservation, isOverlapViolation } from '../store/reservations.js';
import type { ServerRow } from '../store/servers.js';
import { bufferMs } from '../store/servers.js';
import type { Sql } from '../store/sql.js';
import { isRetryable, isUniqueViolation, withConnection } from '../store/sql.js';
import { workspaceNotifyMode } from '../store/settings.js';
import { findAlternatives, unavailableMessage } from './alternatives.js';
import type { RequestCommand } from './commands.js';
import type { AppDeps } from './deps.js';
import { announce } from './events.js';
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

// Codes are four characters while they are easy to find free; after collisions, longer ones.
const SHORT_CODE_ATTEMPTS = 3;
const MAX_ATTEMPTS_PER_LANE = 8;

export interface RequestOptions {
  /**
   * Makes the request idempotent: a Slack view id, a Discord interaction id, an API
   * Idempotency-Key. A second request with the same key and the same request returns the first
   * one's reservation (retries and double clicks never book twice); the same key with a different
   * request is refused as `idempotency_key_reused`, since answering it with the first
   * reservation would tell the client something was booked that was not.
   */
  requestKey?: string;
  /**
   * What the front end took in, when that and not the command tells two deliveries of one request
   * apart: Discord passes the typed form, since "in 5 days" read a minute later is another time.
   * By default the command itself is compared.
   */
  requestedAs?: unknown;
}

/**
 * What makes two requests the same request: the command as validated (trimmed, addresses
 * lower-cased, times as instants, so "+09:00" and "Z" spellings of one time agree), with the
 * server as the id it names and the contact lists as sets — or what the front end says it took
 * in. Stored with the reservation, so the check holds across restarts and between racing twins.
 */
export function requestFingerprint(
  command: RequestCommand,
  serverId: string | undefined,
  requestedAs?: unknown,
): string {
  const normalized =
    requestedAs !== undefined
      ? ['as', requestedAs]
      : [
          serverId ?? command.server,
          command.title,
          command.description ?? null,
          command.startsAt.toISOString(),
          command.endsAt.toISOString(),
          [...command.emails].sort(),
          [...command.slackChannels].sort(),
          [...command.discordChannels].sort(),
          command.passcode ?? null,
        ];
  return createHash('sha256').update(JSON.stringify(normalized)).digest('hex');
}

export async function requestReservation(
  deps: AppDeps,
  actor: Actor,
  command: RequestCommand,
  options: RequestOptions = {},
): Promise<Outcome<StoredReservation>> {
  const now = deps.clock();
  const server = await deps.servers.find(command.server);
  const key = options.requestKey && {
    key: options.requestKey,
    fingerprint: requestFingerprint(command, server?.id, options.requestedAs),
  };
  // First: a retry must get its first answer even when the request would not pass today.
  const replayed = key ? await replay(deps, actor, key) : undefined;
  if (replayed) return replayed;
  const policyErrors = checkAgainstPolicy(command, now, deps.policy);
  if (policyErrors.length > 0) return invalid(policyErrors);

  if (!server) return invalid([{ field: 'server', message: `There is no server named "${command.server}".` }]);

  // Claims 6 and 7 are a per-workspace choice; the configuration gives the default.
  const notifyMode =
    actor.platform === 'api'
      ? deps.policy.notifyMode
      : ((await workspaceNotifyMode(deps.pool, actor.platform, actor.tenantId)) ?? deps.policy.notifyMode);
  const draft = {
    ...draftReservation(deps, actor, command, server, now),
    notifyMode,
    requestKey: key ? key.key : null,
    requestFingerprint: key ? key.fingerprint : null,
  };
  let placed: Placement;
  try {
    placed = server.active
      ? await withConnection(deps.pool, (sql) => place(sql, deps, actor, draft, server.capacity, now))
      : 'closed';
  } catch (error) {
    // The same key raced in twice at once: the other attempt won; answer with its reservation.
    const winner =
      key && isUniqueViolation(error, 'reservation_request_key_key') ? await replay(deps, actor, key) : undefined;
    if (winner) return winner;
    throw error;
  }
  if (placed === 'closed' || placed === 'full') {
    // The same key sent twice at once: the twin may have taken the very lane this one wanted, so
    // the constraint refused this one for overlap. Answer with the twin's reservation.
    const twin = key ? await replay(deps, actor, key) : undefined;
    if (twin) return twin;
    return refuse(deps, actor, command, placed === 'closed' ? { ...server, active: false } : server, now);
  }
  await announce(deps, { kind: 'requested', reservation: placed.reservation, notificationIds: placed.notificationIds });
  return ok(placed.reservation);
}

/** The first answer to a request key, when there was one: its reservation, or why it is not given again. */
async function replay(
  deps: AppDeps,
  actor: Actor,
  request: { key: string; fingerprint: string },
): Promise<Outcome<StoredReservation> | undefined> {
  const existing = await findByRequestKey(deps.pool, request.key);
  if (!existing) return undefined;
  const { reservation, fingerprint } = existing;
  // A key is only ever reused by the client that made it; anyone else gets a plain refusal.
  if (!isOrganizer(actor, reservation.organizer))
    return { ok: false, reason: 'forbidden', message: 'That request key belongs to another user.' };
  if (fingerprint !== null && fingerprint !== request.fingerprint) {
    return {
      ok: false,
      reason: 'idempotency_key_reused',
      message: `That request key was already used for a different request (it booked ${reservation.code}); nothing was booked. Send a new request with a new key.`,
    };
  }
  return ok(reservation);
}

type Placement = { reservation: StoredReservation; notificationIds: string[] } | 'full' | 'closed';

/** Inserts the reservation into the first of the server's lanes that the exclusion constraint accepts. */
async function place(
  sql: Sql,
  deps: AppDeps,
  actor: Actor,
  draft: NewReservation,
  capacity: number,
  now: Date,
): Promise<Placement> {
  for (let lane = 0; lane < capacity; lane++) {
    for (let attempt = 1; ; attempt++) {
      const candidate = { ...draft, lane, code: deps.secrets.reservationCode(attempt <= SHORT_CODE_ATTEMPTS ? 4 : 6) };
      const planned = planPermitted(candidate, { actorName: actor.name, at: now });
      try {
        const outcome = await insertReservation(sql, candidate, planned, {
          actor,
          action: 'requested',
          details: { code: candidate.code, lane, notifications: planned.length },
        });
        // No row: the server was deactivated, or lost this lane, since we read it.
        return outcome.inserted ? outcome : 'closed';
      } catch (error) {
        if (isOverlapViolation(error)) break; // this lane is taken then: try the next one
        const collided = isUniqueViolation(error, 'reservation_code_key');
        if ((!collided && !isRetryable(error)) || attempt >= MAX_ATTEMPTS_PER_LANE) throw error;
      }
    }
  }
  return 'full';
}

function draftReservation(
  deps: AppDeps,
  actor: Actor,
  command: RequestCommand,
  server: ServerRow,
  now: Date,
): NewReservation {
  const request = { start: command.startsAt.getTime(), end: command.endsAt.getTime() };
  return {
    id: randomUUID(),
    code: '',
    title: command.title,
    description: command.description ?? null,
    server,
    organizer: {
      platform: actor.platform,
      tenantId: actor.tenantId,
      userId: actor.userId,
      name: actor.name,
      email: actor.email ?? null,
    },
    startsAt: command.startsAt,
    endsAt: command.endsAt,
    status: 'permitted',
    notifyMode: deps.policy.notifyMode,
    reconfirmDeadline: reconfirmDeadline(command.startsAt, now, deps.policy),
    passcode: command.passcode ?? deps.secrets.passcode(),
    streamKey: deps.secrets.streamKey(),
    invitees: {
      emails: command.emails,
      slackChannels: command.slackChannels,
      discordChannels: command.discordChannels,
    },
    version: 1,
    cancelReason: null,
    requestKey: null,
    requestFingerprint: null,
    lane: 0,
    occupied: occupiedRange(request, { bufferMs: bufferMs(server) }),
  };
}

/** Refused: the nearest free slots and free servers, and an audit entry (no reservation row). */
async function refuse(
  deps: AppDeps,
  actor: Actor,
  command: RequestCommand,
  server: ServerRow,
  now: Date,
): Promise<Outcome<StoredReservation>> {
  const request = { start: command.startsAt.getTime(), end: command.endsAt.getTime() };
  const alternatives = await findAlternatives(deps.pool, deps.servers, server, request, now, deps.policy);
  await appendAudit(deps.pool, {
    actor,
    action: 'refused',
    details: {
      server: server.name,
      title: command.title,
      startsAt: command.startsAt.toISOString(),
      endsAt: command.endsAt.toISOString(),
      reason: server.active ? 'unavailable' : 'server_inactive',
    },
  });
  return {
    ok: false,
    reason: 'unavailable',
    message: unavailableMessage(server, command.startsAt, command.endsAt),
    alternatives,
  };
}
