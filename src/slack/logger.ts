/**
 * Bolt's and the WebClient's logger, written to Slotcast's. Their debug output is dropped: it
 * carries request bodies (modal inputs, passcodes), and Slotcast logs no secrets.
 */
import { LogLevel } from '@slack/bolt';
import type { Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../log.js';

function words(parts: unknown[]): string {
  return parts
    .map((part) => (part instanceof Error ? part.message : typeof part === 'string' ? part : String(part)))
    .join(' ');
}

export function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  return {
    debug: () => {},
    info: (...parts) => log.info(`slack: ${words(parts)}`),
    warn: (...parts) => log.warn(`slack: ${words(parts)}`),
    error: (...parts) => log.error(`slack: ${words(parts)}`),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
