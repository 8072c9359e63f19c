/**
 * Invitee contacts (claim 1): e-mail addresses (claim 8) and chat channels. Checked address by
 * address so a front end can say exactly which entries are wrong.
 */

import { invisibleCharacterIn } from './text.js';

// Pragmatic, not RFC 5322: it accepts what people type into invitation forms and rejects what
// is certainly not an address. The local part is dot-separated runs of anything but spaces,
// control characters (nodemailer would drop them and mail someone else: a\u0001b@x.org goes to
// ab@x.org) and the characters that delimit addresses; so no leading, trailing or double dot,
// which RFC 5322 allows only inside quotes. The domain is dotted DNS labels. Nor any invisible
// character (src/domain/text.ts): ann\u200b@example.org is not ann.
const LOCAL_CHARACTER = '[^\\s\\u0000-\\u001f\\u007f-\\u009f@<>(),;:"[\\]\\\\.]';
const LOCAL = new RegExp(`^${LOCAL_CHARACTER}+(?:\\.${LOCAL_CHARACTER}+)*$`);
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;
const SLACK_CHANNEL = /^[CGD][A-Z0-9]{6,}$/;
const DISCORD_SNOWFLAKE = /^\d{17,20}$/;

/** At most 254 characters, 64 of them before the @ (RFC 5321's limits). */
export function isEmail(text: string): boolean {
  if (invisibleCharacterIn(text)) return false;
  const at = text.lastIndexOf('@');
  if (at < 0 || text.length > 254 || at > 64) return false;
  return LOCAL.test(text.slice(0, at)) && DOMAIN.test(text.slice(at + 1));
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
