/**
 * What a change did to a reservation, field by field (claim 5, docs/method.md: change notices say
 * old → new).
 */
import type { Reservation } from './reservation.js';

export const CHANGEABLE_FIELDS = [
  'title',
  'description',
  'server',
  'startsAt',
  'endsAt',
  'passcode',
  'emails',
  'slackChannels',
  'discordChannels',
] as const;
export type ChangeableField = (typeof CHANGEABLE_FIELDS)[number];

export interface FieldChange {
  field: ChangeableField;
  from: string | string[] | null;
  to: string | string[] | null;
}

type Comparable = string | string[] | null;

function fieldValue(reservation: Reservation, field: ChangeableField): Comparable {
  switch (field) {
    case 'title':
      return reservation.title;
    case 'description':
      return reservation.description;
    case 'server':
      return reservation.server.name;
    case 'startsAt':
      return reservation.startsAt.toISOString();
    case 'endsAt':
      return reservation.endsAt.toISOString();
    case 'passcode':
      return reservation.passcode;
    case 'emails':
      return reservation.invitees.emails;
    case 'slackChannels':
      return reservation.invitees.slackChannels;
    case 'discordChannels':
      return reservation.invitees.discordChannels;
  }
}

function same(a: Comparable, b: Comparable): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
  }
  return a === b;
}

export function diffReservations(before: Reservation, after: Reservation): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of CHANGEABLE_FIELDS) {
    const from = fieldValue(before, field);
    const to = fieldValue(after, field);
    if (!same(from, to)) changes.push({ field, from, to });
  }
  return changes;
}

const INVITEE_FIELDS: readonly ChangeableField[] = ['emails', 'slackChannels', 'discordChannels'];

/** Whether anything the invitees see changed, as opposed to who is invited. */
export function changesWhatInviteesSee(changes: readonly FieldChange[]): boolean {
  return changes.some((change) => !INVITEE_FIELDS.includes(change.field));
}
