/**
 * The streaming gate, used by every kind of server Slotcast enforces (issues 9 and 16). Any
 * number of Slotcast instances run one behind a balancer, and a server's successive calls land on
 * different ones, so what they must agree on lives in PostgreSQL:
 *
 * - who publishes: one open publish session per reservation, claimed in a transaction on the
 *   locked reservation (src/app/stream.ts `claimPublish`), kept alive by its server's calls;
 * - who watches (gate/viewers.ts): viewers seen through requests (HLS, RTMP plays) are one
 *   session per viewer whatever instance they reach; wrong tries are counted per address
 *   fleet-wide (gate/limiter.ts);
 * - cuts: claimed once (gate/cuts.ts).
 *
 * Memory holds only what is near now (gate/snapshot.ts), kept current by NOTIFY, and the
 * connections this process itself holds: its embedded server's publishers (node-media-server's
 * hooks are synchronous, so they are answered from memory and the database has the last word a
 * moment later) and HTTP-FLV viewers.
 */
import type { PublishDecision } from '../domain/admission.js';
import type { ServerKind } from '../domain/server-kind.js';
import { cutReason, decidePublish } from '../domain/admission.js';
import type { Logger } from '../log.js';
import { coerceError } from '../log.js';
import { RepeatedErrors } from '../jobs/repeated-errors.js';
import { PgListener } from '../store/listener.js';
import type { GateReservation } from '../store/streaming.js';
import {
  endClientSession,
  endIdleViewers,
  endOpenPublishSessions,
  endSilentSessions,
  openSessionOf,
  openSessionOfClient,
  openSessionsOn,
  streamActivity,
  touchPublishSessions,
  viewerTokenKey,
} from '../store/streaming.js';
import type { PublisherSession, StreamDriver } from './driver.js';
import { Cuts } from './gate/cuts.js';
import type { KeyedViewerAnswer, KeyedViewerRequest, PlayDecision, PlayRequest, Viewer } from './gate/viewers.js';
import { GateViewers } from './gate/viewers.js';
import { WrongTries } from './gate/limiter.js';
import type { GatePort } from './gate/port.js';
import type { ReservationNotice } from './gate/snapshot.js';
import { ReservationSnapshot } from './gate/snapshot.js';

export interface PublishRequest {
  serverId: string;
  /** The stream key the publisher gave (the stream name). */
  key: string;
  clientId: string;
  ip: string;
  now?: Date;
}

export type {
  KeyedViewerAnswer,
  KeyedViewerRequest,
  PlayDecision,
  PlayRequest,
  Viewer,
  ViewerRefusal,
} from './gate/viewers.js';
export { viewerRefusalStatus } from './gate/viewers.js';

export interface GateOptions {
  /** Reload the reservations near now this often (default 10 s). */
  refreshEveryMs?: number;
  /** How far ahead reservations are kept in memory (default 15 min, plus the longest buffer). */
  horizonMs?: number;
  /**
   * A publisher its server has not spoken of for this long has gone (default 10 s: a few of
   * nginx's 2 s update calls). Also how long a starting instance waits before judging silence,
   * so that it never ends sessions others keep alive.
   */
  silentMs?: number;
  /** A viewer unheard of this long has left: no HLS request, or its FLV connection's instance silent (default 15 s). */
  viewerIdleMs?: number;
  /** How often sessions are kept alive and silent ones ended (default 2 s). */
  sweepEveryMs?: number;
  /** Wrong credentials from one address within a minute before it gets 429 (default 10). */
  maxWrongTriesPerMinute?: number;
  /**
   * Called when a distribution server was added or changed by any instance or the CLI (NOTIFY),
   * and after a lost connection: the service reads its servers again, so every instance serves a
   * new server (and cuts on it) at once, not at its first hook call.
   */
  onServersChanged?: () => void;
  /** How long an nginx-rtmp or MediaMTX publish waits for a holder that may be its own dropped connection (default 1 s). */
  reconnectWaitMs?: number;
}

