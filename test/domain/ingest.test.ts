/**
 * Where the organizer publishes: `url + '/' + streamKey` is exactly what OBS and ffmpeg take, for
 * every kind of server.
 */
import { ingestOf } from '../../src/domain/reservation.js';
import type { ServerKind } from '../../src/domain/server-kind.js';

const reservation = (kind: ServerKind | undefined) => ({
  code: 'R-7K3Q',
  streamKey: 'sk_a+b/c',
  server: { ingestBaseUrl: 'rtmp://media.example.org:1935/live', kind },
});

test.each([['embedded'], ['nginx_rtmp'], ['external'], [undefined]] as const)(
  'GIVEN a %s server THEN the stream key is the stream name',
  (kind) => {
    const { url, streamKey } = ingestOf(reservation(kind));
    expect(`${url}/${streamKey}`).toBe('rtmp://media.example.org:1935/live/sk_a+b/c');
  },
);

test('GIVEN a MediaMTX server THEN the path is the code (viewers read it) and the key is the token', () => {
  const { url, streamKey } = ingestOf(reservation('mediamtx'));
  expect(`${url}/${streamKey}`).toBe('rtmp://media.example.org:1935/live/R-7K3Q?token=sk_a%2Bb%2Fc');
});
