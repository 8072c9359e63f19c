/**
 * Reading reservations: one by id or code, or a filtered list. Non-admins see their own; admins
 * see their workspace's (API admins see everything).
 */
import { z } from 'zod';
import type { Actor } from '../domain/reservation.js';
import { mayActOn } from '../domain/reservation.js';
import { RESERVATION_STATUSES } from '../domain/status.js';
import type { ReservationFilter, StoredReservation } from '../store/reservations.js';
import { findReservation, listReservationRows } from '../store/reservations.js';
import { instantSchema } from './commands.js';
import type { AppDeps } from './deps.js';
import type { Outcome } from './outcome.js';
import { notFound, ok } from './outcome.js';

export async function getReservation(
  deps: AppDeps,
  actor: Actor,
  idOrCode: string,
): Promise<Outcome<StoredReservation>> {
  const reservation = await findReservation(deps.pool, idOrCode);
  // Someone else's reservation is reported as missing, not forbidden: its existence is not theirs to learn.
  if (!reservation || !mayActOn(actor, reservation.organizer)) return notFound('reservation with that id');
  return ok(reservation);
}

export const listSchema = z.strictObject({
  status: z
    .string()
    .transform((text) => text.split(',').map((status) => status.trim()))
    .pipe(z.array(z.enum(RESERVATION_STATUSES, { error: `Status must be one of ${RESERVATION_STATUSES.join(', ')}.` })))
    .optional(),
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  server: z.string().trim().min(1).optional(),
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
