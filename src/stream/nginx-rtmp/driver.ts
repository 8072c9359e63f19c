/**
 * The nginx-rtmp kind (issue 9): nginx with libnginx-mod-rtmp asks Slotcast's hooks
 * (src/stream/nginx-rtmp/hooks.ts) before it lets a publisher or viewer in; this driver carries
 * out what the gate decides. A publisher is cut through nginx-rtmp's control module on loopback
 * (`GET {control}/drop/publisher?app=APP&clientid=N`), at once; should that call fail, the next
 * `on_update` (every few seconds) is refused and nginx drops the publisher itself.
 *
 * Viewers watch HLS served by nginx behind `auth_request` at
 * `{media}/R-XXXX/<credential>/index.m3u8`: the credential is a path segment because a playlist's
 * query string never reaches its segments, and the stream key appears in no URL a viewer sees.
 */
import type { Logger } from '../../log.js';
import { coerceError } from '../../log.js';
import type { ServerRow } from '../../store/servers.js';
import { rtmpApplication } from './config.js';
import type { PublisherSession, StreamDriver, ViewerCredential } from '../driver.js';

/** How long a control call may take before it counts as failed (on_update is the backup). */
const CONTROL_TIMEOUT_MS = 2_000;

/** A viewer's credential as one path segment: `t.TOKEN` or `p.` + the passcode in base64url. */
export function credentialSegment(credential: ViewerCredential): string {
  return 'token' in credential
    ? `t.${credential.token}`
    : `p.${Buffer.from(credential.passcode.trim(), 'utf8').toString('base64url')}`;
}

/** The credential a path segment carries; empty when it is none. */
export function parseCredentialSegment(segment: string): { token?: string; passcode?: string } {
  if (segment.startsWith('t.') && segment.length > 2) return { token: segment.slice(2) };
  if (segment.startsWith('p.') && segment.length > 2)
    return { passcode: Buffer.from(segment.slice(2), 'base64url').toString('utf8') };
  return {};
}

export interface NginxRtmpDriver extends StreamDriver {
  /** Ends an RTMP viewer (a subscriber), at once. Must not throw. */
  dropViewer(clientId: string): void;
}

export function nginxRtmpDriver(
  server: Pick<ServerRow, 'name' | 'ingestBaseUrl' | 'controlUrl' | 'mediaBaseUrl'>,
  log: Logger,
): NginxRtmpDriver {
  const app = rtmpApplication(server.ingestBaseUrl);
  const drop = (what: 'publisher' | 'subscriber', clientId: string) => {
    if (!server.controlUrl) {
      log.warn('no control URL: the publisher is dropped at its next update call', { server: server.name });
      return;
    }
    // By client id, not stream name: the name is the stream key, and no URL should carry it.
    const url = `${server.controlUrl}/drop/${what}?app=${encodeURIComponent(app)}&clientid=${encodeURIComponent(clientId)}`;
    fetch(url, { signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS) })
      .then(async (response) => {
        const body = await response.text();
        if (!response.ok) log.warn('nginx control refused a drop', { server: server.name, status: response.status });
        else log.debug('nginx control dropped', { server: server.name, what, client: clientId, dropped: body.trim() });
      })
      .catch((error: unknown) =>
        log.warn('nginx control unreachable: the next update call drops the client', {
          server: server.name,
          error: coerceError(error).message,
        }),
      );
  };
  return {
    kind: 'nginx_rtmp',
    // nginx calls update every notify_update_timeout for every publisher it has.
    endsWhenSilent: true,
    cut: (publisher: PublisherSession) => drop('publisher', publisher.clientId),
    dropViewer: (clientId) => drop('subscriber', clientId),
    media: (reservation, credential) =>
      server.mediaBaseUrl
        ? {
            type: 'hls',
            url: `${server.mediaBaseUrl}/${reservation.code}/${credentialSegment(credential)}/index.m3u8`,
          }
        : undefined,
  };
}
