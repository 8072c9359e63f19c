/**
 * Who may see a reservation's stream key. Whoever has it can stream into the slot, so it goes to
 * the organizer only (DESIGN.md, "Secrets stay secret"): never to an admin acting on someone
 * else's reservation, never where others read along.
 */
import type { Actor, Reservation } from './reservation.js';
import { holdsSlot } from './status.js';

/**
 * Where a message is read: a direct message between the app and one user, or a place others can
 * see (a channel, App Home — a screen people share —, a list).
 */
export type Place = 'direct_message' | 'shared';

/** Who reads it. Being an admin makes no difference. */
export type Reader = Pick<Actor, 'platform' | 'userId'>;

/**
 * Only the organizer, in their own direct message, and only while the reservation holds its slot:
 * a cancelled, lapsed or completed reservation has nothing left to stream to.
 */
export function mayShowStreamKey(
  reservation: Pick<Reservation, 'organizer' | 'status'>,
  reader: Reader | undefined,
  place: Place,
): boolean {
  if (place !== 'direct_message' || !reader) return false;
  const isOrganizer =
    reader.platform === reservation.organizer.platform && reader.userId === reservation.organizer.userId;
  return isOrganizer && holdsSlot(reservation.status);
}
