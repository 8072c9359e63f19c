/**
 * Random codes from the operating system's CSPRNG.
 */
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Secrets } from './deps.js';

// No 0/O, 1/I/L: codes and passcodes are read aloud and typed by people.
const READABLE = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

function readable(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += READABLE[randomInt(READABLE.length)];
  return text;
}

export const randomSecrets: Secrets = {
  reservationCode: (length = 4) => `R-${readable(length)}`,
  // 10 characters of 31: about 49 bits, far beyond guessing through a player's passcode prompt.
  passcode: () => readable(10),
  streamKey: () => `sk_${randomBytes(24).toString('base64url')}`,
};

/** Compares a secret someone gave with ours in time that depends on their lengths only. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
