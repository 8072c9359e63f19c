/**
 * Plain words the pages share: a reservation's status, and moments in time.
 *
 * Every moment a page shows is written one way (issue 17): `formatMoment` on the server — in the
 * zone it knows (the reader's chat setting, else UTC) and the locale the browser asked for — and
 * the same again by time.js in the browser's own zone and locale, from the same options, which
 * the layout hands it (MOMENT_FORMAT). Pages put moments in `timeTag`s only, never in loose text.
 */
import type { ReservationStatus } from '../domain/status.js';
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

/**
 * "Mon, 7 Dec 2026, 15:45 CET (14:45 UTC)" in en-GB, "Mon, Dec 7, 2026, 9:45 AM EST (2:45 PM
 * UTC)" in en-US: the moment in the reader's zone, then UTC (with its date when that is another
 * day), both in the reader's locale. Once, without the UTC, when the zone is UTC.
 */
export const MOMENT_FORMAT = {
  local: {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
  },
  utcTime: { hour: 'numeric', minute: '2-digit', timeZoneName: 'short', timeZone: 'UTC' },
  utcDayAndTime: {
    day: 'numeric',
    month: 'short',
    hour: 'numeric',
    minute: '2-digit',
    timeZoneName: 'short',
    timeZone: 'UTC',
  },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

/** What the server writes in when the browser asks for no locale it knows. */
export const DEFAULT_LOCALE = 'en-GB';

// Building an Intl.DateTimeFormat costs far more than using one.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string, zone: string, kind: keyof typeof MOMENT_FORMAT | 'day'): Intl.DateTimeFormat {
  const key = `${locale}|${zone}|${kind}`;
  let found = formatters.get(key);
  if (!found) {
    // 'day' is a comparison key (2026-12-07), never shown.
    const options: Intl.DateTimeFormatOptions =
      kind === 'day' ? { year: 'numeric', month: '2-digit', day: '2-digit' } : MOMENT_FORMAT[kind];
    found = new Intl.DateTimeFormat(kind === 'day' ? 'en-CA' : locale, { timeZone: zone, ...options });
    formatters.set(key, found);
  }
  return found;
}

const isUtc = (zone: string) => zone === 'UTC' || zone === 'Etc/UTC';

/** The one way pages write a moment (see MOMENT_FORMAT); time.js follows the same rules. */
export function formatMoment(at: Date, zone: string, locale: string = DEFAULT_LOCALE): string {
  const local = formatter(locale, zone, 'local').format(at);
  if (isUtc(zone)) return local;
  const sameDay = formatter(locale, zone, 'day').format(at) === formatter(locale, 'UTC', 'day').format(at);
  return `${local} (${formatter(locale, 'UTC', sameDay ? 'utcTime' : 'utcDayAndTime').format(at)})`;
}

/** A moment, in `zone`, as every page writes it; time.js rewrites it in the browser's zone and locale. */
export function timeTag(at: Date, zone: string, locale: string = DEFAULT_LOCALE): Html {
  return html`<time datetime="${at.toISOString()}" data-local="datetime">${formatMoment(at, zone, locale)}</time>`;
}

/**
 * The locale a request asks for (its first Accept-Language tag this runtime can format), else
 * DEFAULT_LOCALE: the server's text then already reads as time.js will rewrite it.
 */
export function localeOf(acceptLanguage: string | undefined): string {
  for (const entry of (acceptLanguage ?? '').slice(0, 200).split(',')) {
    const tag = entry.split(';')[0]!.trim();
    if (!tag || tag === '*') continue;
    try {
      const [supported] = Intl.DateTimeFormat.supportedLocalesOf([tag]);
      if (supported) return supported;
    } catch {
      // Not a language tag: try the next.
    }
  }
  return DEFAULT_LOCALE;
}
