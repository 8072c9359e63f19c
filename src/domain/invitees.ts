/**
 * Invitee contacts (claim 1): e-mail addresses (claim 8) and chat channels. Checked address by
 * address so a front end can say exactly which entries are wrong.
 */

// Pragmatic, not RFC 5322: one @, no spaces or angle brackets, a dotted domain. It accepts what
// people type into invitation forms and rejects what is certainly not an address.
const EMAIL = /^[^\s@<>(),;:"[\]]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
const SLACK_CHANNEL = /^[CGD][A-Z0-9]{6,}$/;
const DISCORD_SNOWFLAKE = /^\d{17,20}$/;

export function isEmail(text: string): boolean {
  return text.length <= 254 && EMAIL.test(text);
}

export function isSlackChannelId(text: string): boolean {
  return SLACK_CHANNEL.test(text);
}

export function isDiscordSnowflake(text: string): boolean {
  return DISCORD_SNOWFLAKE.test(text);
}

/** Splits free text ("a@x.org, b@y.org\nc@z.org") into entries: commas, semicolons, spaces, new lines. */
export function splitContacts(text: string): string[] {
  return text.split(/[\s,;]+/).filter((entry) => entry.length > 0);
}

/** Lower-cased, since nobody means two people by Ann@X.org and ann@x.org. */
export function normalizeEmail(address: string): string {
  return address.trim().toLowerCase();
}

export interface ContactProblems {
  invalid: string[];
  duplicates: string[];
}

/** Finds the entries that are not valid and those listed more than once (after normalizing). */
export function findContactProblems(
  entries: readonly string[],
  isValid: (entry: string) => boolean,
  normalize: (entry: string) => string = (entry) => entry,
): ContactProblems {
  const invalid: string[] = [];
  const duplicates: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!isValid(entry)) {
      invalid.push(entry);
      continue;
    }
    const key = normalize(entry);
    if (seen.has(key) && !duplicates.includes(key)) duplicates.push(key);
    seen.add(key);
  }
  return { invalid, duplicates };
}

export function describeContactProblems(kind: string, problems: ContactProblems): string | undefined {
  const parts: string[] = [];
  if (problems.invalid.length > 0) {
    parts.push(`not valid ${kind}: ${quoteList(problems.invalid)}`);
  }
  if (problems.duplicates.length > 0) {
    parts.push(`listed twice: ${quoteList(problems.duplicates)}`);
  }
  if (parts.length === 0) return undefined;
  const sentence = parts.join('; ');
  return `${sentence.charAt(0).toUpperCase() + sentence.slice(1)}.`;
}

function quoteList(items: readonly string[], max = 10): string {
  const shown = items.slice(0, max).map((item) => `"${item.length > 80 ? `${item.slice(0, 77)}...` : item}"`);
  const more = items.length > max ? ` and ${items.length - max} more` : '';
  return shown.join(', ') + more;
}
