/**
 * `npm start` under a process manager: docker stop, systemd and CI runners send SIGTERM to the
 * process they started — npm — and to it alone. The service must stop gracefully, with its
 * embedded PostgreSQL, and leave no process behind holding a port.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './support/fixtures.js';
import { portAnswers } from './support/ports.js';

let dataDir: string;
let npm: ChildProcess | undefined;
let output = '';
let family: number[] = [];

afterAll(() => {
  // Whatever is left after a failure must not outlive the test run.
  for (const pid of family) if (alive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every process below `root`, read from /proc: npm's shell, node, PostgreSQL and its workers. */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command may hold spaces and parentheses: the fields after its closing parenthesis count.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [pid, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/** `npm start` on a fresh data directory, once it has printed its start-up lines. */
async function startNpm() {
  dataDir = mkdtempSync(join(tmpdir(), 'slotcast-npm-'));
  chmodSync(dataDir, 0o755);
  output = '';
  npm = spawn('npm', ['start'], {
    // RTMP on a free port: the default 1935 is taken by any other service this run starts at the same time.
    // Readable lines, as on a terminal, so the checks below read like the words a person sees.
    env: {
      ...process.env,
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      PORT: '0',
      RTMP_PORT: '0',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'pretty',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  npm.stdout!.on('data', (chunk) => (output += chunk));
  npm.stderr!.on('data', (chunk) => (output += chunk));
  await waitFor(() => /listening on (http:\S+)/.test(output) && /none is sent\)\n/.test(output), 60_000);
  const httpPort = Number(/listening on http:\/\/[\d.]+:(\d+)/.exec(output)![1]);
  const postgresPort = Number(/embedded PostgreSQL on [\d.]+:(\d+)/.exec(output)![1]);
  family = descendants(npm.pid!);
  expect(family.length).toBeGreaterThan(2); // node, postgres and PostgreSQL's own processes at least
  expect(await portAnswers(httpPort)).toBe(true);
  return { npm, httpPort, postgresPort };
}

/** Waits until every process npm had started is gone and both ports are free. */
async function expectAllGone(ports: number[]) {
  await waitFor(() => family.every((pid) => !alive(pid)) || undefined, 30_000).catch(() => undefined);
  expect({ left: family.filter(alive), output: family.some(alive) ? output.slice(-2000) : '' }).toEqual({
    left: [],
    output: '',
  });
  for (const port of ports) expect(await portAnswers(port)).toBe(false);
  rmSync(dataDir, { recursive: true, force: true });
}

test('GIVEN npm start WHEN only npm gets SIGTERM THEN the service stops gracefully with its PostgreSQL and no process is left', async () => {
  const { npm, httpPort, postgresPort } = await startNpm();
  const npmExited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
  process.kill(npm.pid!, 'SIGTERM');
  await npmExited;
  await expectAllGone([httpPort, postgresPort]);
  // Gracefully: the service's own shutdown ran, and said nothing went wrong.
  expect(output).toMatch(/shutting down signal=SIGTERM/);
  expect(output).not.toMatch(/ error |unhandled|Error:/);
}, 120_000);

test('GIVEN npm start WHEN npm is killed outright (SIGKILL) THEN the orphaned service notices and stops with its PostgreSQL', async () => {
  const { npm, httpPort, postgresPort } = await startNpm();
  const npmExited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
  process.kill(npm.pid!, 'SIGKILL');
  await npmExited;
  await expectAllGone([httpPort, postgresPort]);
}, 120_000);
