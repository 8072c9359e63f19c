/**
 * Plain words the pages share: a reservation's status, times in a zone with UTC beside them.
 * Times are written on the server in a zone it knows (the reader's chat setting, else UTC) and
 * rewritten by time.js in the browser's own zone; the UTC stays.
 */
import type { ReservationStatus } from '../domain/status.js';
import { formatInstant, formatInstantWithUtc, zoneName } from '../notify/format.js';
import type { Html } from './html.js';
import { html } from './html.js';

export const STATUS_WORDS: Record<ReservationStatus, string> = {
  permitted: 'Permitted',
  confirmed: 'Confirmed',
  live: 'Live',
  completed: 'Ended',
  cancelled: 'Cancelled',
  lapsed: 'Lapsed',
};

export function statusBadge(status: ReservationStatus): Html {
  return html`<span class="badge status-${status}">${STATUS_WORDS[status]}</span>`;
}

/** A moment, in `zone` with UTC alongside; time.js rewrites it in the browser's zone. */
export function timeTag(at: Date, zone: string): Html {
  return html`<time datetime="${at.toISOString()}" data-local="datetime">${formatInstantWithUtc(at, zone)}</time>`;
}

/** A moment in `zone` only (no UTC): for dense places, such as the timeline's bars. */
export function shortTime(at: Date, zone: string): string {
  return formatInstant(at, zone);
}

export { zoneName };
