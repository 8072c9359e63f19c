/**
 * The streaming gate, used by every kind of server Slotcast enforces (issue 9). Servers ask it
 * synchronously — node-media-server's hooks are synchronous, and an answer given later would
 * admit the publisher until then — so it decides from an in-memory snapshot of the reservations
 * on enforcing servers, loaded at start, kept current by the use cases' commit events
 * (AppDeps.listeners) and reloaded every `refreshEveryMs` for commits made by other processes.
 *
 * What it decides, it records through the use cases in src/app/stream.ts, after answering: the
 * publish session, the first publish making the reservation live, refusals (audited, the
 * organizer told once per reservation and reason), viewer sessions, and the attendance summary
 * once the stream is over. Cut timers end a stream at end + buffer; a reservation cancelled or
 * moved while it streams is cut at once.
 */
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../app/deps.js';
import type { CommittedEvent, CommitListener } from '../app/events.js';
import {
  finishReservation,
  publishRefused,
  streamStarted,
  streamStopped,
  summarizeStream,
  viewerJoined,
  viewerLeft,
} from '../app/stream.js';
import type { PublishDecision, ViewerCredentials, ViewerDecision } from '../domain/admission.js';
import { cutReason, decidePublish, decideViewer, publishWindow } from '../domain/admission.js';
import { isEnforcing } from '../domain/server-kind.js';
import { tokenOwner } from '../domain/viewer-token.js';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';
import type { StoredReservation } from '../store/reservations.js';
import type { GateReservation } from '../store/streaming.js';
import {
  endOpenPublishSessions,
  gateReservation,
  gateReservations,
  openPublishSessions,
  viewerTokenKey,
} from '../store/streaming.js';
import type { PublisherSession, StreamDriver } from './driver.js';

export interface PublishRequest {
  serverId: string;
  /** The stream key the publisher gave (the stream name). */
  key: string;
  clientId: string;
  ip: string;
  now?: Date;
}

export interface PlayRequest {
  /** The reservation's code, any case. */
  code: string;
  credentials: ViewerCredentials;
  ip: string;
  now?: Date;
}

/** An admitted viewer; the HTTP route ends its response when the gate calls `onEnd`. */
export interface Viewer {
  id: string;
  reservationId: string;
  /** Called by the gate when the stream is cut: the route ends the response. */
  onEnd: (reason: string) => void;
}

export type PlayDecision =
  | { admitted: true; viewer: Viewer; reservation: GateReservation }
  | {
      admitted: false;
      status: 401 | 403 | 429;
      reason: Exclude<ViewerDecision, { admitted: true }>['reason'] | 'too_many_tries';
    };

/** The HTTP status of a refused viewer, wherever they come in (FLV route, HLS auth, MediaMTX read). */
export function viewerRefusalStatus(reason: string): 401 | 403 | 429 {
  return reason === 'too_many_tries' ? 429 : reason === 'missing_credentials' ? 401 : 403;
}

export interface GateOptions {
  /** Reload the whole snapshot this often (default 10 s), for commits made in other processes. */
  refreshEveryMs?: number;
  /**
   * A publisher found open at start (a server whose publishers outlive this process, nginx-rtmp)
   * must be heard of within this long (its server's update call), or it is taken as gone
   * (default 10 s: a few of nginx's 2 s updates).
   */
  restoredGraceMs?: number;
  /** Wrong credentials from one address within a minute before it gets 429 (default 10). */
  maxWrongTriesPerMinute?: number;
}

interface Served {
  name: string;
  driver: StreamDriver;
  /** Publishers of this server end when this process stops (embedded: they are connected to it). */
  endsWithProcess: boolean;
}

interface Publisher extends PublisherSession {
  sessionId: Promise<string | undefined>;
  /**
   * False for a publisher restored from an open session at start until its server speaks of it
   * again: its end may have been missed while this process was down, so it blocks nobody.
   */
  verified: boolean;
}

// setTimeout's longest delay; a cut further ahead is re-armed when this fires.
const LONGEST_TIMER_MS = 2_147_483_647;
const MINUTE_MS = 60_000;

