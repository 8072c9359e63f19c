/**
 * What a viewer's watch page says about the stream (issue 11), in states plain enough to put into
 * words: scheduled, starting soon, starting late, live, ending, ended, cancelled, moved, lapsed.
 * Pure: the page and its state endpoint ask with the reservation as it is and the clock.
 *
 * The stream, not the clock, says when it is live (issue 9): a confirmed reservation whose window
 * is open but that nobody streams into yet is "starting soon" before its start and "starting
 * late" after it (issue 17), never "live". A live stream past its end is "ending": the server lets
 * it run through the teardown buffer, and the page must not promise "until" a time gone by.
 */
import type { ReservationStatus } from './status.js';

export const WATCH_STATES = [
  'scheduled',
  'starting_soon',
  'late',
  'live',
  'ending',
  'ended',
  'cancelled',
  'moved',
  'lapsed',
] as const;
export type WatchState = (typeof WATCH_STATES)[number];

/** How long before the start the page says "starting soon" (and a viewer may keep it open). */
export const STARTING_SOON_MS = 15 * 60_000;

export interface WatchFacts {
  status: ReservationStatus;
  startsAt: Date;
  endsAt: Date;
  /** The server's set-up/teardown buffer: streams are admitted from start − buffer to end + buffer. */
  bufferMs: number;
  /** The latest change of the start time, if any: the reservation was moved from → to. */
  moved?: { from: Date; to: Date } | undefined;
}

export interface WatchStatus {
  state: WatchState;
  /** Whether the player should play now. */
  playing: boolean;
  /** The organizer has not reconfirmed yet: the invitation is tentative. */
  tentative: boolean;
}

export function watchStatus(facts: WatchFacts, now: Date): WatchStatus {
  const tentative = facts.status === 'permitted';
  const at = (state: WatchState, playing = false): WatchStatus => ({ state, playing, tentative });
  switch (facts.status) {
    case 'cancelled':
      return at('cancelled');
    case 'lapsed':
      return at('lapsed');
    case 'completed':
      return at('ended');
    case 'live':
      return at(now.getTime() >= facts.endsAt.getTime() ? 'ending' : 'live', true);
    case 'permitted':
    case 'confirmed': {
      const t = now.getTime();
      // Past the end nobody is told to wait on: a stream that never began by then will not.
      if (t >= facts.endsAt.getTime()) return at('ended');
      if (t >= facts.startsAt.getTime()) return at('late');
      if (t >= facts.startsAt.getTime() - Math.max(STARTING_SOON_MS, facts.bufferMs)) return at('starting_soon');
      return at(facts.moved && facts.moved.from.getTime() !== facts.moved.to.getTime() ? 'moved' : 'scheduled');
    }
  }
}

/** The states after which nothing more will be shown: the page drops its player and calendar link. */
export function isOver(state: WatchState): boolean {
  return state === 'ended' || state === 'cancelled' || state === 'lapsed';
}
