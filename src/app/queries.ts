/**
 * Reading reservations: one by id or code, or a filtered list. Non-admins see their own; admins
 * see their workspace's (API admins see everything).
 */
import { z } from 'zod';
import type { Actor, Reservation } from '../domain/reservation.js';
import { mayActOn } from '../domain/reservation.js';
import { RESERVATION_STATUSES } from '../domain/status.js';
import type { ReservationFilter, StoredReservation } from '../store/reservations.js';
import { findReservation, listReservationRows } from '../store/reservations.js';
import { instantSchema, text } from './commands.js';
import type { AppDeps } from './deps.js';
import type { Outcome } from './outcome.js';
import { ok } from './outcome.js';

/**
 * The visibility rule of every verb (GET, reconfirm, change, cancel): a reservation the actor
 * may not act on is reported as missing, never as forbidden. Whether a code exists is not theirs
 * to learn, and a 403 next to a 404 would let anyone enumerate the short codes.
 */
export function visibleOnly<R extends Reservation>(actor: Actor, reservation: R | undefined): Outcome<R> {
  if (!reservation || !mayActOn(actor, reservation.organizer))
    return { ok: false, reason: 'not_found', message: 'No reservation you can see has that id or code.' };
  return ok(reservation);
}

export async function getReservation(
  deps: AppDeps,
  actor: Actor,
  idOrCode: string,
): Promise<Outcome<StoredReservation>> {
  return visibleOnly(actor, await findReservation(deps.pool, idOrCode));
}

export const listSchema = z.strictObject({
  status: text('The status')
    .transform((text) => text.split(',').map((status) => status.trim()))
    .pipe(z.array(z.enum(RESERVATION_STATUSES, { error: `Status must be one of ${RESERVATION_STATUSES.join(', ')}.` })))
    .optional(),
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  server: text('The server').trim().min(1).optional(),
  limit: z.coerce
    .number({ error: 'The limit must be a number from 1 to 500.' })
    .int('The limit must be a number from 1 to 500.')
    .min(1, 'The limit must be a number from 1 to 500.')
    .max(500, 'The limit must be a number from 1 to 500.')
    .default(100),
});
export type ListQuery = z.output<typeof listSchema>;

/** Reservations overlapping [from, to), soonest first. */
export async function listReservations(deps: AppDeps, actor: Actor, query: ListQuery): Promise<StoredReservation[]> {
  return listReservationRows(deps.pool, {
    ...(query.status ? { statuses: query.status } : {}),
    ...(query.from ? { from: query.from } : {}),
    ...(query.to ? { to: query.to } : {}),
    ...(query.server ? { serverName: query.server } : {}),
    ...visibleTo(actor),
    limit: query.limit,
  });
}

function visibleTo(actor: Actor): Pick<ReservationFilter, 'organizer'> {
  if (actor.isAdmin && actor.platform === 'api') return {};
  if (actor.isAdmin) return { organizer: { platform: actor.platform, tenantId: actor.tenantId } };
  return { organizer: { platform: actor.platform, tenantId: actor.tenantId, userId: actor.userId } };
}
