/**
 * The nginx configuration generator (pure). That nginx runs it and it works is proven in
 * test/stream/nginx.test.ts; here: what it must say, and what must vary.
 */
import { hlsPrefix, nginxConfig, rtmpApplication } from '../../../src/stream/nginx-rtmp/config.js';

const SERVER = {
  hookSecret: 'a1b2c3secret',
  ingestBaseUrl: 'rtmp://media.example.org:1936/live',
  controlUrl: 'http://127.0.0.1:8089/control',
  mediaBaseUrl: 'https://media.example.org/streams',
};
const config = nginxConfig(SERVER, { slotcastUrl: 'https://slotcast.example.org/' });

test('GIVEN a server THEN every nginx-rtmp callback points at its secret hook URL, updates every 2 s by default', () => {
  for (const call of ['publish', 'play', 'publish_done', 'play_done', 'update'])
    expect(config).toContain(`on_${call} https://slotcast.example.org/hooks/nginx-rtmp/a1b2c3secret/${call};`);
  expect(config).toContain('notify_update_timeout 2s;');
  expect(config).not.toContain('notify_update_strict on');
  expect(config).toMatch(/^load_module \/usr\/lib\/nginx\/modules\/ngx_rtmp_module\.so;$/m);
});

test('GIVEN the server URLs THEN listen ports, application, HLS location and control location follow them', () => {
  expect(config).toContain('listen 1936;');
  expect(config).toContain('application live {');
  expect(config).toContain('location ~ ^/streams/(?<slotcast_code>R-');
  expect(config).toContain('listen 127.0.0.1:8089;');
  expect(config).toContain('location /control { rtmp_control all; }');
  expect(config).toContain("add_header Access-Control-Allow-Origin 'https://slotcast.example.org' always;");
});

test('GIVEN HLS THEN it is nested (no file named by the key), every request goes through auth_request, and the stream directory comes from Slotcast', () => {
  expect(config).toContain('hls_nested on;');
  expect(config).toContain('auth_request /_slotcast_auth;');
  expect(config).toContain('auth_request_set $slotcast_stream $upstream_http_x_slotcast_stream;');
  expect(config).toContain('alias /var/lib/slotcast/hls/$slotcast_stream/$slotcast_file;');
  expect(config).toContain('proxy_pass https://slotcast.example.org/hooks/nginx-rtmp/a1b2c3secret/hls;');
  // 429 survives auth_request (which passes on only 401 and 403).
  expect(config).toContain('if ($slotcast_status = 429) { return 429; }');
  expect(config).toContain('access_log off;');
});

test('GIVEN options THEN ports, directories, timings, module, user and pid vary; braces balance', () => {
  const custom = nginxConfig(
    { ...SERVER, controlUrl: null, mediaBaseUrl: null, ingestBaseUrl: 'rtmp://h/live' },
    {
      slotcastUrl: 'http://127.0.0.1:3000',
      allowOrigin: 'https://watch.example.org',
      rtmpListen: '127.0.0.1:19350',
      httpListen: '8088',
      controlListen: '127.0.0.1:9000',
      hlsDir: '/srv/hls/',
      fragmentSeconds: 1,
      playlistSeconds: 3,
      updateSeconds: 1,
      modulePath: '/opt/rtmp.so',
      user: 'www-data',
      pidFile: '/tmp/n.pid',
      tempDir: '/tmp/nginx',
    },
  );
  for (const line of [
    'listen 127.0.0.1:19350;',
    'listen 8088;',
    'listen 127.0.0.1:9000;',
    'hls_path /srv/hls;',
    'hls_fragment 1s;',
    'hls_playlist_length 3s;',
    'notify_update_timeout 1s;',
    'load_module /opt/rtmp.so;',
    'user www-data;',
    'pid /tmp/n.pid;',
    'client_body_temp_path /tmp/nginx/body;',
    "add_header Access-Control-Allow-Origin 'https://watch.example.org' always;",
    'location ~ ^/hls/',
    'location /control {',
  ])
    expect(custom).toContain(line);
  for (const text of [config, custom]) expect(text.split('{').length).toBe(text.split('}').length);
  expect(config).not.toMatch(/^user /m);
});

test.each([
  ['rtmp://h:1935/live', 'live'],
  ['rtmp://h/show', 'show'],
  ['rtmp://h', 'live'],
  ['rtmp://h/a/b', 'live'],
])('GIVEN ingest %s THEN the application is %s', (url, app) => {
  expect(rtmpApplication(url)).toBe(app);
});

test.each([
  ['http://h:8080/hls', '/hls'],
  ['https://h/media/live/', '/media/live'],
  ['https://h', '/hls'],
  [null, '/hls'],
])('GIVEN media %s THEN the HLS prefix is %s', (url, prefix) => {
  expect(hlsPrefix(url)).toBe(prefix);
});
