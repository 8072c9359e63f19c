/**
 * Plain-text wording shared by renderers that cannot show times in the reader's own zone
 * (e-mail). Chat renderers use their platforms' date tokens instead.
 */
import type { FieldChange } from '../domain/changes.js';
import { FIELD_LABELS } from './message.js';

// Building an Intl.DateTimeFormat costs far more than using one; e-mail fan-outs format thousands.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** "Tue, 1 Dec 2026, 19:00 JST" in the given zone. */
export function formatInstant(iso: string | Date, timeZone: string): string {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter.format(new Date(iso));
}

/** Start and end in the given zone, with UTC alongside when the zone is not UTC. */
export function formatRange(startsAt: string, endsAt: string, timeZone: string): string {
  const local = `${formatInstant(startsAt, timeZone)} – ${formatInstant(endsAt, timeZone)} (${timeZone})`;
  if (timeZone === 'UTC') return local;
  return `${local}; ${formatInstant(startsAt, 'UTC')} – ${formatInstant(endsAt, 'UTC')}`;
}

/** One change as "Start: Tue … → Wed …". Times are shown in the zone; lists as comma lists. */
export function describeChange(change: FieldChange, timeZone: string): string {
  const show = (value: FieldChange['from']) => {
    if (value === null || value === '') return '(none)';
    if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ');
    if (change.field === 'startsAt' || change.field === 'endsAt') return formatInstant(value, timeZone);
    return value;
  };
  return `${FIELD_LABELS[change.field]}: ${show(change.from)} → ${show(change.to)}`;
}
