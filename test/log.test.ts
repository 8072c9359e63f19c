/**
 * The logger: JSON lines for log shippers, readable lines on a terminal, and secrets masked twice
 * over — by key before pino, and by pino's redact paths for values nested one level down.
 */
import { createLogger, FIELD_MAX_CHARS, prettyLine } from '../src/log.js';

function capture(format: 'json' | 'pretty', level: 'debug' | 'info' = 'info') {
  const lines: string[] = [];
  return { lines, log: createLogger({ level, format, write: (line) => void lines.push(line) }) };
}

test('GIVEN format json THEN one JSON object a line with ISO time, level name, message and fields', () => {
  const { lines, log } = capture('json');
  log.info('reservation permitted', { reservation: 'R-7K3Q', lanes: 2 });
  expect(lines).toHaveLength(1);
  const record = JSON.parse(lines[0]!) as Record<string, unknown>;
  expect(record).toEqual({
    level: 'info',
    time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    msg: 'reservation permitted',
    reservation: 'R-7K3Q',
    lanes: 2,
  });
});

test('GIVEN format pretty THEN time, padded level, message and key=value, quoting what needs it', () => {
  const { lines, log } = capture('pretty');
  log.warn('delivery will be retried', { channel: 'email', reason: 'mailbox full' });
  expect(lines[0]).toMatch(
    /^\d{4}-\d\d-\d\dT[\d:.]+Z warn {2}delivery will be retried channel=email reason="mailbox full"$/,
  );
  expect(prettyLine('{"time":"t","level":"error","msg":"m","n":1}')).toBe('t error m n=1');
});

test('GIVEN a level THEN lines below it are not written', () => {
  const { lines, log } = capture('json', 'info');
  log.debug('http', { route: '/healthz' });
  expect(lines).toEqual([]);
});

test.each([
  ['a secret-sounding key', { streamKey: 'sk_live_secret', passcode: '482913', apiToken: 'slc_secret' }],
  ['a nested token (redact path)', { viewer: { token: 'vt_secret' }, request: { authorization: 'Bearer slc_secret' } }],
  ['a nested cookie and password', { headers: { cookie: 'session=secret' }, smtp: { password: 'hunter2-secret' } }],
])('GIVEN %s THEN the value never reaches the line', (_case, fields) => {
  const { lines, log } = capture('json');
  log.info('something happened', fields);
  expect(lines[0]).not.toMatch(/secret|482913/);
  expect(lines[0]).toContain('[redacted]');
});

test('GIVEN a field of 250 KB (a hook call supplies any length) THEN the line holds its first 200 characters and says how much was cut', () => {
  const { lines, log } = capture('json');
  const huge = 'x'.repeat(250_000);
  const at = new Date('2026-12-07T20:00:00.000Z');
  log.info('publish refused', { client: huge, nested: { name: huge, list: [huge] }, at, error: 'e'.repeat(5_000) });
  expect(lines[0]!.length).toBeLessThan(3_000);
  const record = JSON.parse(lines[0]!) as Record<string, unknown>;
  const cut = `${'x'.repeat(FIELD_MAX_CHARS)}…[${250_000 - FIELD_MAX_CHARS} more characters cut]`;
  expect(record).toMatchObject({ client: cut, nested: { name: cut, list: [cut] }, at: '2026-12-07T20:00:00.000Z' });
  // An error message gets more room: it carries the diagnosis.
  expect(record.error).toBe(`${'e'.repeat(2_000)}…[3000 more characters cut]`);
  log.info('short', { client: 'x'.repeat(FIELD_MAX_CHARS) });
  expect((JSON.parse(lines[1]!) as Record<string, unknown>).client).toBe('x'.repeat(FIELD_MAX_CHARS));
});
