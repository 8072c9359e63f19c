/**
 * What the organizer does to a stream while it holds its slot (issue 17): extend it, and replace
 * a leaked stream key. Each commits like a change — one transaction on the locked row, its notices
 * in the outbox — and the streaming gate of every instance hears the commit (NOTIFY
 * slotcast_reservation, src/stream/gate.ts): an extension re-arms the cut timer at the new end, a
 * replaced key cuts whoever publishes with the old one. The job runtime moves the end job.
 */
import { streamActionRefusal } from '../domain/actions.js';
import { freeLane, latestFreeEnd, occupiedRange } from '../domain/availability.js';
import type { FieldChange } from '../domain/changes.js';
import { planChanged, planStreamKeyReplaced } from '../domain/notifications.js';
import { checkTimeRange } from '../domain/policy.js';
import type { Actor } from '../domain/reservation.js';
import { appendAudit, recordEffects } from '../store/outbox.js';
import type { StoredReservation } from '../store/reservations.js';
import { bookings, isOverlapViolation, lockReservation, updateReservation } from '../store/reservations.js';
import type { ServerRow } from '../store/servers.js';
import { bufferMs } from '../store/servers.js';
import type { Sql } from '../store/sql.js';
import { inTransaction } from '../store/sql.js';
import type { ExtendCommand } from './commands.js';
import type { AppDeps } from './deps.js';
import { announce } from './events.js';
import type { Alternative, Outcome } from './outcome.js';
import { invalid, ok } from './outcome.js';
import { visibleOnly } from './queries.js';

type Committed = { reservation: StoredReservation; notificationIds: string[] };

/**
 * Pushes the end of a stream that has begun later, when the slot after it is free by the booking
 * rule (its lane over [start, new end + buffer), the server's capacity). Refused otherwise, with
 * the longest extension that does fit, if any. Invitees who were told get one change notice.
 */
export async function extendReservation(
  deps: AppDeps,
  actor: Actor,
  idOrCode: string,
  command: ExtendCommand,
): Promise<Outcome<StoredReservation>> {
  const now = deps.clock();
  // A request that took the slot between our read and our write makes the constraint refuse the
  // update (23P01); the retry reads again and then sees it.
  const outcome = await inTransaction(deps.pool, (sql) => decideExtension(sql, deps, actor, idOrCode, command, now), {
    retryWhen: isOverlapViolation,
  });
  if (!outcome.ok) {
    if (outcome.reason === 'unavailable')
      await appendAudit(deps.pool, { actor, action: 'extend_refused', details: { message: outcome.message } });
    return outcome;
  }
  await announce(deps, { kind: 'changed', ...outcome.value });
  return ok(outcome.value.reservation);
}

async function decideExtension(
  sql: Sql,
  deps: AppDeps,
  actor: Actor,
  idOrCode: string,
  command: ExtendCommand,
  now: Date,
): Promise<Outcome<Committed>> {
  const visible = visibleOnly(actor, await lockReservation(sql, idOrCode));
  if (!visible.ok) return visible;
  const before = visible.value;
  const refused = streamActionRefusal(before, 'extend', now);
  if (refused) return { ok: false, ...refused };

  const endsAt = command.endsAt ?? new Date(before.endsAt.getTime() + (command.minutes ?? 0) * 60_000);
  if (endsAt.getTime() <= before.endsAt.getTime())
    return invalid([
      {
        field: 'endsAt',
        message: `The new end must be later than the current one (${before.endsAt.toISOString()}); an extension only moves it later.`,
      },
    ]);
  // The start has passed by now: only what the policy says of the length applies.
  const tooLong = checkTimeRange(before.startsAt, endsAt, now, deps.policy).filter((error) => error.field === 'endsAt');
  if (tooLong.length > 0) return invalid(tooLong);

  const server = (await deps.servers.find(before.server.id))!;
  const occupied = occupiedRange(
    { start: before.startsAt.getTime(), end: endsAt.getTime() },
    { bufferMs: bufferMs(server) },
  );
  const booked = (await bookings(sql, [server.id], occupied, before.id)).get(server.id) ?? [];
  const lane = server.active ? freeLane(occupied, server.capacity, booked) : undefined;
  if (lane === undefined) return refuseExtension(before, server, booked, occupied.end);

  const after = await updateReservation(sql, before.id, {
    endsAt,
    lane,
    occupied,
    version: before.version + 1,
  });
  const changes: FieldChange[] = [
    { field: 'endsAt', from: before.endsAt.toISOString(), to: after.endsAt.toISOString() },
  ];
  const planned = planChanged(before, after, changes, { actorName: actor.name, at: now });
  const notificationIds = await recordEffects(sql, after.id, planned, {
    actor,
    action: 'extended',
    details: { changes },
  });
  return ok({ reservation: after, notificationIds });
}

/** The slot after the stream is taken: how far it could go instead, in whole minutes. */
function refuseExtension(
  before: StoredReservation,
  server: ServerRow,
  booked: Parameters<typeof latestFreeEnd>[2],
  wantedUntil: number,
): Outcome<Committed> {
  const buffer = bufferMs(server);
  const held = occupiedRange({ start: before.startsAt.getTime(), end: before.endsAt.getTime() }, { bufferMs: buffer });
  const room = server.active ? latestFreeEnd(held, server.capacity, booked, wantedUntil) - held.end : 0;
  const minutes = Math.floor(room / 60_000);
  const alternatives: Alternative[] =
    minutes > 0
      ? [
          {
            kind: 'same_server_other_time',
            serverId: server.id,
            serverName: server.name,
            startsAt: before.startsAt,
            endsAt: new Date(before.endsAt.getTime() + minutes * 60_000),
          },
        ]
      : [];
  const message = !server.active
    ? `${server.name} is not taking reservations at the moment, so the stream cannot be extended.`
    : minutes > 0
      ? `${server.name} is booked soon after this stream: it can be extended by ${minutes} min at most.`
      : `${server.name} is booked right after this stream, so it cannot be extended.`;
  return { ok: false, reason: 'unavailable', message, alternatives };
}

/**
 * Replaces the stream key of a reservation that holds its slot: the old key is refused from the
 * commit on, and whoever publishes with it is cut at once by the gate that holds them. The
 * organizer is told once; the new key is in the answer, which front ends show the organizer only.
 */
export async function replaceStreamKey(
  deps: AppDeps,
  actor: Actor,
  idOrCode: string,
): Promise<Outcome<StoredReservation>> {
  const now = deps.clock();
  const outcome = await inTransaction(deps.pool, async (sql): Promise<Outcome<Committed>> => {
    const visible = visibleOnly(actor, await lockReservation(sql, idOrCode));
    if (!visible.ok) return visible;
    const before = visible.value;
    const refused = streamActionRefusal(before, 'rotate_key', now);
    if (refused) return { ok: false, ...refused };
    const after = await updateReservation(sql, before.id, {
      streamKey: deps.secrets.streamKey(),
      version: before.version + 1,
    });
    const planned = planStreamKeyReplaced(after, { actorName: actor.name, at: now });
    // The audit says that the key changed, never what it is.
    const notificationIds = await recordEffects(sql, after.id, planned, {
      actor,
      action: 'stream_key_replaced',
      details: { status: after.status },
    });
    return ok({ reservation: after, notificationIds });
  });
  if (!outcome.ok) return outcome;
  await announce(deps, { kind: 'stream_key_replaced', ...outcome.value });
  return ok(outcome.value.reservation);
}
