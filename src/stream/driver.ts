/**
 * What the streaming gate (gate.ts) needs of each kind of distribution server. One driver per
 * kind, in src/stream/drivers/<kind>.ts: it turns the server's own events (node-media-server's
 * hooks, nginx-rtmp's callbacks, MediaMTX's auth requests) into calls of the gate, and carries out
 * what the gate decides (cutting a publisher).
 */
import type { ServerKind } from '../domain/server-kind.js';

/** A publisher the gate admitted, as the driver reported it. */
export interface PublisherSession {
  serverId: string;
  /** The server's own id for the connection (node-media-server session id, nginx clientid). */
  clientId: string;
  reservationId: string;
  ip: string;
}

/** The reservation as a driver needs it to say where to stream and watch. */
export interface DriverReservation {
  code: string;
  streamKey: string;
  server: { ingestBaseUrl: string; playbackBaseUrl: string };
}

export type ViewerCredential = { token: string } | { passcode: string };

export interface StreamDriver {
  readonly kind: ServerKind;
  /** Disconnects the publisher, at once. Must not throw. */
  cut(session: PublisherSession): void;
  /** Where the organizer streams to: OBS and ffmpeg publish to `url + '/' + streamKey`. */
  ingest(reservation: DriverReservation): { url: string; streamKey: string };
  /** Where a viewer with this credential watches. */
  playbackUrl(reservation: DriverReservation, credential: ViewerCredential): string;
  /**
   * What the watch page's player fetches, when the server serves viewers itself (nginx-rtmp's
   * HLS); undefined when the service's own routes do (embedded) or nothing is served.
   */
  media?(reservation: { code: string }, credential: ViewerCredential): StreamMedia | undefined;
}

/** A stream as the watch page's player takes it. */
export interface StreamMedia {
  type: 'hls' | 'flv';
  url: string;
}
