/**
 * The hooks' secret check: constant-time comparison, the kind must match, and a server added
 * while the service runs is found on its first call (read again on a miss, at most once a second, misses waiting for that read).
 */
import type { HookServer } from '../../src/stream/hook-auth.js';
import { HookAuth } from '../../src/stream/hook-auth.js';
import { sameSecret } from '../../src/app/secrets.js';
import { credentialSegment, parseCredentialSegment } from '../../src/stream/nginx-rtmp/driver.js';

const server = (id: string, hookSecret: string, kind: HookServer['kind'] = 'nginx_rtmp'): HookServer => ({
  id,
  name: id,
  ingestBaseUrl: 'rtmp://h/live',
  playbackBaseUrl: 'http://h/watch',
  capacity: 1,
  bufferSeconds: 0,
  active: true,
  kind,
  controlUrl: null,
  mediaBaseUrl: null,
  hookSecret,
});

test('sameSecret: equal only when equal, whatever the lengths', () => {
  expect(sameSecret('abc', 'abc')).toBe(true);
  expect(sameSecret('abd', 'abc')).toBe(false);
  expect(sameSecret('ab', 'abc')).toBe(false);
  expect(sameSecret('', 'abc')).toBe(false);
});

test('GIVEN servers THEN a secret names its server of that kind only; a miss reads again, at most once a second (misses in between wait for that read), finding a server added since', async () => {
  let now = 0;
  let stored = [server('a', 'secret-a'), server('m', 'secret-m', 'mediamtx')];
  let loads = 0;
  const served: string[] = [];
  const auth = new HookAuth({
    load: async () => {
      loads += 1;
      return stored;
    },
    onServer: (s) => served.push(s.id),
    clock: () => now,
    reloadAtMostEveryMs: 100,
  });
  await auth.reload();
  expect(loads).toBe(1);
  expect((await auth.find('nginx_rtmp', 'secret-a'))?.id).toBe('a');
  expect(loads).toBe(1);
  // A miss right after a read waits for the next one; misses meanwhile share it.
  stored = [...stored, server('b', 'secret-b')];
  const [b, wrong, otherKind] = await Promise.all([
    auth.find('nginx_rtmp', 'secret-b'),
    auth.find('nginx_rtmp', 'secret-x'),
    auth.find('nginx_rtmp', 'secret-m'),
  ]);
  expect([b?.id, wrong, otherKind]).toEqual(['b', undefined, undefined]);
  expect(loads).toBe(2);
  expect(served).toContain('b');
  expect(auth.byId('b')?.name).toBe('b');
  // Long after the last read, a miss reads at once.
  now = 1_000;
  expect(await auth.find('nginx_rtmp', 'secret-y')).toBeUndefined();
  expect(loads).toBe(3);
});

test('credential segments: a token as it is, a passcode in base64url, anything else none', () => {
  expect(credentialSegment({ token: 'AbC-_9' })).toBe('t.AbC-_9');
  expect(parseCredentialSegment(credentialSegment({ token: 'AbC-_9' }))).toEqual({ token: 'AbC-_9' });
  const segment = credentialSegment({ passcode: ' K7/ P+Q ' });
  expect(segment).toMatch(/^p\.[\w-]+$/);
  expect(parseCredentialSegment(segment)).toEqual({ passcode: 'K7/ P+Q' });
  for (const none of ['', 'none', 't.', 'p.', 'x.abc']) expect(parseCredentialSegment(none)).toEqual({});
});
