/**
 * The MediaMTX configuration `slotcast mediamtx-config` prints: pure, no MediaMTX needed.
 */
import { mediamtxConfig } from '../../../src/stream/mediamtx/config.js';
import { mediamtxTarget } from '../../../src/stream/mediamtx/hooks.js';

const input = {
  serverName: 'studio',
  slotcastUrl: 'https://slotcast.example.org/',
  hookSecret: 'a1b2c3d4e5f6',
  ingestBaseUrl: 'rtmp://media.example.org:1936/live',
  controlUrl: 'http://127.0.0.1:9997',
};

/** The top-level `key: value` lines (the generator writes flat YAML plus two small blocks). */
function settings(yaml: string): Record<string, string> {
  return Object.fromEntries(
    yaml
      .split('\n')
      .filter((line) => /^\w+: /.test(line))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
  );
}

test('GIVEN a mediamtx server THEN the configuration asks Slotcast at its secret hook URL and keeps the API on loopback', () => {
  const yaml = mediamtxConfig(input);
  expect(settings(yaml)).toMatchObject({
    authMethod: 'http',
    authHTTPAddress: 'https://slotcast.example.org/hooks/mediamtx/a1b2c3d4e5f6/auth',
    api: 'yes',
    apiAddress: '127.0.0.1:9997',
    metrics: 'no',
    pprof: 'no',
    playback: 'no',
    rtmpAddress: ':1936',
  });
  expect(yaml).toContain('authHTTPExclude:\n  - action: api\n  - action: metrics\n  - action: pprof\n');
  expect(yaml).toContain(
    'pathDefaults:\n  # A second publisher on a path does not push the first one out: Slotcast refuses it.\n  overridePublisher: no\n',
  );
  expect(yaml).toContain(
    'paths:\n  # One path per reservation: live/<reservation code>. Any other path is refused.\n  "~^live/[^/]+$":\n',
  );
  expect(yaml).not.toContain('WARNING');
});

test('GIVEN a control URL off loopback THEN the API listens there and the configuration warns to fence it', () => {
  const yaml = mediamtxConfig({
    ...input,
    controlUrl: 'http://10.0.0.5:9997',
    ingestBaseUrl: 'rtmp://m.example.org/live',
  });
  expect(settings(yaml)).toMatchObject({ apiAddress: '10.0.0.5:9997', rtmpAddress: ':1935' });
  expect(yaml).toContain('# WARNING: the API listens on 10.0.0.5');
});

test('GIVEN MediaMTX paths THEN live/<code> names a reservation, live/<key> a key, anything else nothing', () => {
  expect(mediamtxTarget('live/R-AB12')).toEqual({ code: 'R-AB12' });
  expect(mediamtxTarget('/live/r-ab12/')).toEqual({ code: 'R-AB12' });
  expect(mediamtxTarget('live/sk_abc-DEF_1')).toEqual({ key: 'sk_abc-DEF_1' });
  for (const path of ['', 'live', 'live/', 'other/R-AB12', 'live/R-AB12/more'])
    expect(mediamtxTarget(path)).toBeUndefined();
});