export class StreamGate {
  private readonly byId = new Map<string, GateReservation>();
  private readonly byKey = new Map<string, GateReservation>();
  private readonly byCode = new Map<string, GateReservation>();
  private readonly served = new Map<string, Served>();
  private readonly publishers = new Map<string, Publisher>();
  private readonly viewers = new Map<string, Viewer & { sessionId: Promise<string | undefined> }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly wrongTries = new Map<string, number[]>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private tokenKey = '';
  private readonly log: Logger;
  private readonly refreshEveryMs: number;
  private readonly maxWrongTries: number;
  private readonly restoredGraceMs: number;
  private graceTimer: NodeJS.Timeout | undefined;

  /** Subscribed to the use cases' commits by `start`. */
  readonly onCommit: CommitListener = (event) => this.committed(event);

  constructor(
    private readonly deps: AppDeps,
    options: GateOptions = {},
  ) {
    this.log = deps.log;
    this.refreshEveryMs = options.refreshEveryMs ?? 10_000;
    this.maxWrongTries = options.maxWrongTriesPerMinute ?? 10;
    this.restoredGraceMs = options.restoredGraceMs ?? 10_000;
  }

  /** Serves a server of an enforcing kind through its driver. */
  serve(server: { id: string; name: string }, driver: StreamDriver, options: { endsWithProcess?: boolean } = {}): void {
    this.served.set(server.id, { name: server.name, driver, endsWithProcess: options.endsWithProcess ?? false });
  }

  async start(): Promise<void> {
    this.tokenKey = await viewerTokenKey(this.deps.pool);
    // Publishers connected to a previous run of this process ended with it.
    const ended = [...this.served].filter(([, served]) => served.endsWithProcess).map(([id]) => id);
    if (ended.length > 0) await endOpenPublishSessions(this.deps.pool, ended, this.deps.clock(), 'service_stopped');
    await this.restorePublishers();
    await this.refresh();
    this.deps.listeners.push(this.onCommit);
    this.refreshTimer = setInterval(() => {
      this.track(this.refresh());
    }, this.refreshEveryMs);
    this.refreshTimer.unref();
  }

  /**
   * Stops timers and listening, and records the end of the sessions that end with this process;
   * publishers of other servers (nginx-rtmp) stream on, and the next start finds them.
   */
  async stop(): Promise<void> {
    clearInterval(this.refreshTimer);
    clearTimeout(this.graceTimer);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    const index = this.deps.listeners.indexOf(this.onCommit);
    if (index >= 0) this.deps.listeners.splice(index, 1);
    const now = this.deps.clock();
    for (const [key, publisher] of this.publishers) {
      if (!this.served.get(publisher.serverId)?.endsWithProcess) continue;
      this.publishers.delete(key);
      this.track(this.recordEnd(publisher, now, 'service_stopped'));
    }
    for (const viewer of [...this.viewers.values()]) {
      viewer.onEnd('service_stopped');
      this.playEnded(viewer, now);
    }
    await this.settled();
  }

  /** Resolves when the records of everything decided so far are written (tests, stop). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** A publisher wants in. Decided from memory, synchronously; recorded afterwards. */
  publish(request: PublishRequest): PublishDecision {
    const now = request.now ?? this.deps.clock();
    const reservation = this.byKey.get(request.key);
    const served = this.served.get(request.serverId);
    const otherPublisher = reservation !== undefined && this.isHeld(reservation.id);
    const decision: PublishDecision = served
      ? decidePublish({ reservation, serverId: request.serverId, now, otherPublisher })
      : { admitted: false, reason: 'unknown_key' };
    const facts = { server: served?.name, client: request.clientId, ip: request.ip, reservation: reservation?.code };
    this.deps.metrics.publishDecided(decision);
    if (!decision.admitted) {
      this.log.info('publish refused', { ...facts, reason: decision.reason });
      this.track(
        publishRefused(this.deps, {
          reservationId: decision.reason === 'unknown_key' ? undefined : reservation?.id,
          serverId: request.serverId,
          serverName: served?.name ?? request.serverId,
          reason: decision.reason,
          window: decision.window,
          clientId: request.clientId,
          ip: request.ip,
          at: now,
        }),
      );
      return decision;
    }
    this.admit(request, reservation!, now, facts);
    return decision;
  }

