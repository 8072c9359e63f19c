/**
 * Durations, in one grammar: a sum of amounts with units, largest first or not. Returned in
 * milliseconds. Two dialects of it:
 *
 * - settings, as operators write them: `90s`, `15m`, `24h`, `90d`, `1h30m` — whole numbers,
 *   one-letter units, no spaces, so a typo never passes for a duration;
 * - typed in a chat form, as people write them: also `1.5h`, `1,5h`, `2 hours`,
 *   `1 hour 30 minutes`; minutes, hours and days only, since slots are booked in whole minutes.
 */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

const UNIT_WORDS: Record<string, Unit> = {
  s: 's',
  m: 'm',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  d: 'd',
  day: 'd',
  days: 'd',
};

interface Dialect {
  units: readonly Unit[];
  /** `2 hours` besides `2h`, and spaces between the parts. */
  words: boolean;
  /** `1.5h` and `1,5h`. */
  fractions: boolean;
}

const SETTINGS: Dialect = { units: ['s', 'm', 'h', 'd'], words: false, fractions: false };
const TYPED: Dialect = { units: ['m', 'h', 'd'], words: true, fractions: true };

const PART = /(\d+(?:[.,]\d+)?)\s*([a-z]+)/g;
const WHOLE = /^(?:\s*\d+(?:[.,]\d+)?\s*[a-z]+)+\s*$/;

function parse(text: string, dialect: Dialect): number | undefined {
  const input = text.trim().toLowerCase();
  if (!WHOLE.test(input)) return undefined;
  if (!dialect.words && /\s/.test(input)) return undefined;
  let total = 0;
  for (const [, amount = '', word = ''] of input.matchAll(PART)) {
    const unit = dialect.words ? UNIT_WORDS[word] : (word as Unit);
    if (unit === undefined || !dialect.units.includes(unit)) return undefined;
    if (!dialect.fractions && !/^\d+$/.test(amount)) return undefined;
    total += Number(amount.replace(',', '.')) * UNIT_MS[unit];
  }
  return Math.round(total);
}

/** A duration in a setting (src/config.ts). */
export function parseDuration(text: string): number | undefined {
  return parse(text, SETTINGS);
}

/** A duration typed into a chat form, e.g. a reservation's length; undefined unless it is a positive one. */
export function parseTypedDuration(text: string): number | undefined {
  const ms = parse(text, TYPED);
  return ms !== undefined && ms > 0 ? ms : undefined;
}

/** The inverse, for messages and pre-filled forms: 5400000 → "1h30m" (both dialects read it back). */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0m';
  let rest = Math.round(ms / 1_000);
  const parts: string[] = [];
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const amount = Math.floor(rest / seconds);
    if (amount > 0) parts.push(`${amount}${unit}`);
    rest -= amount * seconds;
  }
  return parts.join('');
}