interface Served {
  name: string;
  driver: StreamDriver;
  /** Its publishers are connected to this process (embedded): they end with it, and only it cuts them. */
  endsWithProcess: boolean;
}

export const RESERVATION_CHANNEL = 'slotcast_reservation';
/** Where the distribution_server table's trigger says a server was added or changed. */
export const SERVER_CHANNEL = 'slotcast_server';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class StreamGate {
  private readonly snapshot: ReservationSnapshot;
  private readonly tries: WrongTries;
  private readonly cuts: Cuts;
  private readonly served = new Map<string, Served>();
  /** Publishers connected to this process (its embedded server), by client id. */
  private readonly connected = new Map<string, PublisherSession>();
  /** Who watches: the viewers' side of the gate. */
  readonly viewers: GateViewers;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly listener: PgListener | undefined;
  private readonly log: Logger;
  private readonly options: Required<Omit<GateOptions, 'onServersChanged'>>;
  private readonly serversChanged: () => void;
  private refreshTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  /** While the database is away every sweep and reload fails alike: said once a minute. */
  private readonly failures: RepeatedErrors;
  private tokenKey = '';

  constructor(
    private readonly port: GatePort,
    options: GateOptions = {},
  ) {
    this.log = port.log;
    this.failures = new RepeatedErrors(port.log, 'the streaming gate cannot reach the database; retrying');
    this.options = {
      refreshEveryMs: options.refreshEveryMs ?? 10_000,
      horizonMs: options.horizonMs ?? 15 * 60_000,
      silentMs: options.silentMs ?? 10_000,
      viewerIdleMs: options.viewerIdleMs ?? 15_000,
      sweepEveryMs: options.sweepEveryMs ?? 2_000,
      maxWrongTriesPerMinute: options.maxWrongTriesPerMinute ?? 10,
      reconnectWaitMs: options.reconnectWaitMs ?? 1_000,
    };
    this.serversChanged = options.onServersChanged ?? (() => {});
    this.snapshot = new ReservationSnapshot(port.sql, port.clock, this.options.horizonMs);
    this.tries = new WrongTries(port.sql, this.options.maxWrongTriesPerMinute);
    this.viewers = new GateViewers(
      port,
      this.snapshot,
      this.tries,
      () => this.tokenKey,
      (reservation) => this.cuts.arm(reservation),
      (work) => this.track(work),
    );
    this.cuts = new Cuts(port, {
      cuttable: () => [...this.served.keys()],
      dropPublisher: (publisher) => this.drop(publisher),
      dropPlayer: (serverId, clientId) => this.served.get(serverId)?.driver.dropViewer?.(clientId),
      dropLocalPublishers: (reservationId) => this.dropLocalPublishers(reservationId),
      endLocal: (reservationId, reason) => this.endLocal(reservationId, reason),
      track: (work) => this.track(work),
    });
    if (port.databaseUrl)
      this.listener = new PgListener({
        databaseUrl: port.databaseUrl,
        channels: [RESERVATION_CHANNEL, SERVER_CHANNEL],
        name: 'the streaming gate',
        log: port.log,
        onNotification: (channel, payload) =>
          channel === SERVER_CHANNEL ? this.serversChanged() : this.heard(payload),
        // Commits made while it was away reached nobody: read the servers and the window anew.
        onReconnected: () => {
          this.serversChanged();
          void this.track(this.refresh());
        },
      });
  }

  /** Serves a server of an enforcing kind through its driver. */
  serve(server: { id: string; name: string }, driver: StreamDriver, options: { endsWithProcess?: boolean } = {}): void {
    this.served.set(server.id, { name: server.name, driver, endsWithProcess: options.endsWithProcess ?? false });
  }

  async start(): Promise<void> {
    this.tokenKey = await viewerTokenKey(this.port.sql);
    // Publishers connected to a previous run of this process ended with it (its own servers only).
    const own = [...this.served].filter(([, served]) => served.endsWithProcess).map(([id]) => id);
    if (own.length > 0) await endOpenPublishSessions(this.port.sql, own, this.port.clock(), 'service_stopped');
    await this.listener?.start();
    await this.refresh();
    this.startedAt = Date.now();
    this.refreshTimer = setInterval(() => void this.track(this.refresh()), this.options.refreshEveryMs);
    this.refreshTimer.unref();
    this.sweepTimer = setInterval(() => void this.track(this.sweep()), this.options.sweepEveryMs);
    this.sweepTimer.unref();
  }

  /**
   * Stops timers and listening, and ends what this process holds: its embedded server's
   * publishers and its HTTP-FLV viewers. Nothing another instance holds is touched; publishers
   * of nginx-rtmp and MediaMTX stream on.
   */
  async stop(): Promise<void> {
    clearInterval(this.refreshTimer);
    clearInterval(this.sweepTimer);
    this.cuts.stop();
    await this.listener?.stop();
    const now = this.port.clock();
    for (const publisher of [...this.connected.values()]) {
      this.connected.delete(publisher.clientId);
      this.track(endClientSession(this.port.sql, publisher.serverId, publisher.clientId, now, 'service_stopped'));
    }
    this.viewers.endConnections('service_stopped');
    await this.settled();
  }

  /** Resolves when the records of everything decided so far are written (tests, stop). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * A publisher wants in through a server that can wait for the answer (nginx-rtmp, MediaMTX):
   * decided by PostgreSQL, so every instance agrees. A holder may be this organizer's own dropped
   * connection whose end has not been heard yet (on another instance): the claim is tried again
   * for a moment before "already publishing" is the answer.
   */
  async publish(request: PublishRequest): Promise<PublishDecision> {
    const now = request.now ?? this.port.clock();
    const served = this.served.get(request.serverId);
    // From the database, not memory: a commit made a moment ago elsewhere counts.
    const reservation = served ? await this.snapshot.readByKey(request.key) : undefined;
    let decision: PublishDecision = decidePublish({
      reservation,
      serverId: request.serverId,
      now,
      otherPublisher: false,
    });
    if (decision.admitted) {
      decision = await this.claim(request, reservation!, now);
      const waitUntil = Date.now() + this.options.reconnectWaitMs;
      while (!decision.admitted && decision.reason === 'already_publishing' && Date.now() < waitUntil) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        decision = await this.claim(request, reservation!, request.now ?? this.port.clock());
      }
    }
    this.decided(request, reservation, decision, now);
    return decision;
  }

  /**
   * A publisher wants in through the embedded server, whose hooks are synchronous: answered from
   * memory at once (a key not near its window is refused, worded from the database after), then
   * claimed in the database, which may still refuse it (a commit not heard yet): it is cut then.
   */
  publishNow(request: PublishRequest): PublishDecision {
    const now = request.now ?? this.port.clock();
    const served = this.served.get(request.serverId);
    const reservation = this.snapshot.cachedByKey(request.key);
    const otherPublisher =
      reservation !== undefined &&
      [...this.connected.values()].some((publisher) => publisher.reservationId === reservation.id);
    const decision: PublishDecision = served
      ? decidePublish({ reservation, serverId: request.serverId, now, otherPublisher })
      : { admitted: false, reason: 'unknown_key' };
    if (!decision.admitted) {
      this.track(this.wordRefusal(request, reservation, decision, now));
      return decision;
    }
    const publisher = {
      serverId: request.serverId,
      clientId: request.clientId,
      reservationId: reservation!.id,
      ip: request.ip,
    };
    this.connected.set(request.clientId, publisher);
    this.track(
      this.claim(request, reservation!, now).then(
        (claimed) => {
          if (claimed.admitted) {
            this.decided(request, reservation, claimed, now);
            return;
          }
          if (!this.connected.has(request.clientId)) return;
          this.connected.delete(request.clientId);
          this.drop(publisher);
          this.decided(request, reservation, claimed, now);
        },
        (error: unknown) => {
          // The database is away: memory admitted it, and its cut timer still runs here.
          this.failures.report(coerceError(error), { doing: 'recording a publish' });
          this.cuts.arm(reservation!);
        },
      ),
    );
    return decision;
  }

  /**
   * The server asks again whether a publisher may go on (nginx-rtmp's update call, wherever it
   * lands): the reservation is judged anew — cancelled, lapsed, moved or out of its window, and
   * the publisher is refused (and the stream cut once, by whoever claims it). A publisher with no
   * open session (one a previous run admitted but never recorded, or ended as silent while every
   * instance was away) is judged as a new publish, quietly: no second refusal notice.
   */
  async update(request: PublishRequest): Promise<boolean> {
    if (!this.served.has(request.serverId)) return false;
    try {
      return await this.judgeAgain(request);
    } catch (error) {
      // The database is away: a publisher it admitted streams on (nginx would drop it on any
      // error), and is judged again at the first update call after the database is back.
      this.failures.report(coerceError(error), { doing: 'judging an update call' });
      return true;
    }
  }

  private async judgeAgain(request: PublishRequest): Promise<boolean> {
    const now = request.now ?? this.port.clock();
    const [session, reservation] = await Promise.all([
      openSessionOfClient(this.port.sql, request.serverId, request.clientId),
      this.snapshot.readByKey(request.key),
    ]);
    if (session) {
      if (session.reservationId !== reservation?.id) return false;
      const reason = reservation.serverId !== request.serverId ? 'moved' : cutReason(reservation, now);
      if (reason) {
        this.track(this.cuts.cut(reservation, reason, reason === 'moved' ? reservation.serverId : undefined));
        return false;
      }
      await touchPublishSessions(this.port.sql, request.serverId, [request.clientId]);
      return true;
    }
    const rules = decidePublish({ reservation, serverId: request.serverId, now, otherPublisher: false });
    if (!rules.admitted) return false;
    const claimed = await this.claim(request, reservation!, now);
    if (!claimed.admitted) return false;
    this.decided(request, reservation, claimed, now);
    return true;
  }

  /** The publisher disconnected (or the server says it stopped). */
  publishEnded(serverId: string, clientId: string, now: Date = this.port.clock()): Promise<void> {
    if (this.connected.get(clientId)?.serverId === serverId) this.connected.delete(clientId);
    return this.track(endClientSession(this.port.sql, serverId, clientId, now, 'disconnected').then(() => undefined));
  }

  /** The server lists these publishers as there (MediaMTX's path list): they are kept alive. */
  seen(serverId: string, clientIds: string[]): Promise<void> {
    return this.track(touchPublishSessions(this.port.sql, serverId, clientIds));
  }

  /** The publishers admitted on a server, by any instance (MediaMTX's driver compares them with its list). */
  publishersOn(serverId: string): Promise<Array<{ clientId: string; silentSeconds: number }>> {
    return openSessionsOn(this.port.sql, serverId);
  }

  /** Who publishes into the reservation right now, admitted by any instance (one at most). */
  async publishersOf(reservationId: string): Promise<PublisherSession[]> {
    const session = await openSessionOf(this.port.sql, reservationId);
    return session ? [session] : [];
  }

  /** Whether someone publishes into the reservation right now, on any instance. */
  async isPublishing(reservationId: string): Promise<boolean> {
    return (await this.publishersOf(reservationId)).length > 0;
  }

  /** Checks a viewer's credentials without letting them in (the watch page). See GateViewers. */
  check(request: PlayRequest): ReturnType<GateViewers['check']> {
    return this.viewers.check(request);
  }

  /** A viewer on a connection this process holds (HTTP-FLV of its embedded server). */
  play(request: PlayRequest & { serverId: string | undefined }): Promise<PlayDecision> {
    return this.viewers.play(request);
  }

  playEnded(viewer: Pick<Viewer, 'id'>, now?: Date): void {
    this.viewers.playEnded(viewer, now);
  }

  /** A viewer seen through requests (HLS, nginx RTMP plays): one session fleet-wide. */
  keyedViewer(request: KeyedViewerRequest): Promise<KeyedViewerAnswer> {
    return this.viewers.keyedViewer(request);
  }

  playerWatching(serverId: string, player: string): Promise<boolean> {
    return this.viewers.playerWatching(serverId, player);
  }

  playerLeft(serverId: string, player: string, now?: Date): Promise<void> {
    return this.viewers.playerLeft(serverId, player, now);
  }

  viewersOf(reservationId: string): Promise<number> {
    return this.viewers.viewersOf(reservationId);
  }

  /** A reservation by id or code: from memory when near now, else from the database. */
  reservation(idOrCode: string): Promise<GateReservation | undefined> {
    return UUID.test(idOrCode) ? this.snapshot.findById(idOrCode) : this.snapshot.findByCode(idOrCode);
  }

  /** Whether the reservation is held in memory (those near now are; nothing else is). */
  keeps(reservationId: string): boolean {
    return this.snapshot.cachedById(reservationId) !== undefined;
  }

  /** Every reservation someone streams to or watches right now, fleet-wide (for /metrics). */
  activity(): Promise<Array<{ code: string; publishers: number; viewers: number }>> {
    return streamActivity(this.port.sql);
  }

  private claim(request: PublishRequest, reservation: GateReservation, at: Date): Promise<PublishDecision> {
    return this.port.records
      .claimPublish({
        reservationId: reservation.id,
        serverId: request.serverId,
        key: request.key,
        clientId: request.clientId,
        ip: request.ip,
        at,
        silentMs: this.options.silentMs,
      })
      .then((claimed) => (claimed.admitted ? { admitted: true as const } : claimed));
  }

  /** Logs, counts and records a decision; an admitted one arms the reservation's cut. */
  private decided(
    request: PublishRequest,
    reservation: GateReservation | undefined,
    decision: PublishDecision,
    at: Date,
  ): void {
    const served = this.served.get(request.serverId);
    const facts = { server: served?.name, client: request.clientId, ip: request.ip, reservation: reservation?.code };
    this.port.metrics.publishDecided(decision);
    if (decision.admitted) {
      this.log.info('publish admitted', facts);
      if (reservation) {
        // Held and armed at once: a cancel heard a moment later must find it here.
        this.snapshot.streaming(reservation);
        this.cuts.arm({ ...reservation, status: 'live' });
      }
      return;
    }
    this.log.info('publish refused', { ...facts, reason: decision.reason });
    this.track(
      this.port.records
        .publishRefused({
          reservationId: decision.reason === 'unknown_key' ? undefined : reservation?.id,
          serverId: request.serverId,
          serverName: served?.name ?? request.serverId,
          reason: decision.reason,
          window: decision.window,
          clientId: request.clientId,
          ip: request.ip,
          at,
        })
        .catch((error: unknown) =>
          this.log.error('recording a refused publish failed', { ...facts, error: coerceError(error).message }),
        ),
    );
  }

  /** A refusal answered from memory, worded from the database (the key may be far from its window). */
  private async wordRefusal(
    request: PublishRequest,
    cached: GateReservation | undefined,
    decision: Exclude<PublishDecision, { admitted: true }>,
    at: Date,
  ): Promise<void> {
    const reservation = cached ?? (await this.snapshot.readByKey(request.key));
    const worded =
      cached || !reservation
        ? decision
        : decidePublish({ reservation, serverId: request.serverId, now: at, otherPublisher: false });
    // Refused at once from memory, yet admissible by the database: a commit not heard of yet.
    this.decided(request, reservation, worded.admitted ? decision : worded, at);
  }

  private drop(publisher: PublisherSession): void {
    if (this.connected.get(publisher.clientId)?.serverId === publisher.serverId)
      this.connected.delete(publisher.clientId);
    try {
      this.served.get(publisher.serverId)?.driver.cut(publisher);
    } catch (error) {
      this.log.error('cutting a publisher failed', { error: coerceError(error).message });
    }
  }

  /** Ends this process's own connections to a reservation (a cut). */
  private endLocal(reservationId: string, reason: string): void {
    this.dropLocalPublishers(reservationId);
    this.viewers.endConnections(reason, reservationId);
  }

  private dropLocalPublishers(reservationId: string): void {
    for (const publisher of [...this.connected.values()])
      if (publisher.reservationId === reservationId) this.drop(publisher);
  }

  /** Reads the reservations near now anew, arms their cuts, and re-judges those that left. */
  private async refresh(): Promise<void> {
    try {
      const { left, current, rekeyed } = await this.snapshot.reload();
      for (const row of rekeyed) this.track(this.cuts.cutPublishers(row, 'key_replaced'));
      for (const row of current) this.rejudge(row, undefined);
      for (const row of left) {
        this.cuts.disarm(row.id);
        if (this.hasLocal(row.id)) await this.heardOf(row.id);
      }
    } catch (error) {
      this.failures.report(coerceError(error), { doing: 'reloading the streaming snapshot' });
    }
  }

  private heard(payload: string): void {
    let notice: ReservationNotice;
    try {
      notice = JSON.parse(payload) as ReservationNotice;
    } catch {
      return;
    }
    this.track(this.heardOf(notice.id, notice));
  }

  /** A commit to a reservation, made anywhere: its stream is judged anew. */
  private async heardOf(id: string, notice?: ReservationNotice): Promise<void> {
    try {
      const change = await this.snapshot.changed(id, notice);
      if (!change) return;
      if (!change.current) {
        if (change.previous) await this.cuts.cut(change.previous, 'cancelled');
        return;
      }
      this.rejudge(change.current, change.previous);
    } catch (error) {
      this.failures.report(coerceError(error), { doing: 're-reading a reservation' });
    }
  }

  private rejudge(current: GateReservation, previous: GateReservation | undefined): void {
    const now = this.port.clock();
    const reason = cutReason(current, now);
    if (reason) {
      // Only a stream that may run has anything to cut (a confirmed one before its window has not).
      const couldStream = current.status === 'live' || previous?.status === 'live' || this.hasLocal(current.id);
      if (couldStream) this.track(this.cuts.cut(current, reason));
      else this.cuts.disarm(current.id);
      return;
    }
    if (previous && previous.serverId !== current.serverId)
      this.track(this.cuts.cut(current, 'moved', current.serverId));
    // The key was replaced (a leak): its publisher goes, the stream waits for the new key.
    if (previous && previous.streamKey !== current.streamKey)
      this.track(this.cuts.cutPublishers(current, 'key_replaced'));
    this.cuts.arm(current);
  }

  private hasLocal(reservationId: string): boolean {
    return (
      [...this.connected.values()].some((publisher) => publisher.reservationId === reservationId) ||
      this.viewers.holds(reservationId)
    );
  }

  /**
   * Keeps this process's own publishers alive, ends publishers nobody has heard of for a while
   * (a crashed instance's embedded publishers; nginx publishers whose end was missed), idle HLS
   * viewers, and wrong tries older than their minute. Silence is judged only once this instance
   * has run that long itself: starting, it never ends what other instances keep alive.
   */
  private async sweep(): Promise<void> {
    const now = this.port.clock();
    try {
      const own = new Map<string, string[]>();
      for (const publisher of this.connected.values())
        own.set(publisher.serverId, [...(own.get(publisher.serverId) ?? []), publisher.clientId]);
      for (const [serverId, clientIds] of own) await touchPublishSessions(this.port.sql, serverId, clientIds);
      await this.viewers.keepAlive();
      if (Date.now() - this.startedAt >= this.options.silentMs) {
        // Every embedded server's owner keeps its publishers alive, whichever instance it is: a
        // killed one's fall silent, and any instance ends them.
        const kinds = new Set<ServerKind>(['embedded']);
        for (const served of this.served.values()) if (served.driver.endsWhenSilent) kinds.add(served.driver.kind);
        for (const gone of await endSilentSessions(this.port.sql, [...kinds], this.options.silentMs, now))
          this.log.info('publisher gone: its server has not spoken of it', { session: gone.id });
      }
      await endIdleViewers(this.port.sql, this.options.viewerIdleMs);
      await this.tries.sweep(now);
    } catch (error) {
      this.failures.report(coerceError(error), { doing: 'keeping stream sessions' });
    }
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }
}
