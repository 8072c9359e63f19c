/**
 * Plain-text wording shared by renderers that cannot show times in the reader's own zone
 * (e-mail). Chat renderers use their platforms' date tokens instead.
 */
import type { FieldChange } from '../domain/changes.js';
import { FIELD_LABELS } from './message.js';

// Building an Intl.DateTimeFormat costs far more than using one; e-mail fan-outs format thousands.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${options.timeZoneName ?? 'date'}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, { timeZone, ...options });
    formatters.set(key, found);
  }
  return found;
}

const DATE_AND_TIME: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
};

/**
 * Intl names a zone with its abbreviation only in the locales where people use it (en-GB knows
 * CET but says GMT+9 for Tokyo, ja-JP says JST, en-US says PST): these are asked in turn, and the
 * first abbreviation wins. Zones none of them names (Asia/Seoul, America/Sao_Paulo) keep the GMT
 * offset, which is never wrong.
 */
const ZONE_NAME_LOCALES = ['en-GB', 'en-US', 'en-AU', 'en-IN', 'en-SG', 'en-HK', 'en-ZA', 'en-NZ', 'ja-JP'];
const ABBREVIATION = /^[A-Z]{2,5}$/;

const zoneNames = new Map<string, string>();

const shortName = (locale: string, timeZone: string, date: Date) =>
  formatter(locale, timeZone, { timeZoneName: 'short' })
    .formatToParts(date)
    .find((part) => part.type === 'timeZoneName')?.value ?? '';

/** The zone's name at that instant: "JST", "CET", "CEST", "PDT", or "GMT+9" where no abbreviation is known. */
export function zoneName(date: Date, timeZone: string): string {
  // Keyed by what en-GB says, which changes with the offset (summer time): asked once per offset.
  const first = shortName(ZONE_NAME_LOCALES[0]!, timeZone, date);
  if (ABBREVIATION.test(first)) return first;
  const key = `${timeZone}|${first}`;
  let name = zoneNames.get(key);
  if (name === undefined) {
    name = ZONE_NAME_LOCALES.map((locale) => shortName(locale, timeZone, date)).find((candidate) =>
      ABBREVIATION.test(candidate),
    );
    name ??= first || timeZone;
    zoneNames.set(key, name);
  }
  return name;
}

/** "Tue, 1 Dec 2026, 19:00 JST" in the given zone. */
export function formatInstant(iso: string | Date, timeZone: string): string {
  const date = new Date(iso);
  return `${formatter('en-GB', timeZone, DATE_AND_TIME).format(date)} ${zoneName(date, timeZone)}`;
}

/** The instant in the zone with UTC alongside ("Tue, 1 Dec 2026, 19:00 JST (10:00 UTC)"); once when the zone is UTC. */
export function formatInstantWithUtc(iso: string | Date, timeZone: string): string {
  const local = formatInstant(iso, timeZone);
  const utc = formatInstant(iso, 'UTC');
  if (local === utc) return local;
  // The UTC time alone when the day is the same, the whole date when it is not.
  const sameDay = local.slice(0, local.lastIndexOf(',')) === utc.slice(0, utc.lastIndexOf(','));
  return `${local} (${sameDay ? utc.slice(utc.lastIndexOf(',') + 2) : utc})`;
}

/** "Tue, 1 Dec 2026" and "19:00" of an instant in a zone, without the zone's name. */
function dayAndTime(date: Date, timeZone: string): { day: string; time: string } {
  const wall = formatter('en-GB', timeZone, DATE_AND_TIME).format(date);
  const cut = wall.lastIndexOf(', ');
  return { day: wall.slice(0, cut), time: wall.slice(cut + 2) };
}

/**
 * "Tue, 1 Dec 2026, 19:00 – 20:00 JST": the day once when both ends fall on it, the zone named
 * once (at the end) unless summer time begins or ends in between.
 */
function rangeIn(start: Date, end: Date, timeZone: string): { day: string; text: string } {
  const from = dayAndTime(start, timeZone);
  const to = dayAndTime(end, timeZone);
  const [fromZone, toZone] = [zoneName(start, timeZone), zoneName(end, timeZone)];
  const toText = from.day === to.day ? to.time : `${to.day}, ${to.time}`;
  const fromText = fromZone === toZone ? from.time : `${from.time} ${fromZone}`;
  return { day: from.day, text: `${from.day}, ${fromText} – ${toText} ${toZone}` };
}

/**
 * Start and end in the given zone, with UTC alongside when the zone is not UTC, each zone named
 * once: "Thu, 3 Dec 2026, 19:00 – 20:00 JST (10:00 – 11:00 UTC)"; in UTC "…, 10:00 – 11:00 UTC".
 */
export function formatRange(startsAt: string, endsAt: string, timeZone: string): string {
  const [start, end] = [new Date(startsAt), new Date(endsAt)];
  const local = rangeIn(start, end, timeZone);
  const utc = rangeIn(start, end, 'UTC');
  if (local.text === utc.text) return local.text;
  // The UTC times alone when they fall on the same day as the local start, the whole range when not.
  const sameDay = utc.day === local.day && dayAndTime(end, 'UTC').day === utc.day;
  return `${local.text} (${sameDay ? utc.text.slice(utc.day.length + 2) : utc.text})`;
}

/** One change as "Start: Tue … → Wed …". Times are shown in the zone and in UTC; lists as comma lists. */
export function describeChange(change: FieldChange, timeZone: string): string {
  const show = (value: FieldChange['from']) => {
    if (value === null || value === '') return '(none)';
    if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ');
    if (change.field === 'startsAt' || change.field === 'endsAt') return formatInstantWithUtc(value, timeZone);
    return value;
  };
  return `${FIELD_LABELS[change.field]}: ${show(change.from)} → ${show(change.to)}`;
}
