/**
 * What the streaming gate (gate.ts) needs of each kind of distribution server. One driver per
 * kind, in src/stream/<kind>/driver.ts: it turns the server's own events (node-media-server's
 * hooks, nginx-rtmp's callbacks, MediaMTX's auth requests) into calls of the gate, and carries out
 * what the gate decides (cutting a publisher). Where organizers publish and viewers watch is the
 * domain's (ingestOf, playbackUrl in src/domain/reservation.ts), the same for every front end.
 */
import type { ServerKind } from '../domain/server-kind.js';
import type { StreamGate } from './gate.js';

/** A publisher the gate admitted, as the driver reported it. */
export interface PublisherSession {
  serverId: string;
  /** The server's own id for the connection (node-media-server session id, nginx clientid). */
  clientId: string;
  reservationId: string;
  ip: string;
}

export type ViewerCredential = { token: string } | { passcode: string };

export interface StreamDriver {
  readonly kind: ServerKind;
  /**
   * Whether a publisher its server has not spoken of for a while has gone: true where something
   * speaks of live publishers regularly (nginx's update calls, the embedded server's owner); false
   * where silence may only mean the server cannot be asked (MediaMTX: its driver ends publishers
   * it sees gone).
   */
  readonly endsWhenSilent: boolean;
  /** Disconnects the publisher, at once. Must not throw. */
  cut(session: PublisherSession): void;
  /** Disconnects a viewer the server itself serves by connection (nginx-rtmp's RTMP players). Must not throw. */
  dropViewer?(clientId: string): void;
  /**
   * What the watch page's player fetches, when the server serves viewers itself (nginx-rtmp's
   * HLS); undefined when the service's own routes do (embedded) or nothing is served.
   */
  media?(reservation: { code: string }, credential: ViewerCredential): StreamMedia | undefined;
  /** Starts what the driver runs on its own (MediaMTX: polling for publishers that left). */
  watch?(gate: StreamGate): void;
  /** Stops it; resolves when nothing of it runs any more. */
  stop?(): Promise<void>;
}

/** A stream as the watch page's player takes it. */
export interface StreamMedia {
  type: 'hls' | 'flv';
  url: string;
}
