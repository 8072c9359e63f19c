import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ConfigError, listenFailure, loadConfig } from '../src/config.js';

/** The error Node gives a listener on host:port (undefined when it listens). */
async function listenError(port: number, host: string): Promise<unknown> {
  const server = createServer();
  try {
    return await new Promise((resolve) => {
      server.once('error', resolve);
      server.listen(port, host, () => resolve(undefined));
    });
  } finally {
    server.close();
  }
}

describe('configuration', () => {
  test('GIVEN nothing set THEN the documented defaults apply', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.http).toEqual({ port: 3000, host: '127.0.0.1', publicUrl: undefined });
    expect(config.web).toEqual({ linkTtlMs: 15 * 60_000, sessionTtlMs: 12 * 3_600_000 });
    expect(config.policy).toEqual({
      reconfirmLeadMs: 24 * 3_600_000,
      reconfirmMinWindowMs: 15 * 60_000,
      maxDurationMs: 12 * 3_600_000,
      horizonMs: 90 * 86_400_000,
      maxInvitees: 500,
      notifyMode: 'reconfirm',
    });
  });

  test('GIVEN permit-and-reconfirm THEN the policy says so (claim 7)', () => {
    expect(loadConfig({ NOTIFY_MODE: 'permit-and-reconfirm' }).policy.notifyMode).toBe('permit_and_reconfirm');
  });

  test.each([
    ['RECONFIRM_LEAD', 'soon', /RECONFIRM_LEAD must be a duration/],
    ['PORT', 'eighty', /PORT must be a whole number/],
    ['PORT', '70000', /PORT must be a whole number/],
    ['NOTIFY_MODE', 'always', /NOTIFY_MODE/],
    ['DATABASE_URL', 'mysql://root:hunter2@db/x', /DATABASE_URL must be a postgres/],
  ])('GIVEN %s=%s THEN one line names the variable', (variable, value, message) => {
    let thrown: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variable).toBe(variable);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('\n');
  });

  // Every duration but the two where zero means something (a deadline at the start, a report at once).
  test.each([
    'RECONFIRM_MIN_WINDOW',
    'MAX_DURATION',
    'BOOKING_HORIZON',
    'RECONFIRM_REMINDER',
    'VIEWER_REMINDER',
    'NO_SHOW_AFTER',
    'JOB_POLL_EVERY',
    'OUTBOX_SWEEP_EVERY',
    'DELIVERY_LEASE',
  ])('GIVEN %s=0s THEN start-up stops with one line naming it', (variable) => {
    expect(() => loadConfig({ [variable]: '0s' })).toThrow(
      new ConfigError(variable, 'must be longer than 0 (got "0s")'),
    );
    expect(() => loadConfig({ [variable]: '0m0s' })).toThrow(`${variable} must be longer than 0`);
  });

  test('GIVEN RECONFIRM_LEAD=0s or FAILURE_REPORT_DELAY=0s THEN they are accepted: by the start, at once', () => {
    const config = loadConfig({ RECONFIRM_LEAD: '0s', FAILURE_REPORT_DELAY: '0s' });
    expect(config.policy.reconfirmLeadMs).toBe(0);
    expect(config.jobs.failureReportDelayMs).toBe(0);
  });

  test('a bad DATABASE_URL is reported without echoing its password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});

describe('streaming settings', () => {
  test('GIVEN nothing THEN the embedded server runs on RTMP 1935 of HOST with a 2-minute buffer', () => {
    expect(loadConfig({}).streaming).toEqual({
      embedded: true,
      rtmpPort: 1935,
      rtmpHost: '127.0.0.1',
      rtmpPublicUrl: undefined,
      embeddedBufferMs: 120_000,
      embeddedName: 'embedded',
    });
  });

  test('GIVEN STREAMING=off, port 0 and a public URL THEN so; a bad value names its variable', () => {
    const config = loadConfig({ STREAMING: 'off', RTMP_PORT: '0', RTMP_PUBLIC_URL: 'rtmp://stream.example.org/live/' });
    expect(config.streaming).toMatchObject({
      embedded: false,
      rtmpPort: 0,
      rtmpPublicUrl: 'rtmp://stream.example.org/live',
    });
    expect(() => loadConfig({ STREAMING: 'nginx' })).toThrow(/STREAMING/);
    expect(() => loadConfig({ RTMP_PUBLIC_URL: 'http://x' })).toThrow(/RTMP_PUBLIC_URL/);
  });

  test('GIVEN a listener that cannot start THEN one line names the setting to change', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const taken = listenFailure(
        { port: 'RTMP_PORT', host: 'RTMP_HOST' },
        '127.0.0.1',
        port,
        await listenError(port, '127.0.0.1'),
      );
      expect(taken).toBeInstanceOf(ConfigError);
      expect(taken.message).toBe(
        `Cannot listen on RTMP_PORT=${port}: 127.0.0.1:${port} is already in use: stop what listens there, or set RTMP_PORT to a free port (0 picks one).`,
      );
    } finally {
      holder.close();
    }
    // 192.0.2.1 is documentation's own address (TEST-NET-1): no machine has it.
    const elsewhere = listenFailure(
      { port: 'PORT', host: 'HOST' },
      '192.0.2.1',
      3000,
      await listenError(3000, '192.0.2.1'),
    );
    expect(elsewhere.message).toBe(
      'Cannot listen on PORT=3000: 192.0.2.1 is not an address of this machine: set HOST to one of its addresses (0.0.0.0: all of them).',
    );
    const privileged = Object.assign(new Error('listen EACCES: permission denied 0.0.0.0:80'), { code: 'EACCES' });
    expect(listenFailure({ port: 'PORT', host: 'HOST' }, '0.0.0.0', 80, privileged).message).toBe(
      'Cannot listen on PORT=80: 0.0.0.0:80 needs privileges this process lacks (ports below 1024 need root): set PORT to a free port (0 picks one).',
    );
    const other = new Error('something else');
    expect(listenFailure({ port: 'PORT', host: 'HOST' }, '127.0.0.1', 3000, other)).toBe(other);
  });
});
