/**
 * Cutting streams, once, wherever the cause was committed (issue 16). Every instance that keeps a
 * live reservation arms a timer for its window's end, and every instance hears every commit; they
 * all try, and PostgreSQL picks one: `claimCut` marks the publish sessions cut in one UPDATE, and
 * only the instance whose UPDATE returned them drops the publishers and winds the stream up. An
 * instance claims only on servers it can cut (any nginx-rtmp or MediaMTX server it serves; its own
 * embedded server, never another instance's).
 */
import { coerceError } from '../../log.js';
import type { GateReservation } from '../../store/streaming.js';
import { claimCut, endKeyedViewersOf } from '../../store/streaming.js';
import { publishWindow } from '../../domain/admission.js';
import type { PublisherSession } from '../driver.js';
import type { GatePort } from './port.js';

// setTimeout's longest delay; a cut further ahead is re-armed when this fires.
const LONGEST_TIMER_MS = 2_147_483_647;

export interface CutTarget {
  /** The servers this instance can cut publishers on. */
  cuttable(): string[];
  /** Drops a publisher through its server's driver. */
  dropPublisher(publisher: PublisherSession): void;
  /** Drops an RTMP player (nginx-rtmp) by its server and client id. */
  dropPlayer(serverId: string, clientId: string): void;
  /** Drops the publishers of the reservation connected to this process (its embedded server). */
  dropLocalPublishers(reservationId: string): void;
  /** Ends what this process itself holds of the reservation (its connections). */
  endLocal(reservationId: string, reason: string): void;
  /** Records the end of work it starts (the gate's `settled`). */
  track<T>(work: Promise<T>): Promise<T>;
}

export class Cuts {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly port: GatePort,
    private readonly target: CutTarget,
  ) {}

  /** Sets the end-of-window timer of a reservation that streams or may (viewers connected here end then too). */
  arm(reservation: GateReservation): void {
    this.disarm(reservation.id);
    if (reservation.status !== 'live' && reservation.status !== 'confirmed') return;
    const delay = publishWindow(reservation).closesAt.getTime() - this.port.clock().getTime();
    const timer = setTimeout(
      () => {
        this.timers.delete(reservation.id);
        if (delay > LONGEST_TIMER_MS) this.arm(reservation);
        else this.target.track(this.cut(reservation, 'window_ended'));
      },
      Math.min(Math.max(delay, 0), LONGEST_TIMER_MS),
    );
    timer.unref();
    this.timers.set(reservation.id, timer);
  }

  disarm(reservationId: string): void {
    clearTimeout(this.timers.get(reservationId));
    this.timers.delete(reservationId);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * Drops whoever publishes into the reservation, and nothing else: its stream key was replaced
   * (issue 17). The reservation stays as it is, its viewers stay connected, and the organizer
   * streams on with the new key; no wind-up follows.
   */
  async cutPublishers(reservation: Pick<GateReservation, 'id' | 'code' | 'streamKey'>, reason: string): Promise<void> {
    let claimed: Awaited<ReturnType<typeof claimCut>> = [];
    try {
      // Heard late, the commit must not cut a publisher the new key let in meanwhile.
      claimed = await claimCut(this.port.sql, {
        reservationId: reservation.id,
        serverIds: this.target.cuttable(),
        at: this.port.clock(),
        reason,
        keptKey: reservation.streamKey,
      });
    } catch (error) {
      // nginx's next update call refuses the old key all the same; this process's own are dropped.
      this.port.log.error('claiming a cut failed', {
        reservation: reservation.code,
        error: coerceError(error).message,
      });
      this.target.dropLocalPublishers(reservation.id);
    }
    for (const publisher of claimed) this.target.dropPublisher(publisher);
    if (claimed.length > 0) this.port.log.info('publisher cut', { reservation: reservation.code, reason });
  }

  /**
   * Ends the reservation's stream: this process's own connections at once; the publishers, if
   * this instance wins the claim, through their servers — then the wind-up (completion,
   * attendance summary), by the same instance only. `onlyOtherThan`: a moved reservation loses
   * only its publishers on servers other than its own, and its stream goes on.
   */
  async cut(reservation: Pick<GateReservation, 'id' | 'code'>, reason: string, onlyOtherThan?: string): Promise<void> {
    this.disarm(reservation.id);
    const now = this.port.clock();
    let claimed: Awaited<ReturnType<typeof claimCut>> = [];
    try {
      // Claimed before anything is dropped: a dropped connection's own end would be recorded as
      // "disconnected" otherwise, and the session would not say why it ended.
      claimed = await claimCut(this.port.sql, {
        reservationId: reservation.id,
        serverIds: this.target.cuttable(),
        at: now,
        reason,
        onlyOtherThan,
      });
    } catch (error) {
      // This process's own connections are cut below all the same; nginx's next update call cuts the rest.
      this.port.log.error('claiming a cut failed', {
        reservation: reservation.code,
        error: coerceError(error).message,
      });
    }
    for (const publisher of claimed) this.target.dropPublisher(publisher);
    if (!onlyOtherThan) this.target.endLocal(reservation.id, reason);
    if (claimed.length === 0) return;
    this.port.log.info('stream cut', { reservation: reservation.code, reason });
    if (onlyOtherThan) return;
    try {
      for (const key of await endKeyedViewersOf(this.port.sql, reservation.id, now)) {
        const player = /^rtmp:([^:]+):(.+)$/.exec(key);
        if (player) this.target.dropPlayer(player[1]!, player[2]!);
      }
      await this.port.records.windUp(reservation.id, reason);
    } catch (error) {
      this.port.log.error('winding up a stream failed', {
        reservation: reservation.code,
        error: coerceError(error).message,
      });
    }
  }
}