  /**
   * The server asks again whether a publisher may go on (nginx-rtmp's on_update). A publisher the
   * gate holds may (its cut timer ends it in time); one restored at start is thereby confirmed.
   * One the gate does not know (its publish was decided by a previous run that never recorded
   * it) is judged as a new publish, quietly: admitted and recorded if it would be now, else
   * refused without another audit or notice — it was told when it was refused or cut.
   */
  update(request: PublishRequest): boolean {
    const now = request.now ?? this.deps.clock();
    const known = this.publishers.get(this.publisherKey(request.serverId, request.clientId));
    const reservation = this.byKey.get(request.key);
    if (known) {
      if (known.reservationId !== reservation?.id) return false;
      known.verified = true;
      return true;
    }
    if (!this.served.has(request.serverId)) return false;
    const otherPublisher = reservation !== undefined && this.isHeld(reservation.id);
    const decision = decidePublish({ reservation, serverId: request.serverId, now, otherPublisher });
    if (!decision.admitted) return false;
    // Refusals here are not counted again (they were when refused or cut); admissions are new.
    this.deps.metrics.publishDecided(decision);
    const served = this.served.get(request.serverId);
    this.admit(request, reservation!, now, {
      server: served?.name,
      client: request.clientId,
      ip: request.ip,
      reservation: reservation?.code,
    });
    return true;
  }

  private admit(
    request: PublishRequest,
    admitted: GateReservation,
    now: Date,
    facts: Record<string, string | undefined>,
  ): void {
    // A publisher restored at start and not heard of since is taken as gone: it blocks nobody.
    for (const stale of this.publishersOf(admitted.id) as Publisher[]) {
      if (stale.verified) continue;
      this.publishers.delete(this.publisherKey(stale.serverId, stale.clientId));
      this.track(this.recordEnd(stale, now, 'gone'));
    }
    const publisher: Publisher = {
      serverId: request.serverId,
      clientId: request.clientId,
      reservationId: admitted.id,
      ip: request.ip,
      sessionId: Promise.resolve(undefined),
      verified: true,
    };
    publisher.sessionId = this.track(
      streamStarted(this.deps, { ...publisher, at: now }).catch((error: unknown) => {
        this.log.error('recording a publish failed', { ...facts, error: coerceError(error).message });
        return undefined;
      }),
    );
    this.publishers.set(this.publisherKey(request.serverId, request.clientId), publisher);
    // The stream makes it live; the commit event confirms it a moment later.
    if (admitted.status === 'confirmed') admitted.status = 'live';
    this.log.info('publish admitted', facts);
    this.arm(admitted.id, now);
  }

  /** The publisher disconnected (or the server says it stopped). */
  publishEnded(serverId: string, clientId: string, now: Date = this.deps.clock()): void {
    const key = this.publisherKey(serverId, clientId);
    const publisher = this.publishers.get(key);
    if (!publisher) return;
    this.publishers.delete(key);
    this.track(this.recordEnd(publisher, now, 'disconnected'));
    this.arm(publisher.reservationId, now);
  }

  /**
   * Checks a viewer's credentials without letting them in (the watch page): wrong and missing
   * ones count towards the address's limit like the stream's.
   */
  check(request: PlayRequest): {
    decision: ViewerDecision | { admitted: false; reason: 'too_many_tries' };
    reservation: GateReservation | undefined;
  } {
    const now = request.now ?? this.deps.clock();
    if (this.triesOf(request.ip, now) >= this.maxWrongTries)
      return { decision: { admitted: false, reason: 'too_many_tries' }, reservation: undefined };
    const reservation = this.byCode.get(request.code.toUpperCase());
    const { token } = request.credentials;
    const tokenInvitee =
      reservation && token ? tokenOwner(this.tokenKey, reservation.id, reservation.emails, token) : undefined;
    const decision = decideViewer({
      reservation: reservation && isEnforcing(reservation.serverKind) ? reservation : undefined,
      credentials: request.credentials,
      tokenInvitee,
      now,
    });
    if (!decision.admitted && (decision.reason === 'missing_credentials' || decision.reason === 'wrong_credentials'))
      this.wrongTries.set(request.ip, [...(this.wrongTries.get(request.ip) ?? []), now.getTime()]);
    return {
      decision,
      reservation:
        decision.admitted || decision.reason === 'not_live' || decision.reason === 'over' ? reservation : undefined,
    };
  }

