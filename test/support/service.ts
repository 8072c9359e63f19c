/**
 * The whole service, as `npm start` assembles it, on a database of its own: real PostgreSQL,
 * real Agenda, real SMTP (or .eml files). Settings are environment variables, as in production.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import type { Logger } from '../../src/log.js';
import type { Service } from '../../src/main.js';
import { startService } from '../../src/main.js';
import { createTestDatabase } from './database.js';
import type { TestDatabase } from './database.js';

export interface TestService {
  service: Service;
  db: TestDatabase;
  dataDir: string;
  env: Record<string, string>;
  /** Stops the service (keeping the database), e.g. to start it again. */
  stopService(): Promise<void>;
  /** Starts the service again on the same database and settings. */
  restart(overrides?: Record<string, string>): Promise<Service>;
  close(): Promise<void>;
}

/** Test defaults: fast sweeps and short leases so recovery paths finish in seconds. */
const FAST = {
  PORT: '0',
  RTMP_PORT: '0',
  OUTBOX_SWEEP_EVERY: '1s',
  DELIVERY_LEASE: '3s',
  JOB_POLL_EVERY: '1s',
  LOG_LEVEL: 'warn',
};

export async function startTestService(
  env: Record<string, string> = {},
  log: Logger = silentLogger,
): Promise<TestService> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'slotcast-service-'));
  chmodSync(dataDir, 0o755);
  const settings = { ...FAST, DATA_DIR: dataDir, DATABASE_URL: db.url, ...env };
  const start = (overrides: Record<string, string> = {}) =>
    startService(loadConfig({ ...settings, ...overrides }), log);
  let service: Service | undefined = await start();
  const handle: TestService = {
    service,
    db,
    dataDir,
    env: settings,
    stopService: async () => {
      await service?.stop();
      service = undefined;
    },
    restart: async (overrides = {}) => {
      await service?.stop();
      service = await start(overrides);
      handle.service = service;
      return service;
    },
    close: async () => {
      await service?.stop();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}
