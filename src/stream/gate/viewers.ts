/**
 * Viewers, for every kind of server (issues 9 and 16). Credentials are checked against the
 * reservation as committed (memory near now, else the database), wrong ones counted per address
 * fleet-wide. Two kinds of viewer sessions:
 *
 * - connections this process holds (HTTP-FLV of its own embedded server): kept here too, so that
 *   a cut or a stop ends their responses;
 * - viewers seen through requests (HLS playlists and segments, nginx RTMP plays): one session per
 *   viewer — reservation, credential and address, keyed by an HMAC that holds no credential —
 *   whatever instance each request reaches.
 *
 * Both are kept alive (requests; this process's sweep for its connections), and the gate's sweep
 * on any instance ends those unheard of for a while: a killed instance's viewers leave too.
 *
 * A refused viewer, or one not served where it asked, is recorded nowhere: it is no attendee.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { ViewerCredentials, ViewerDecision } from '../../domain/admission.js';
import { decideViewer } from '../../domain/admission.js';
import { isEnforcing } from '../../domain/server-kind.js';
import { tokenOwner } from '../../domain/viewer-token.js';
import { coerceError } from '../../log.js';
import type { GateReservation } from '../../store/streaming.js';
import {
  endKeyedViewer,
  endViewerSession,
  insertViewerSession,
  keyedViewerSeen,
  keyedViewerStillThere,
  openViewerCount,
  touchViewerSessions,
} from '../../store/streaming.js';
import type { WrongTries } from './limiter.js';
import type { GatePort } from './port.js';
import type { ReservationSnapshot } from './snapshot.js';

export interface PlayRequest {
  /** The reservation's code, any case. */
  code: string;
  credentials: ViewerCredentials;
  ip: string;
  now?: Date;
}

/** An admitted viewer on a connection this process holds; the route ends it when `onEnd` is called. */
export interface Viewer {
  id: string;
  reservationId: string;
  /** Called by the gate when the stream is cut: the route ends the response. */
  onEnd: (reason: string) => void;
}

export type ViewerRefusal = Exclude<ViewerDecision, { admitted: true }>['reason'] | 'too_many_tries';

export type PlayDecision =
  | { admitted: true; viewer: Viewer; reservation: GateReservation }
  | { admitted: false; status: 401 | 403 | 404 | 429; reason: ViewerRefusal | 'not_served_here' };

/** A viewer seen through requests: HLS (each playlist and segment) or an nginx RTMP play. */
export type KeyedViewerRequest = PlayRequest & {
  /** The server the request came through: a reservation on another server is not served there. */
  serverId: string;
  /** An RTMP player's connection id (nginx `clientid`); none for HLS. */
  player?: string;
};

export type KeyedViewerAnswer =
  | { status: 200; reservation: GateReservation; key: string }
  | { status: 401 | 403 | 429; reason: ViewerRefusal | 'wrong_server' };

/** The HTTP status of a refused viewer, wherever they come in (FLV route, HLS auth, MediaMTX read). */
export function viewerRefusalStatus(reason: string): 401 | 403 | 429 {
  return reason === 'too_many_tries' ? 429 : reason === 'missing_credentials' ? 401 : 403;
}

interface LocalViewer extends Viewer {
  sessionId: Promise<string | undefined>;
}

export class GateViewers {
  /** Viewers on connections this process holds, by id. */
  private readonly connections = new Map<string, LocalViewer>();

  constructor(
    private readonly port: GatePort,
    private readonly snapshot: ReservationSnapshot,
    private readonly tries: WrongTries,
    /** The key personal links are signed with (read when the gate starts). */
    private readonly tokenKey: () => string,
    /** Sets the reservation's end-of-window cut (a connection here must end then). */
    private readonly armCut: (reservation: GateReservation) => void,
    private readonly track: <T>(work: Promise<T>) => Promise<T>,
  ) {}

  /**
   * Checks a viewer's credentials without letting them in (the watch page): wrong and missing
   * ones count towards the address's limit, fleet-wide.
   */
  async check(request: PlayRequest): Promise<{
    decision: ViewerDecision | { admitted: false; reason: 'too_many_tries' };
    reservation: GateReservation | undefined;
  }> {
    const now = request.now ?? this.port.clock();
    if (await this.tries.blocked(request.ip, now))
      return { decision: { admitted: false, reason: 'too_many_tries' }, reservation: undefined };
    const reservation = await this.snapshot.findByCode(request.code);
    const { token } = request.credentials;
    const tokenInvitee =
      reservation && token ? tokenOwner(this.tokenKey(), reservation.id, reservation.emails, token) : undefined;
    const decision = decideViewer({
      reservation: reservation && isEnforcing(reservation.serverKind) ? reservation : undefined,
      credentials: request.credentials,
      tokenInvitee,
      now,
    });
    if (!decision.admitted && (decision.reason === 'missing_credentials' || decision.reason === 'wrong_credentials'))
      await this.tries.record(request.ip, now);
    return {
      decision,
      reservation:
        decision.admitted || decision.reason === 'not_live' || decision.reason === 'over' ? reservation : undefined,
    };
  }

