/**
 * The zone a user's typed times are read in, and IANA time zones without a time zone library: the offset of a zone at an instant comes from
 * Intl, and a wall-clock time in a zone becomes an instant by trying the offsets in force a day
 * before and a day after (no zone changes its offset twice within two days). That is enough to
 * place times correctly on both sides of a daylight-saving change.
 */
import { z } from 'zod';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  return format;
}

export function isTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's canonical spelling (`europe/berlin` → `Europe/Berlin`), or undefined if unknown. */
export function canonicalZone(zone: string): string | undefined {
  if (!isTimeZone(zone.trim())) return undefined;
  return new Intl.DateTimeFormat('en-US', { timeZone: zone.trim() }).resolvedOptions().timeZone;
}

export interface WallClock {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** What a clock on the wall in `zone` shows at `instant`. */
export function wallClockAt(zone: string, instant: number): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

const asUtc = (wall: WallClock): number =>
  Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);

/** The zone's offset from UTC at `instant`, in milliseconds (Berlin in summer: +7 200 000). */
export function offsetAt(zone: string, instant: number): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return asUtc(wallClockAt(zone, whole)) - whole;
}

const DAY = 86_400_000;

/**
 * The instant a wall-clock time in `zone` designates. Like Temporal's `compatible`
 * disambiguation: a time that occurs twice (clocks going back) is the earlier one; a time that
 * does not exist (clocks going forward) is moved forward by the gap, e.g. 02:30 → 03:30.
 */
export function instantOf(wall: WallClock, zone: string): number {
  const local = asUtc(wall);
  const before = offsetAt(zone, local - DAY);
  const after = offsetAt(zone, local + DAY);
  const valid = [...new Set([before, after])]
    .map((offset) => local - offset)
    .filter((instant) => asUtc(wallClockAt(zone, instant)) === local)
    .sort((a, b) => a - b);
  return valid[0] ?? local - before;
}

export const DEFAULT_ZONE = 'UTC';

export interface ZoneSource {
  zone: string;
  /** Where the zone came from, so a front end can tell the user why it reads times that way. */
  from: 'user' | 'workspace' | 'default';
}

/**
 * The user's own zone, else their workspace's (Slack workspace, Discord guild) default, else UTC.
 * A stored zone that this Node's ICU no longer knows is skipped rather than failing every request.
 */
export function resolveZone(stored: { user: string | null; workspace: string | null }): ZoneSource {
  const user = stored.user ? canonicalZone(stored.user) : undefined;
  if (user) return { zone: user, from: 'user' };
  const workspace = stored.workspace ? canonicalZone(stored.workspace) : undefined;
  if (workspace) return { zone: workspace, from: 'workspace' };
  return { zone: DEFAULT_ZONE, from: 'default' };
}

/** A zone as a user types it ("europe/berlin"), to its canonical name, or a message saying what to type. */
export const zoneSchema = z
  .string({ error: 'A time zone is required, e.g. Europe/Berlin.' })
  .trim()
  .transform((text, context) => {
    const zone = canonicalZone(text);
    if (!zone) {
      context.addIssue({
        code: 'custom',
        message:
          `"${text.slice(0, 64)}" is not an IANA time zone; ` +
          'use a name such as Europe/Berlin, America/New_York or Asia/Tokyo.',
      });
      return z.NEVER;
    }
    return zone;
  });