  /** A viewer wants in (the HTTP route has the credentials). */
  play(request: PlayRequest): PlayDecision {
    const now = request.now ?? this.deps.clock();
    const { decision, reservation } = this.check({ ...request, now });
    if (!decision.admitted) {
      return { admitted: false, status: viewerRefusalStatus(decision.reason), reason: decision.reason };
    }
    const admitted = reservation!;
    const viewer = {
      id: randomUUID(),
      reservationId: admitted.id,
      onEnd: (_reason: string) => {},
      sessionId: Promise.resolve<string | undefined>(undefined),
    };
    viewer.sessionId = this.track(
      viewerJoined(this.deps, {
        reservationId: admitted.id,
        credential: decision.credential,
        invitee: decision.invitee,
        ip: request.ip,
        at: now,
      }).catch((error: unknown) => {
        this.log.error('recording a viewer failed', { reservation: admitted.code, error: coerceError(error).message });
        return undefined;
      }),
    );
    this.viewers.set(viewer.id, viewer);
    this.arm(admitted.id, now);
    return { admitted: true, viewer, reservation: admitted };
  }

  /** The viewer left (or was ended). */
  playEnded(viewer: Pick<Viewer, 'id'>, now: Date = this.deps.clock()): void {
    const known = this.viewers.get(viewer.id);
    if (!known) return;
    this.viewers.delete(viewer.id);
    this.track(known.sessionId.then((id) => (id ? viewerLeft(this.deps, id, now) : undefined)));
  }

  /** The snapshot's view of a reservation (drivers and the watch page read it). */
  reservation(idOrCode: string): GateReservation | undefined {
    return this.byId.get(idOrCode) ?? this.byCode.get(idOrCode.toUpperCase());
  }

  /** Publishers currently admitted into a reservation. */
  publishersOf(reservationId: string): PublisherSession[] {
    return [...this.publishers.values()].filter((publisher) => publisher.reservationId === reservationId);
  }

  /** Every reservation someone streams to or watches right now (for /metrics). */
  activity(): Array<{ code: string; publishers: number; viewers: number }> {
    const active = new Set([
      ...[...this.publishers.values()].map((publisher) => publisher.reservationId),
      ...[...this.viewers.values()].map((viewer) => viewer.reservationId),
    ]);
    return [...active].map((id) => ({
      code: this.byId.get(id)?.code ?? id,
      publishers: this.publishersOf(id).length,
      viewers: this.viewersOf(id),
    }));
  }

  viewersOf(reservationId: string): number {
    return [...this.viewers.values()].filter((viewer) => viewer.reservationId === reservationId).length;
  }

  /** Someone streams into it: a publisher restored at start and not heard of since does not count. */
  private isHeld(reservationId: string): boolean {
    return [...this.publishers.values()].some(
      (publisher) => publisher.reservationId === reservationId && publisher.verified,
    );
  }

  private triesOf(ip: string, now: Date): number {
    const recent = (this.wrongTries.get(ip) ?? []).filter((at) => at > now.getTime() - MINUTE_MS);
    if (recent.length === 0) this.wrongTries.delete(ip);
    else this.wrongTries.set(ip, recent);
    return recent.length;
  }

  private publisherKey(serverId: string, clientId: string): string {
    return `${serverId}:${clientId}`;
  }

  private async recordEnd(publisher: Publisher, at: Date, reason: string): Promise<void> {
    const id = await publisher.sessionId;
    if (id) await streamStopped(this.deps, id, at, reason);
  }

  /** Sets the reservation's cut timer (or cuts now) while anyone streams or watches. */
  private arm(reservationId: string, now: Date = this.deps.clock()): void {
    clearTimeout(this.timers.get(reservationId));
    this.timers.delete(reservationId);
    const active = this.publishersOf(reservationId).length > 0 || this.viewersOf(reservationId) > 0;
    if (!active) return;
    const reservation = this.byId.get(reservationId);
    const strayed = this.publishersOf(reservationId).some((publisher) => publisher.serverId !== reservation?.serverId);
    const reason = strayed ? 'moved' : cutReason(reservation, now);
    if (reason) {
      this.cut(reservationId, reason, now);
      return;
    }
    const delay = publishWindow(reservation!).closesAt.getTime() - now.getTime();
    const timer = setTimeout(() => this.arm(reservationId), Math.min(Math.max(delay, 1), LONGEST_TIMER_MS));
    this.timers.set(reservationId, timer);
  }

