/**
 * The MediaMTX configuration for a Slotcast server of kind mediamtx (issue 9), printed by
 * `npx slotcast mediamtx-config --server NAME`. Pure: the caller reads the server and the
 * service's public URL. Keys MediaMTX's documented mediamtx.yml has; anything not set here keeps
 * MediaMTX's default.
 *
 * It holds the server's hook secret (in authHTTPAddress): treat the file like a password.
 */
import { MEDIAMTX_APP } from './driver.js';

export interface MediamtxConfigInput {
  serverName: string;
  /** Where MediaMTX reaches Slotcast, e.g. https://slotcast.example.org (PUBLIC_URL). */
  slotcastUrl: string;
  hookSecret: string;
  /** The server's ingest URL (rtmp://host:1935/live): its port is RTMP's. */
  ingestBaseUrl: string;
  /** The server's control URL (http://127.0.0.1:9997): where the API listens. */
  controlUrl: string | null;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function mediamtxConfig(input: MediamtxConfigInput): string {
  const control = new URL(input.controlUrl ?? 'http://127.0.0.1:9997');
  const apiHost = LOOPBACK.has(control.hostname) ? '127.0.0.1' : control.hostname;
  const apiAddress = `${apiHost}:${control.port || (control.protocol === 'https:' ? '443' : '80')}`;
  const ingest = new URL(input.ingestBaseUrl);
  const rtmpPort = ingest.protocol === 'rtmp:' ? ingest.port || '1935' : '1935';
  const hook = `${input.slotcastUrl.replace(/\/+$/, '')}/hooks/mediamtx/${input.hookSecret}/auth`;
  const apiWarning = LOOPBACK.has(control.hostname)
    ? []
    : [
        `# WARNING: the API listens on ${apiHost}, not loopback. It is excluded from Slotcast's check`,
        '# (so that Slotcast can kick publishers): allow only Slotcast to reach that port.',
      ];
  return [
    `# MediaMTX configuration for the Slotcast server "${input.serverName}" (kind mediamtx).`,
    `# Printed by: npx slotcast mediamtx-config --server ${JSON.stringify(input.serverName)}`,
    "# It holds this server's hook secret: keep it as private as a password.",
    '',
    '# Every publish and read is asked of Slotcast, which answers 2xx to let it in: publishers',
    "# only with their reservation's stream key, in its slot; viewers only with the passcode or",
    '# a personal token, while the stream is on.',
    'authMethod: http',
    `authHTTPAddress: ${hook}`,
    '# The control API, metrics and pprof are for operators and Slotcast, never for viewers:',
    '# not asked of Slotcast, and kept off the network below.',
    'authHTTPExclude:',
    '  - action: api',
    '  - action: metrics',
    '  - action: pprof',
    '',
    '# Slotcast ends publishes through the control API (POST /v3/<kind>/kick/<id>) and reads',
    '# /v3/paths/list to notice publishers that left. Its --control URL points here.',
    'api: yes',
    `apiAddress: ${apiAddress}`,
    ...apiWarning,
    'metrics: no',
    'pprof: no',
    "# Recordings would be served around the reservation's window: off.",
    'playback: no',
    '',
    '# Publishers: rtmp://HOST:PORT/live/R-XXXX?token=STREAM_KEY (OBS: Server rtmp://HOST:PORT/live,',
    '# Stream key R-XXXX?token=STREAM_KEY); RTSP the same with ?token=; SRT with',
    '# streamid=publish:live/R-XXXX:slotcast:STREAM_KEY; WHIP with the key as Bearer token.',
    'rtmp: yes',
    `rtmpAddress: :${rtmpPort}`,
    '# Viewers: http://HOST:8888/live/R-XXXX/index.m3u8?t=TOKEN (or ?passcode=, or Bearer TOKEN).',
    'hls: yes',
    'hlsAddress: :8888',
    '',
    'pathDefaults:',
    '  # A second publisher on a path does not push the first one out: Slotcast refuses it.',
    '  overridePublisher: no',
    '',
    'paths:',
    `  # One path per reservation: ${MEDIAMTX_APP}/<reservation code>. Any other path is refused.`,
    `  "~^${MEDIAMTX_APP}/[^/]+$":`,
    '',
  ].join('\n');
}
