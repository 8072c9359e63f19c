/**
 * The soak's own PostgreSQL: Debian's server (initdb + pg_ctl, run as the `postgres` user when we
 * are root), on a free loopback port, in a directory of its own — so that `pg_ctl restart -m fast`
 * does to the service exactly what an operator's restart does. The test run's embedded server is
 * jest's; the soak needs one it may take down.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../src/store/embedded.js';

export interface SoakPostgres {
  /** postgresql://…/slotcast */
  url: string;
  port: number;
  /** `pg_ctl restart -m fast`: every session is ended, the server comes back on the same port. Resolves when it accepts connections. */
  restartFast(): Promise<void>;
  /** `pg_terminate_backend` of every session on the service's database but the caller's own; how many it ended. */
  terminateAll(): Promise<number>;
  /** True while the postmaster runs. */
  running(): boolean;
  /** Stops it (immediate) and removes its directory. */
  close(): void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((version) => join(root, version, 'bin')).find((dir) => existsSync(join(dir, 'pg_ctl')));
  if (!found) throw new Error('Debian PostgreSQL is not installed (apt-get install -y postgresql)');
  return found;
}

/** Debian's tools refuse to run as root: as root they run as `postgres`. */
function asPostgres(command: string, args: string[]): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', command, ...args] : [command, ...args];
}

function run(command: string, args: string[]): string {
  const [file, ...rest] = asPostgres(command, args);
  return execFileSync(file!, rest, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function startSoakPostgres(): Promise<SoakPostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'slotcast-soak-pg-'));
  chmodSync(dir, 0o755);
  if (process.getuid?.() === 0) {
    const ids = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const gid = execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(dir, Number(ids), Number(gid));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  // Disposable data: no fsync. Sockets in its own directory; TCP on loopback only.
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=300',
  ].join(' ');
  const pgCtl = join(bin, 'pg_ctl');
  run(pgCtl, ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', 'start']);
  const base = `postgresql://postgres@127.0.0.1:${port}`;
  const admin = async <T extends pg.QueryResultRow>(sql: string): Promise<T[]> => {
    const client = new pg.Client({ connectionString: `${base}/postgres` });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  await admin('CREATE DATABASE slotcast');
  return {
    url: `${base}/slotcast`,
    port,
    restartFast: async () => {
      // pg_ctl restart re-uses the options of the last start (postmaster.opts). Not synchronous:
      // the soak's publishers and viewers keep running meanwhile.
      const [file, ...rest] = asPostgres(pgCtl, [
        '-D',
        data,
        '-l',
        join(dir, 'server.log'),
        '-m',
        'fast',
        '-w',
        'restart',
      ]);
      await promisify(execFile)(file!, rest);
    },
    terminateAll: async () => {
      const rows = await admin<{ ended: string }>(
        `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS ended FROM pg_stat_activity
         WHERE datname = 'slotcast' AND pid <> pg_backend_pid()`,
      );
      return Number(rows[0]?.ended ?? 0);
    },
    running: () => {
      const [file, ...rest] = asPostgres(pgCtl, ['-D', data, 'status']);
      return spawnSync(file!, rest).status === 0;
    },
    close: () => {
      try {
        run(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Not running.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
