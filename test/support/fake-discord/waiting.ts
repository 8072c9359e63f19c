/**
 * Waiting on the fake without polling: look through what already happened, else listen on the
 * event bus for the next matching item, with a timeout that says what was being waited for.
 */
import type { EventEmitter } from 'node:events';

export const CLOSED_EVENT = 'fake-discord:closed';

export interface WaitSpec<T> {
  emitter: EventEmitter;
  /** The bus event carrying new items. */
  event: string;
  /** Items seen so far; the earliest match is returned at once. */
  history: readonly T[];
  matches: (item: T) => boolean;
  timeoutMs: number;
  /** For the timeout message: what was awaited and what was seen instead. */
  describe: () => string;
}

export function waitFor<T>(spec: WaitSpec<T>): Promise<T> {
  const { emitter, event, matches, timeoutMs } = spec;
  try {
    const past = spec.history.find(matches);
    if (past !== undefined) return Promise.resolve(past);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<T>((resolve, reject) => {
    const finish = (outcome: () => void): void => {
      clearTimeout(timer);
      emitter.off(event, onItem);
      emitter.off(CLOSED_EVENT, onClosed);
      outcome();
    };
    const onItem = (item: T): void => {
      try {
        if (matches(item)) finish(() => resolve(item));
      } catch (error) {
        finish(() => reject(error));
      }
    };
    const onClosed = (): void =>
      finish(() => reject(new Error(`fake Discord closed while waiting for ${spec.describe()}`)));
    const timer = setTimeout(
      () => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${spec.describe()}`))),
      timeoutMs,
    );
    emitter.on(event, onItem);
    emitter.on(CLOSED_EVENT, onClosed);
  });
}
