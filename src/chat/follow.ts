/**
 * What chat shows of a reservation follows its commits (issue 17): every reservation commit,
 * whatever made it (the REST API, the web pages, a chat button, a lapse or start job, the stream
 * going live, another instance), fires the reservation table's NOTIFY, and the one follower of
 * each process hands it to the platforms' followers: the organizer's DM prompt is redrawn
 * (src/chat/prompt.ts), Discord's guild event follows the stream (src/chat/events.ts). No front
 * end has to remember to.
 *
 * Several instances hear each commit; the recorded chat_message row notes what it was drawn for,
 * under the conversation's lock, so the first draws and the others find it drawn. Commits made
 * while the listener was away (or this process was down) are caught up at start and after a
 * reconnect from the table: rows whose drawn state is not their reservation's.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';
import { RepeatedErrors } from '../jobs/repeated-errors.js';
import { PgListener } from '../store/listener.js';
import { RESERVATION_CHANNEL } from '../stream/gate.js';

const CATCH_UP_BATCH = 200;

/** What follows a reservation's commits on a platform: its organizer's prompt, its guild event. */
export interface CommitFollower {
  /** Brings what it shows of the reservation up to date, unless it is already (once across instances). */
  follow(reservationId: string): Promise<unknown>;
  /** Reservations it shows in another state than they have now. */
  stale(limit: number): Promise<string[]>;
}

interface Following {
  again: boolean;
  done: Promise<void>;
}

/**
 * One per process: hears every reservation commit and hands it to the platforms' followers.
 * Emits 'followed' (reservation id) after each pass, for whoever waits on one (tests).
 */
export class ChatFollower extends EventEmitter {
  private readonly listener: PgListener;
  private readonly following = new Map<string, Following>();
  private readonly failures: RepeatedErrors;
  private catchingUp: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly followers: readonly CommitFollower[],
    databaseUrl: string,
    log: Logger,
  ) {
    super();
    this.failures = new RepeatedErrors(log, 'following a reservation commit in chat failed');
    this.listener = new PgListener({
      databaseUrl,
      channels: [RESERVATION_CHANNEL],
      name: 'the chat follower',
      log,
      onNotification: (_channel, payload) => this.heard(payload),
      onReconnected: () => void this.catchUp(),
    });
  }

  async start(): Promise<void> {
    await this.listener.start();
    await this.catchUp();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.listener.stop();
    await this.catchingUp;
    await Promise.all([...this.following.values()].map((following) => following.done));
  }

  /** Redraws every prompt that missed a commit. */
  catchUp(): Promise<void> {
    this.catchingUp ??= (async () => {
      try {
        for (const follower of this.followers) {
          for (const id of await follower.stale(CATCH_UP_BATCH)) this.follow(id);
        }
      } catch (error) {
        this.failures.report(coerceError(error));
      } finally {
        this.catchingUp = undefined;
      }
    })();
    return this.catchingUp;
  }

  private heard(payload: string): void {
    let id: unknown;
    try {
      id = (JSON.parse(payload) as { id?: unknown }).id;
    } catch {
      return;
    }
    if (typeof id === 'string') this.follow(id);
  }

  /** One pass per reservation at a time; commits heard meanwhile make one more pass, not one each. */
  private follow(reservationId: string): void {
    if (this.stopped) return;
    const running = this.following.get(reservationId);
    if (running) {
      running.again = true;
      return;
    }
    const following: Following = { again: true, done: Promise.resolve() };
    this.following.set(reservationId, following);
    following.done = (async () => {
      while (following.again && !this.stopped) {
        following.again = false;
        for (const follower of this.followers) {
          await follower
            .follow(reservationId)
            .catch((error: unknown) => this.failures.report(coerceError(error), { reservation: reservationId }));
        }
      }
      this.following.delete(reservationId);
      this.emit('followed', reservationId);
    })();
  }
}
