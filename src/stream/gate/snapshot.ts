/**
 * The reservations near their stream window, in memory (issue 16): those on enforcing servers
 * that hold a slot and start within `horizonMs` (plus the longest server buffer), and every live
 * one — the ones a publisher or viewer may be let in to now or soon, and whose cut timers run. Everything else is
 * read by an index when asked for, and never kept: memory and the periodic reload follow the
 * reservations near now, not all the future or past ones.
 *
 * Kept current by PostgreSQL NOTIFY (a trigger on the reservation table, whoever commits) and a
 * reload of the near window every `reloadEveryMs` (reservations coming into the horizon, and
 * anything a lost connection missed).
 */
import type { Sql } from '../../store/sql.js';
import type { GateReservation } from '../../store/streaming.js';
import {
  gateReservation,
  gateReservationByCode,
  gateReservationByKey,
  longestBufferMs,
  nearReservations,
} from '../../store/streaming.js';

/** What the reservation table's trigger says of a commit (migration 20261207100000). */
export interface ReservationNotice {
  id: string;
  status: string;
  startsAt: string;
  serverId: string;
}

const HOLDING = new Set(['permitted', 'confirmed', 'live']);

export class ReservationSnapshot {
  private readonly byId = new Map<string, GateReservation>();
  private readonly byKey = new Map<string, GateReservation>();
  private readonly byCode = new Map<string, GateReservation>();
  private longestBuffer = 0;

  constructor(
    private readonly sql: Sql,
    private readonly clock: () => Date,
    private readonly horizonMs: number,
  ) {}

  /** Until when reservations are kept: the horizon, widened by the earliest a window can open. */
  private until(): Date {
    return new Date(this.clock().getTime() + this.horizonMs + this.longestBuffer);
  }

  /**
   * Reads the near window anew; returns what left it (to be re-judged), what is in it, and what
   * got a new stream key since it was kept (a reload may read a commit before its NOTIFY arrives).
   */
  async reload(): Promise<{ left: GateReservation[]; current: GateReservation[]; rekeyed: GateReservation[] }> {
    this.longestBuffer = await longestBufferMs(this.sql);
    const rows = await nearReservations(this.sql, this.until());
    const keep = new Set(rows.map((row) => row.id));
    const left = [...this.byId.values()].filter((row) => !keep.has(row.id));
    const rekeyed = rows.filter((row) => {
      const kept = this.byId.get(row.id);
      return kept !== undefined && kept.streamKey !== row.streamKey;
    });
    for (const row of left) this.forget(row);
    for (const row of rows) this.put(row);
    return { left, current: rows, rekeyed };
  }

  /**
   * A reservation was committed somewhere. Returns its state before and after, when it matters
   * here (it was kept, or now belongs in the window); undefined when it concerns no one here.
   */
  async changed(
    id: string,
    /** What the NOTIFY said; none: read it regardless (a reservation this process holds streams of). */
    notice?: ReservationNotice,
  ): Promise<{ previous: GateReservation | undefined; current: GateReservation | undefined } | undefined> {
    const previous = this.byId.get(id);
    if (!previous && notice && !this.belongs(notice.status, new Date(notice.startsAt))) return undefined;
    const row = await gateReservation(this.sql, id);
    const current = row && row.serverKind !== 'external' ? row : undefined;
    if (previous) this.forget(previous);
    if (current && this.belongs(current.status, current.startsAt)) this.put(current);
    return { previous, current };
  }

  /** Kept: it holds a slot and starts before the horizon, or it streams now (whatever its start). */
  private belongs(status: string, startsAt: Date): boolean {
    return status === 'live' || (HOLDING.has(status) && startsAt.getTime() <= this.until().getTime());
  }

  /** A reservation someone streams to now: kept from this moment, not from the next commit's NOTIFY. */
  streaming(row: GateReservation): void {
    this.put({ ...row, status: 'live' });
  }

  /** From memory only (node-media-server's synchronous hooks): undefined if not near its window. */
  cachedByKey(key: string): GateReservation | undefined {
    return this.byKey.get(key);
  }

  cachedById(id: string): GateReservation | undefined {
    return this.byId.get(id);
  }

  /** By id: from memory, else by the primary key (never kept). */
  async findById(id: string): Promise<GateReservation | undefined> {
    return this.byId.get(id) ?? gateReservation(this.sql, id);
  }

  /** By stream key, as committed now (by the index; never kept). */
  async readByKey(key: string): Promise<GateReservation | undefined> {
    return key ? gateReservationByKey(this.sql, key) : undefined;
  }

  /** By code, any case: from memory, else by the index (never kept). */
  async findByCode(code: string): Promise<GateReservation | undefined> {
    const upper = code.toUpperCase();
    return this.byCode.get(upper) ?? (upper ? gateReservationByCode(this.sql, upper) : undefined);
  }

  private put(row: GateReservation): void {
    const previous = this.byId.get(row.id);
    if (previous) this.forget(previous);
    this.byId.set(row.id, row);
    this.byKey.set(row.streamKey, row);
    this.byCode.set(row.code, row);
  }

  private forget(row: GateReservation): void {
    this.byId.delete(row.id);
    if (this.byKey.get(row.streamKey)?.id === row.id) this.byKey.delete(row.streamKey);
    if (this.byCode.get(row.code)?.id === row.id) this.byCode.delete(row.code);
  }
}
