/**
 * The service and the CLI as a newcomer runs them: a fresh data directory, the embedded
 * PostgreSQL, the operator commands against the running service's database, and a clean stop.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './support/fixtures.js';
import { recordSkipped } from './support/skipped.js';

const BIN = 'bin/slotcast.js';
let dataDir: string;
let service: ChildProcess | undefined;
let output = '';

// These tests run the embedded default on purpose, whatever DATABASE_URL the test run has.
const env = () => ({
  ...process.env,
  DATABASE_URL: '',
  DATA_DIR: dataDir,
  PORT: '0',
  RTMP_PORT: '0',
  LOG_LEVEL: 'info',
});

function cli(...args: string[]) {
  return cliWith({}, ...args);
}

function cliWith(extra: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], {
    env: { ...env(), ...extra },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

function postgresPid(): number | undefined {
  const file = join(dataDir, 'postgres', 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'slotcast-cli-'));
  chmodSync(dataDir, 0o755);
  service = spawn(process.execPath, [BIN, 'serve'], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  service.stdout!.on('data', (chunk) => (output += chunk));
  service.stderr!.on('data', (chunk) => (output += chunk));
  // The start-up lines may come in separate chunks: wait for the last of them, not the first.
  await waitFor(() => /listening on (http:\S+)/.test(output) && /none is sent\)\n/.test(output), 60_000);
}, 90_000);

afterAll(async () => {
  if (service && service.exitCode === null) service.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

test('npm start prints where it listens, which database, and how to create the first token', async () => {
  expect(output).toMatch(/Slotcast is listening on http:\/\/127\.0\.0\.1:\d+/);
  expect(output).toMatch(/Database: embedded PostgreSQL on 127\.0\.0\.1:\d+ \(data in .*postgres\)/);
  expect(output).toMatch(/npx slotcast token create --name admin --admin --email you@example.org\n/);
  // Without --email no prompt to reconfirm is mailed: the hint says so.
  expect(output).toMatch(/--email is where .* mailed .*without it, none is sent/);
  // Streaming is on by default: the embedded server, and where to publish.
  expect(output).toMatch(
    /Streaming: embedded server "embedded" — publish with OBS or ffmpeg to rtmp:\/\/127\.0\.0\.1:\d+\/live\/<stream key>/,
  );
  const url = /listening on (http:\S+)/.exec(output)![1]!;
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
});

test('the CLI works against the running service: token, server, reservation list, doctor', async () => {
  const token = cli('token', 'create', '--name', 'admin', '--admin');
  expect(token.status).toBe(0);
  const secret = /(slc_[\w-]+)/.exec(token.stdout)![1]!;

  const added = cli(
    'server',
    'add',
    '--name',
    'studio-a',
    '--ingest',
    'rtmp://in.example.org/live',
    '--playback',
    'https://watch.example.org/hls',
    '--capacity',
    '2',
  );
  expect(added.stdout).toMatch(/Added server "studio-a" \(external, capacity 2, buffer 0m\): enforces nothing/);
  const enforced = cli(
    'server',
    'add',
    '--name',
    'studio-n',
    '--kind',
    'nginx-rtmp',
    '--ingest',
    'rtmp://in.example.org/live',
    '--playback',
    'https://watch.example.org/watch',
    '--buffer',
    '90s',
  );
  expect(enforced.stdout).toMatch(/Added server "studio-n" \(nginx-rtmp, capacity 1, buffer 1m30s\): enforced/);
  expect(
    cli('server', 'add', '--name', 'x', '--kind', 'wowza', '--ingest', 'rtmp://x/l', '--playback', 'https://x').stderr,
  ).toMatch(/--kind: one of embedded, nginx-rtmp, mediamtx, external/);
  const listed = cli('server', 'list').stdout;
  expect(listed).toMatch(/studio-a\texternal\t.*enforces nothing/);
  expect(listed).toMatch(/studio-n\tnginx-rtmp\t.*buffer 1m30s/);
  const nginx = cli('nginx-config', '--server', 'studio-n', '--slotcast-url', 'https://slotcast.example.org');
  expect(nginx.status).toBe(0);
  expect(nginx.stdout).toMatch(/^load_module \/usr\/lib\/nginx\/modules\/ngx_rtmp_module\.so;$/m);
  expect(nginx.stdout).toMatch(
    /on_publish https:\/\/slotcast\.example\.org\/hooks\/nginx-rtmp\/[0-9a-f]{64}\/publish;/,
  );
  expect(nginx.stderr).toMatch(/no --control URL/);
  expect(cli('nginx-config', '--server', 'studio-a').stderr).toMatch(/kind external, not nginx-rtmp/);
  expect(listed).toMatch(/embedded\tembedded\t.*buffer 2m\tactive\thttp:\/\/127\.0\.0\.1:\d+\/watch\tenforced/);
  expect(cli('server', 'add', '--name', 'bad', '--ingest', 'ftp://x', '--playback', 'https://x').stderr).toMatch(
    /--ingest: The ingest URL must be/,
  );

  const url = /listening on (http:\S+)/.exec(output)![1]!;
  const startsAt = new Date(Date.now() + 48 * 3_600_000).toISOString();
  const endsAt = new Date(Date.now() + 49 * 3_600_000).toISOString();
  const created = await fetch(`${url}/api/v1/reservations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ server: 'studio-a', title: 'From the CLI test', startsAt, endsAt }),
  });
  expect(created.status).toBe(201);
  expect(cli('reservations', 'list', '--status', 'permitted').stdout).toMatch(
    /R-\w{4}\tpermitted\t.*studio-a\tFrom the CLI test/,
  );

  expect(
    cli('workspace', 'notify-mode', '--platform', 'slack', '--tenant', 'T0001', 'permit-and-reconfirm').stdout,
  ).toMatch(/slack T0001: permit-and-reconfirm/);
  expect(cli('workspace', 'notify-mode', '--platform', 'teams', '--tenant', 'T0001', 'reconfirm').stderr).toMatch(
    /--platform must be slack or discord/,
  );

  const doctor = cli('doctor');
  expect(doctor.stdout).toMatch(/✓ reachable/);
  expect(doctor.stdout).toMatch(/✓ migrations up to date/);
  expect(doctor.stdout).toMatch(/no SMTP_URL: e-mails are written to .*outbox/);
  expect(doctor.stdout).toMatch(/Slack is not connected/);
  expect(doctor.status).toBe(0);
}, 90_000);

test('slotcast open prints a sign-in link as a token’s owner or a chat user, to a reservation or the timeline', () => {
  const publicUrl = { PUBLIC_URL: 'https://slotcast.example.org/' };
  const code = /(R-\w{4})\tpermitted/.exec(cli('reservations', 'list').stdout)![1]!;
  const toReservation = cliWith(publicUrl, 'open', code, '--as', 'admin');
  // The log says a link was issued, never the link itself.
  const token = /\/open\/(wl_[\w-]{43})/.exec(toReservation.stdout)?.[1];
  // Not a terminal: the log is JSON lines.
  const logged = toReservation.stderr
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(logged).toContainEqual(
    expect.objectContaining({
      msg: 'web sign-in link issued',
      link: expect.stringMatching(/^[\w-]+$/),
      platform: 'api',
    }),
  );
  expect(token && toReservation.stderr.includes(token)).toBe(false);
  expect(toReservation.stdout).toMatch(
    new RegExp(
      `^Sign-in link for admin, to /r/${code}\\. It works once, until \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z:\\n\\n  https://slotcast\\.example\\.org/open/wl_[\\w-]{43}\\n`,
    ),
  );
  expect(cliWith(publicUrl, 'open', '--as', 'slack:T0001:U0001').stdout).toMatch(
    /Sign-in link for U0001, to \/timeline\..*\n\n {2}https:\/\/slotcast\.example\.org\/open\/wl_/s,
  );
  // A chat user who is not the organizer (nor an admin of the API) does not see the API's reservation.
  const notTheirs = cli('open', code, '--as', 'discord:123456789012345678:876543210987654321', '--admin');
  expect(notTheirs.status).toBe(1);
  expect(notTheirs.stderr.trim()).toBe(`No reservation 876543210987654321 can see has the code "${code}".`);
  expect(cli('open', '--as', 'nobody').stderr).toMatch(/^No API token is named "nobody"/);
  const usage = cli('open', code);
  expect(usage.status).toBe(2);
  expect(usage.stderr).toMatch(/open needs --as/);
}, 60_000);

test('without PUBLIC_URL the CLI’s links point at the running service, on the port it was given', () => {
  // The service listens on a port of its own choosing (PORT=0); this CLI is configured for another.
  const url = /listening on (http:\S+)/.exec(output)![1]!;
  const elsewhere = { PORT: '4567' };
  const token = cliWith(elsewhere, 'token', 'create', '--name', 'links');
  expect(token.status).toBe(0);
  expect(token.stdout).toContain(`/api/v1/servers`);
  expect(token.stdout).toMatch(new RegExp(`curl -H "Authorization: Bearer slc_[\\w-]+" ${url}/api/v1/servers`));
  const link = cliWith(elsewhere, 'open', '--as', 'links');
  expect(link.stdout).toMatch(new RegExp(`^ {2}${url}/open/wl_[\\w-]{43}$`, 'm'));
  const nginx = cliWith(elsewhere, 'nginx-config', '--server', 'studio-n');
  expect(nginx.stdout).toContain(`on_publish ${url}/hooks/nginx-rtmp/`);
}, 60_000);

test('a bad setting stops start-up with one line naming the variable', () => {
  const result = spawnSync(process.execPath, [BIN, 'serve'], {
    env: { ...env(), RECONFIRM_LEAD: 'whenever' },
    encoding: 'utf8',
  });
  expect(result.status).toBe(2);
  expect(result.stderr.trim()).toBe(
    'Invalid configuration: RECONFIRM_LEAD must be a duration like 30m, 24h or 90d (got "whenever")',
  );
});

/** A port of 127.0.0.1 held by this test while `work` runs. */
async function holdingAPort<T>(work: (port: number) => T): Promise<T> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  try {
    return work((holder.address() as AddressInfo).port);
  } finally {
    await new Promise((resolve) => holder.close(resolve));
  }
}