  /**
   * A viewer on a connection this process holds (HTTP-FLV of its embedded server `serverId`):
   * recorded only once admitted and served here.
   */
  async play(request: PlayRequest & { serverId: string | undefined }): Promise<PlayDecision> {
    const now = request.now ?? this.port.clock();
    const { decision, reservation } = await this.check({ ...request, now });
    if (!decision.admitted)
      return { admitted: false, status: viewerRefusalStatus(decision.reason), reason: decision.reason };
    const admitted = reservation!;
    if (admitted.serverId !== request.serverId) return { admitted: false, status: 404, reason: 'not_served_here' };
    const viewer: LocalViewer = {
      id: randomUUID(),
      reservationId: admitted.id,
      onEnd: () => {},
      sessionId: this.track(
        insertViewerSession(this.port.sql, {
          reservationId: admitted.id,
          credential: decision.credential,
          invitee: decision.invitee,
          ip: request.ip,
          at: now,
        }).catch((error: unknown) => {
          this.port.log.error('recording a viewer failed', {
            reservation: admitted.code,
            error: coerceError(error).message,
          });
          return undefined;
        }),
      ),
    };
    this.connections.set(viewer.id, viewer);
    this.armCut(admitted);
    return { admitted: true, viewer, reservation: admitted };
  }

  /** The viewer on a connection of this process left (or was ended). */
  playEnded(viewer: Pick<Viewer, 'id'>, now: Date = this.port.clock()): void {
    const known = this.connections.get(viewer.id);
    if (!known) return;
    this.connections.delete(viewer.id);
    this.track(known.sessionId.then((id) => (id ? endViewerSession(this.port.sql, id, now) : undefined)));
  }

  /**
   * A viewer seen through requests (every HLS playlist and segment; an nginx RTMP play): checked
   * each time, and one session per viewer — reservation, credential and address — whatever
   * instance the request reaches. Recorded only once admitted on the reservation's own server.
   */
  async keyedViewer(request: KeyedViewerRequest): Promise<KeyedViewerAnswer> {
    const now = request.now ?? this.port.clock();
    const { decision, reservation } = await this.check({ ...request, now });
    if (!decision.admitted) return { status: viewerRefusalStatus(decision.reason), reason: decision.reason };
    if (reservation!.serverId !== request.serverId) return { status: 403, reason: 'wrong_server' };
    const key = request.player
      ? `rtmp:${request.serverId}:${request.player}`
      : `hls:${createHmac('sha256', this.tokenKey())
          .update(
            [reservation!.id, request.credentials.token ?? '', request.credentials.passcode ?? '', request.ip].join(
              '\n',
            ),
          )
          .digest('base64url')}`;
    await keyedViewerSeen(this.port.sql, {
      reservationId: reservation!.id,
      key,
      credential: decision.credential,
      invitee: decision.invitee,
      ip: request.ip,
      at: now,
    });
    return { status: 200, reservation: reservation!, key };
  }

  /** Whether an RTMP player's session is still open (nginx's update call for a player, which keeps it alive). */
  playerWatching(serverId: string, player: string): Promise<boolean> {
    return keyedViewerStillThere(this.port.sql, `rtmp:${serverId}:${player}`);
  }

  /** An RTMP player left (nginx's play_done). */
  playerLeft(serverId: string, player: string, now: Date = this.port.clock()): Promise<void> {
    return this.track(endKeyedViewer(this.port.sql, `rtmp:${serverId}:${player}`, now));
  }

  /** Viewers watching the reservation right now, on any instance. */
  viewersOf(reservationId: string): Promise<number> {
    return openViewerCount(this.port.sql, reservationId);
  }

  /** Says that the connections this process holds are still there (a dead instance's fall silent). */
  async keepAlive(): Promise<void> {
    const ids = await Promise.all([...this.connections.values()].map((viewer) => viewer.sessionId));
    await touchViewerSessions(
      this.port.sql,
      ids.filter((id): id is string => id !== undefined),
    );
  }

  /** Whether this process holds a viewer's connection to the reservation. */
  holds(reservationId: string): boolean {
    return [...this.connections.values()].some((viewer) => viewer.reservationId === reservationId);
  }

  /** Ends this process's connections to the reservation (a cut), or all of them (a stop). */
  endConnections(reason: string, reservationId?: string): void {
    const now = this.port.clock();
    for (const viewer of [...this.connections.values()]) {
      if (reservationId !== undefined && viewer.reservationId !== reservationId) continue;
      viewer.onEnd(reason);
      this.playEnded(viewer, now);
    }
  }
}