  /** Disconnects every publisher and viewer of the reservation, then winds the stream up. */
  private cut(reservationId: string, reason: string, now: Date): void {
    const reservation = this.byId.get(reservationId);
    for (const publisher of this.publishersOf(reservationId)) {
      this.publishers.delete(this.publisherKey(publisher.serverId, publisher.clientId));
      try {
        this.served.get(publisher.serverId)?.driver.cut(publisher);
      } catch (error) {
        this.log.error('cutting a publisher failed', {
          reservation: reservation?.code,
          error: coerceError(error).message,
        });
      }
      this.track(this.recordEnd(publisher as Publisher, now, reason));
    }
    for (const viewer of [...this.viewers.values()].filter((v) => v.reservationId === reservationId)) {
      viewer.onEnd(reason);
      this.playEnded(viewer, now);
    }
    this.log.info('stream cut', { reservation: reservation?.code, reason });
    const windUp =
      reason === 'window_ended'
        ? finishReservation(this.deps, reservationId)
        : summarizeStream(this.deps, reservationId, reason);
    this.track(
      windUp.catch((error: unknown) =>
        this.log.error('winding up a stream failed', {
          reservation: reservation?.code,
          error: coerceError(error).message,
        }),
      ),
    );
  }

  /**
   * Publishers of servers whose publishers outlive this process (nginx-rtmp) stream on while it
   * restarts: their open sessions are taken back, unconfirmed until the server's next update call
   * names them, and ended as gone if none does within the grace (their end was missed).
   */
  private async restorePublishers(): Promise<void> {
    const outliving = [...this.served].filter(([, served]) => !served.endsWithProcess).map(([id]) => id);
    if (outliving.length === 0) return;
    for (const open of await openPublishSessions(this.deps.pool, outliving)) {
      this.publishers.set(this.publisherKey(open.serverId, open.clientId), {
        ...open,
        sessionId: Promise.resolve(open.id),
        verified: false,
      });
    }
    this.graceTimer = setTimeout(() => {
      const now = this.deps.clock();
      for (const [key, publisher] of this.publishers) {
        if (publisher.verified) continue;
        this.publishers.delete(key);
        this.track(this.recordEnd(publisher, now, 'gone'));
        this.arm(publisher.reservationId, now);
      }
    }, this.restoredGraceMs);
    this.graceTimer.unref();
  }

  private async refresh(): Promise<void> {
    try {
      const rows = await gateReservations(this.deps.pool);
      for (const row of rows) this.put(row);
    } catch (error) {
      this.log.warn('reloading the streaming snapshot failed', { error: coerceError(error).message });
    }
  }

  private committed(event: CommittedEvent): void {
    const stored = event.reservation as Partial<StoredReservation> & CommittedEvent['reservation'];
    const known = this.byId.has(stored.id);
    if (!known && !isEnforcing(stored.server.kind)) return;
    if (typeof stored.streamKey === 'string') {
      this.put({
        id: stored.id,
        code: stored.code,
        title: stored.title,
        serverId: stored.server.id,
        serverKind: stored.server.kind ?? 'external',
        status: stored.status,
        startsAt: stored.startsAt,
        endsAt: stored.endsAt,
        bufferMs: (stored.server.bufferSeconds ?? 0) * 1_000,
        passcode: stored.passcode,
        streamKey: stored.streamKey,
        emails: stored.invitees.emails,
      });
      return;
    }
    this.track(gateReservation(this.deps.pool, stored.id).then((row) => row && this.put(row)));
  }

  /** Takes in a reservation's current state and re-judges its running stream. */
  private put(row: GateReservation): void {
    const previous = this.byId.get(row.id);
    if (previous && previous.streamKey !== row.streamKey) this.byKey.delete(previous.streamKey);
    // An admitted publish marked it live before its commit came back: never step back from that.
    if (previous?.status === 'live' && row.status === 'confirmed') row.status = 'live';
    this.byId.set(row.id, row);
    this.byKey.set(row.streamKey, row);
    this.byCode.set(row.code, row);
    if (this.timers.has(row.id) || this.publishersOf(row.id).length > 0) this.arm(row.id);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }
}