test.each([
  ['RTMP_PORT', 'the embedded RTMP server'],
  ['PORT', 'the HTTP server'],
])(
  'a %s already taken (%s) stops start-up with one line naming the setting, and a non-zero exit',
  async (setting) => {
    const result = await holdingAPort((port) =>
      spawnSync(process.execPath, [BIN, 'serve'], {
        // Its own embedded server's name: the service of beforeAll holds "embedded" on this database.
        env: { ...env(), EMBEDDED_NAME: 'port-test', [setting]: String(port) },
        encoding: 'utf8',
        timeout: 60_000,
      }),
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(
        `^Cannot listen on ${setting}=\\d+: 127\\.0\\.0\\.1:\\d+ is already in use: stop what listens there, or set ${setting} to a free port \\(0 picks one\\)\\.$`,
      ),
    );
    expect(result.stderr).not.toMatch(/EADDRINUSE/);
  },
  90_000,
);

// As root, the embedded PostgreSQL runs as a `postgres` user: a root-owned 0700 directory (what
// mkdtemp makes) on the way to its data locks it out.
// Elsewhere the lock-out cannot happen, and the skip is said at the end of the run, not hidden.
const runsAsRoot = process.getuid?.() === 0;
if (!runsAsRoot) {
  recordSkipped(
    { what: 'root user', install: 'run npm test as root, as .ci/run does' },
    'a DATA_DIR the postgres user cannot enter (test/cli.test.ts)',
  );
}
(runsAsRoot ? test.each : test.skip.each)([
  ['is', ''],
  ['holds', '/nested/data'],
])(
  'a DATA_DIR the postgres user cannot enter (a root-owned 0700 directory %s it) stops start-up with one line saying how to fix it',
  (_, below) => {
    const locked = mkdtempSync(join(tmpdir(), 'slotcast-locked-'));
    try {
      const result = spawnSync(process.execPath, [BIN, 'serve'], {
        env: { ...env(), DATA_DIR: `${locked}${below}` },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.status).toBe(2);
      expect(result.stderr.trim()).toBe(
        `Invalid configuration: DATA_DIR is out of reach of the embedded PostgreSQL: ${locked} (mode 700, owner uid 0) cannot be entered by the "postgres" user it runs as when Slotcast runs as root. Fix: chmod o+x ${locked}, choose another DATA_DIR, or set DATABASE_URL`,
      );
    } finally {
      rmSync(locked, { recursive: true, force: true });
    }
  },
  60_000,
);

test('SIGTERM stops the service and its embedded PostgreSQL: no orphan process', async () => {
  const pid = postgresPid();
  expect(pid).toBeDefined();
  expect(alive(pid!)).toBe(true);
  const exited = new Promise<number | null>((resolve) => service!.once('exit', (code) => resolve(code)));
  const before = output.length;
  service!.kill('SIGTERM');
  const code = await exited;
  // On failure, show what the service printed while stopping: a clean stop says nothing went wrong.
  const stopping = output.slice(before);
  const clean = code === 0 && !/ error | warn |Error/.test(stopping);
  expect({ code, output: clean ? '' : stopping.slice(-3000) }).toEqual({ code: 0, output: '' });
  await waitFor(() => !alive(pid!), 15_000);
}, 30_000);

test('once the service has stopped, the CLI’s links follow its own configuration again', () => {
  expect(service!.exitCode).toBe(0);
  const link = cliWith({ PORT: '4567' }, 'open', '--as', 'links');
  expect(link.status).toBe(0);
  expect(link.stdout).toMatch(/^ {2}http:\/\/127\.0\.0\.1:4567\/open\/wl_[\w-]{43}$/m);
}, 60_000);
