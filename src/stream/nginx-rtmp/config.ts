/**
 * The nginx configuration of an nginx-rtmp server (issue 9): what `npx slotcast nginx-config
 * --server NAME` prints, and exactly what the tests run nginx with. Pure: the server's row and
 * the options in, the text out.
 *
 * - rtmp: one application whose every publish, play, update and end is asked of Slotcast's hooks
 *   (`/hooks/nginx-rtmp/<hook secret>/<call>`); nginx drops the client on anything but 2xx/3xx,
 *   so a Slotcast that cannot be reached admits nobody (fails closed). HLS is written nested
 *   (`<dir>/<stream key>/index.m3u8`, segments `N.ts`), so no file a viewer fetches is named by
 *   the stream key.
 * - http: HLS at `<prefix>/R-XXXX/<credential>/index.m3u8`, every request (playlist and segments)
 *   checked by Slotcast through `auth_request`; Slotcast answers which stream directory it is, so
 *   the key never appears in a viewer's URL. The credential is in the path because a playlist's
 *   query string never reaches its segments.
 * - control: nginx-rtmp's control module on loopback, for Slotcast to drop a publisher at once.
 */

export interface NginxServer {
  /** The server's hook secret: in the hook URLs, so keep the printed configuration private. */
  hookSecret: string;
  /** rtmp://host:port/APP: the port is RTMP's default listen port, APP the application. */
  ingestBaseUrl: string;
  /** Where Slotcast calls the control module (http://127.0.0.1:8081/control). */
  controlUrl: string | null;
  /** Where viewers fetch HLS (https://media.example.org/hls): its path is the HLS location. */
  mediaBaseUrl: string | null;
}

export interface NginxConfigOptions {
  /** Where nginx reaches Slotcast (its hooks), e.g. http://127.0.0.1:3000. */
  slotcastUrl: string;
  /** The watch page's origin, allowed to fetch HLS cross-origin (CORS). Default: slotcastUrl's. */
  allowOrigin?: string;
  /** RTMP listen address, `PORT` or `HOST:PORT`. Default: the ingest URL's port, else 1935. */
  rtmpListen?: string;
  /** HLS listen address. Default: the media URL's port, else 8080. */
  httpListen?: string;
  /** Control listen address, loopback only. Default: the control URL's host:port, else 127.0.0.1:8081. */
  controlListen?: string;
  /** Where nginx writes HLS. Default /var/lib/slotcast/hls (must exist, writable by nginx's workers). */
  hlsDir?: string;
  /** HLS segment length in seconds (default 2); shorter means less delay and more requests. */
  fragmentSeconds?: number;
  /** Seconds of stream in the playlist (default 6). */
  playlistSeconds?: number;
  /** How often nginx asks Slotcast whether a publisher may go on (on_update), in seconds (default 2). */
  updateSeconds?: number;
  /** The rtmp module. Default: Debian's /usr/lib/nginx/modules/ngx_rtmp_module.so. */
  modulePath?: string;
  /** `user` directive for the workers (e.g. `www-data`, or `root` in a container); none by default. */
  user?: string;
  /** nginx's pid file (default /run/nginx-slotcast.pid). */
  pidFile?: string;
  /** A directory for nginx's temporary files; Debian's built-in ones when unset. */
  tempDir?: string;
}

export const NGINX_DEFAULTS = {
  hlsDir: '/var/lib/slotcast/hls',
  modulePath: '/usr/lib/nginx/modules/ngx_rtmp_module.so',
  pidFile: '/run/nginx-slotcast.pid',
  fragmentSeconds: 2,
  playlistSeconds: 6,
  updateSeconds: 2,
} as const;

/** The RTMP application name in the ingest URL (rtmp://host:port/APP): `live` when none. */
export function rtmpApplication(ingestBaseUrl: string): string {
  const path = safeUrl(ingestBaseUrl)?.pathname.replace(/^\/+|\/+$/g, '') ?? '';
  return /^[\w-]+$/.test(path) ? path : 'live';
}

/** The HLS location prefix: the media URL's path (`/hls` when none). */
export function hlsPrefix(mediaBaseUrl: string | null): string {
  const path = (mediaBaseUrl ? safeUrl(mediaBaseUrl)?.pathname : undefined)?.replace(/\/+$/, '') ?? '';
  return /^(\/[\w.-]+)+$/.test(path) ? path : '/hls';
}

/** The control location: the control URL's path (`/control` when none). */
function controlPath(controlUrl: string | null): string {
  const path = (controlUrl ? safeUrl(controlUrl)?.pathname : undefined)?.replace(/\/+$/, '') ?? '';
  return /^(\/[\w.-]+)+$/.test(path) ? path : '/control';
}

