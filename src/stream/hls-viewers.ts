/**
 * HLS viewers as sessions (issue 9). HLS has no connection that lasts the stream: a player
 * fetches the playlist and segments every few seconds, each request checked by nginx's
 * `auth_request`. The first admitted request of a credential from an address starts a viewer
 * session in the gate (attendance, the viewer count); every later one is checked again (so a
 * cancel or a removed invitee stops it at the next segment) and keeps it open; `idleMs` without a
 * request ends it.
 */
import type { ViewerCredentials } from '../domain/admission.js';
import type { StreamGate, Viewer } from './gate.js';
import { viewerRefusalStatus } from './gate.js';

export type HlsAnswer = { status: 200; streamKey: string } | { status: 401 | 403 | 429 };

interface Session {
  viewer: Viewer;
  reservationId: string;
  timer: NodeJS.Timeout;
}

export class HlsViewers {
  private readonly sessions = new Map<string, Session>();

  /** `idleMs`: a player that fetched nothing this long has gone (default 15 s, a few segments). */
  constructor(private readonly idleMs = 15_000) {}

  request(
    gate: StreamGate,
    request: { serverId: string; code: string; credentials: ViewerCredentials; ip: string },
  ): HlsAnswer {
    // Held in memory only, never logged.
    const key = `${request.code.toUpperCase()}\n${request.credentials.token ?? ''}\n${request.credentials.passcode ?? ''}\n${request.ip}`;
    const known = this.sessions.get(key);
    if (known) {
      const { decision, reservation } = gate.check(request);
      if (!decision.admitted || reservation?.id !== known.reservationId) {
        this.end(key, gate);
        return { status: viewerRefusalStatus(decision.admitted ? 'wrong_credentials' : decision.reason) };
      }
      known.timer.refresh();
      return { status: 200, streamKey: reservation.streamKey };
    }
    const decision = gate.play(request);
    if (!decision.admitted) return { status: decision.status };
    const { viewer, reservation } = decision;
    // A code of a reservation on another server: not served here.
    if (reservation.serverId !== request.serverId) {
      gate.playEnded(viewer);
      return { status: 403 };
    }
    const timer = setTimeout(() => this.end(key, gate), this.idleMs);
    timer.unref();
    this.sessions.set(key, { viewer, reservationId: reservation.id, timer });
    viewer.onEnd = () => {
      clearTimeout(timer);
      this.sessions.delete(key);
    };
    return { status: 200, streamKey: reservation.streamKey };
  }

  /** Ends every session (the service stops). */
  stop(gate: StreamGate | undefined): void {
    for (const key of [...this.sessions.keys()]) this.end(key, gate);
  }

  private end(key: string, gate: StreamGate | undefined): void {
    const session = this.sessions.get(key);
    if (!session) return;
    clearTimeout(session.timer);
    this.sessions.delete(key);
    gate?.playEnded(session.viewer);
  }
}
