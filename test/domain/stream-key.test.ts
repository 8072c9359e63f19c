/**
 * Who may see the stream key: the organizer, in their own DM, while the reservation holds its slot.
 */
import type { Organizer } from '../../src/domain/reservation.js';
import type { ReservationStatus } from '../../src/domain/status.js';
import type { Place, Reader } from '../../src/domain/stream-key.js';
import { mayShowStreamKey } from '../../src/domain/stream-key.js';

const organizer: Organizer = { platform: 'slack', tenantId: 'T1', userId: 'U1', name: 'Olga', email: null };
const ORGANIZER: Reader = { platform: 'slack', userId: 'U1' };
const ADMIN = { platform: 'slack', userId: 'U0ADMIN', isAdmin: true } as const;
const SOMEONE: Reader = { platform: 'slack', userId: 'U2' };
// The same user id on another platform is another person.
const ELSEWHERE: Reader = { platform: 'discord', userId: 'U1' };

describe('mayShowStreamKey', () => {
  test.each<[string, Reader | undefined, Place, ReservationStatus, boolean]>([
    ['the organizer in their DM', ORGANIZER, 'direct_message', 'permitted', true],
    ['the organizer in their DM', ORGANIZER, 'direct_message', 'confirmed', true],
    ['the organizer in their DM', ORGANIZER, 'direct_message', 'live', true],
    ['the organizer in their DM', ORGANIZER, 'direct_message', 'cancelled', false],
    ['the organizer in their DM', ORGANIZER, 'direct_message', 'lapsed', false],
    ['the organizer in their DM', ORGANIZER, 'direct_message', 'completed', false],
    ['the organizer in a channel', ORGANIZER, 'shared', 'permitted', false],
    ['the organizer on a shared screen', ORGANIZER, 'shared', 'confirmed', false],
    ['an admin in a DM', ADMIN, 'direct_message', 'permitted', false],
    ['an admin in a channel', ADMIN, 'shared', 'permitted', false],
    ['anyone else in a DM', SOMEONE, 'direct_message', 'permitted', false],
    ['the same user id on another platform', ELSEWHERE, 'direct_message', 'permitted', false],
    ['nobody in particular', undefined, 'direct_message', 'permitted', false],
  ])('GIVEN %s (%j, %s) and a %s reservation THEN shown: %s', (_who, reader, place, status, expected) => {
    expect(mayShowStreamKey({ organizer, status }, reader, place)).toBe(expected);
  });
});
