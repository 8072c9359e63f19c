/**
 * `slotcast mediamtx-config --server NAME`, run in-process against a real test database.
 */
import { jest } from '@jest/globals';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/log.js';
import { mediamtxConfigCommand } from '../../../src/stream/mediamtx/config-command.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { makeServer } from '../../support/fixtures.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const error = jest.spyOn(console, 'error').mockImplementation((...parts) => void err.push(parts.join(' ')));
  try {
    const config = loadConfig({ DATABASE_URL: db.url, PUBLIC_URL: 'https://slotcast.example.org' });
    const code = await mediamtxConfigCommand(config, silentLogger, args);
    return { code, stdout: out.join(''), stderr: err.join('\n') };
  } finally {
    write.mockRestore();
    error.mockRestore();
  }
}

test('GIVEN a mediamtx server THEN the command prints its configuration with its own hook URL', async () => {
  const server = await makeServer(db.prisma, { kind: 'mediamtx', name: 'mtx-studio' });
  const result = await run(['--server', 'mtx-studio']);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain(
    `authHTTPAddress: https://slotcast.example.org/hooks/mediamtx/${server.hookSecret}/auth\n`,
  );
  const other = await run(['--server', 'mtx-studio', '--slotcast-url', 'http://10.0.0.2:3000']);
  expect(other.stdout).toContain(`authHTTPAddress: http://10.0.0.2:3000/hooks/mediamtx/${server.hookSecret}/auth\n`);
});

test('GIVEN no such server, another kind, or no --server THEN it says so and prints no configuration', async () => {
  await makeServer(db.prisma, { kind: 'external', name: 'booked-only' });
  expect(await run(['--server', 'nowhere'])).toMatchObject({
    code: 1,
    stdout: '',
    stderr: /No server named "nowhere"/,
  });
  expect(await run(['--server', 'booked-only'])).toMatchObject({
    code: 1,
    stdout: '',
    stderr: /kind external, not mediamtx/,
  });
  expect(await run([])).toMatchObject({ code: 2, stdout: '', stderr: /needs --server NAME/ });
});