export function nginxConfig(server: NginxServer, options: NginxConfigOptions): string {
  const slotcast = options.slotcastUrl.replace(/\/+$/, '');
  const hooks = `${slotcast}/hooks/nginx-rtmp/${server.hookSecret}`;
  const app = rtmpApplication(server.ingestBaseUrl);
  const prefix = hlsPrefix(server.mediaBaseUrl);
  const ingest = safeUrl(server.ingestBaseUrl);
  const media = server.mediaBaseUrl ? safeUrl(server.mediaBaseUrl) : undefined;
  const control = server.controlUrl ? safeUrl(server.controlUrl) : undefined;
  const rtmpListen = options.rtmpListen ?? (ingest?.port || '1935');
  const httpListen = options.httpListen ?? (media?.port || '8080');
  const controlListen =
    options.controlListen ?? (control ? `${control.hostname}:${control.port || 80}` : '127.0.0.1:8081');
  const hlsDir = (options.hlsDir ?? NGINX_DEFAULTS.hlsDir).replace(/\/+$/, '');
  const origin = options.allowOrigin ?? safeUrl(slotcast)?.origin ?? slotcast;
  const fragment = options.fragmentSeconds ?? NGINX_DEFAULTS.fragmentSeconds;
  const playlist = options.playlistSeconds ?? NGINX_DEFAULTS.playlistSeconds;
  const update = options.updateSeconds ?? NGINX_DEFAULTS.updateSeconds;
  const temp = options.tempDir?.replace(/\/+$/, '');
  const lines = [
    '# nginx + libnginx-mod-rtmp for Slotcast (printed by `npx slotcast nginx-config`).',
    "# It holds this server's hook secret: keep it as private as a password.",
    '# Run: nginx -c THIS_FILE (or put it in place of /etc/nginx/nginx.conf).',
    `load_module ${options.modulePath ?? NGINX_DEFAULTS.modulePath};`,
    ...(options.user ? [`user ${options.user};`] : []),
    '# One worker: nginx-rtmp keeps live streams in the worker that received them.',
    'worker_processes 1;',
    `pid ${options.pidFile ?? NGINX_DEFAULTS.pidFile};`,
    'error_log stderr warn;',
    'events { worker_connections 1024; }',
    '',
    'rtmp {',
    '  server {',
    `    listen ${rtmpListen};`,
    '    chunk_size 4096;',
    `    application ${app} {`,
    '      live on;',
    '      record off;',
    '      # Every publish and play is asked of Slotcast; anything but 2xx (or 3xx) drops the client.',
    '      notify_method post;',
    `      on_publish ${hooks}/publish;`,
    `      on_play ${hooks}/play;`,
    `      on_publish_done ${hooks}/publish_done;`,
    `      on_play_done ${hooks}/play_done;`,
    '      # Asked again while streaming: a 4xx cuts the client (the backup of the control drop).',
    '      # Not strict, so a publisher outlives a restart of Slotcast.',
    `      on_update ${hooks}/update;`,
    `      notify_update_timeout ${update}s;`,
    '      # Viewers play R-XXXX; Slotcast answers with the stream to play, so they never learn the key.',
    '      notify_relay_redirect off;',
    '      drop_idle_publisher 10s;',
    '      hls on;',
    `      hls_path ${hlsDir};`,
    '      # <dir>/<stream key>/index.m3u8 and N.ts: the playlist names no file after the key.',
    '      hls_nested on;',
    `      hls_fragment ${fragment}s;`,
    `      hls_playlist_length ${playlist}s;`,
    '      hls_cleanup on;',
    '    }',
    '  }',
    '}',
    '',
    'http {',
    "  # Viewers' URLs carry their credentials: no access log.",
    '  access_log off;',
    '  server_tokens off;',
    ...(temp
      ? [
          `  client_body_temp_path ${temp}/body;`,
          `  proxy_temp_path ${temp}/proxy;`,
          `  fastcgi_temp_path ${temp}/fastcgi;`,
          `  uwsgi_temp_path ${temp}/uwsgi;`,
          `  scgi_temp_path ${temp}/scgi;`,
        ]
      : []),
    '  types {',
    '    application/vnd.apple.mpegurl m3u8;',
    '    video/mp2t ts;',
    '  }',
    '  default_type application/octet-stream;',
    '',
    '  server {',
    `    listen ${httpListen};`,
    `    location ~ ^${prefix}/(?<slotcast_code>R-[A-Za-z0-9]+)/(?<slotcast_credential>[A-Za-z0-9._~%-]+)/(?<slotcast_file>index\\.m3u8|[0-9]+\\.ts)$ {`,
    '      auth_request /_slotcast_auth;',
    '      # Which stream directory this reservation is: told by Slotcast, never part of the URL.',
    '      auth_request_set $slotcast_stream $upstream_http_x_slotcast_stream;',
    '      auth_request_set $slotcast_status $upstream_status;',
    "      # auth_request passes on 401 and 403 only; Slotcast's 429 arrives here as a 500.",
    '      error_page 500 = @slotcast_refused;',
    `      alias ${hlsDir}/$slotcast_stream/$slotcast_file;`,
    "      add_header Cache-Control 'no-store' always;",
    `      add_header Access-Control-Allow-Origin '${origin}' always;`,
    "      add_header Vary 'Origin' always;",
    '    }',
    '    location = /_slotcast_auth {',
    '      internal;',
    `      proxy_pass ${hooks}/hls;`,
    '      proxy_pass_request_body off;',
    '      proxy_set_header Content-Length "";',
    '      proxy_set_header X-Slotcast-Code $slotcast_code;',
    '      proxy_set_header X-Slotcast-Credential $slotcast_credential;',
    '      proxy_set_header X-Slotcast-File $slotcast_file;',
    '      proxy_set_header X-Real-IP $remote_addr;',
    '    }',
    '    location @slotcast_refused {',
    `      add_header Access-Control-Allow-Origin '${origin}' always;`,
    '      if ($slotcast_status = 429) { return 429; }',
    '      return 500;',
    '    }',
    '    location / { return 404; }',
    '  }',
    '',
    '  # The control module, for Slotcast to drop a publisher: loopback only.',
    '  server {',
    `    listen ${controlListen};`,
    `    location ${controlPath(server.controlUrl)} { rtmp_control all; }`,
    '    location / { return 404; }',
    '  }',
    '}',
    '',
  ];
  return lines.join('\n');
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
