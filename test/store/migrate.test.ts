import { cpSync, mkdtempSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../../src/store/migrate.js';
import { createEmptyDatabase } from '../support/database.js';

test('GIVEN an empty database THEN migrations apply once, are recorded as prisma migrate deploy records them, and re-running is a no-op', async () => {
  const database = await createEmptyDatabase();
  try {
    const names = (await readMigrations()).map((migration) => migration.name);
    expect(await migrate(database.url)).toEqual(names);
    expect(await migrate(database.url)).toEqual([]);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    await client.end();
    const migrations = await readMigrations();
    expect(rows.map((row) => [row.migration_name, row.checksum, row.applied_steps_count])).toEqual(
      migrations.map((m) => [m.name, m.checksum, 1]),
    );
    expect(rows.every((row) => row.finished_at instanceof Date)).toBe(true);
  } finally {
    await database.drop();
  }
});

test('GIVEN several processes migrating at once THEN each migration is applied exactly once', async () => {
  const database = await createEmptyDatabase();
  try {
    const results = await Promise.all([migrate(database.url), migrate(database.url), migrate(database.url)]);
    expect(results.flat().sort()).toEqual((await readMigrations()).map((m) => m.name).sort());
  } finally {
    await database.drop();
  }
});

test('GIVEN an applied migration edited afterwards THEN migrate refuses and says why', async () => {
  const database = await createEmptyDatabase();
  const copy = mkdtempSync(join(tmpdir(), 'slotcast-migrations-'));
  try {
    cpSync(MIGRATIONS_DIR, copy, { recursive: true });
    await migrate(database.url, copy);
    const first = (await readMigrations(copy))[0]!;
    appendFileSync(join(copy, first.name, 'migration.sql'), '\n-- edited\n');
    await expect(migrate(database.url, copy)).rejects.toThrow(/was changed after it was applied/);
  } finally {
    rmSync(copy, { recursive: true, force: true });
    await database.drop();
  }
});
