/**
 * The dependencies every use case gets, built from the configuration: the service (src/main.ts)
 * builds them with its metrics and the URL it listens at; the command line (src/cli.ts) builds
 * them without loading the service — no HTTP server, chat platforms or job queue — so that a
 * command starts quickly.
 */
import type { AppDeps } from './app/deps.js';
import { PlatformStates } from './app/health.js';
import type { Metrics } from './app/metrics.js';
import { noMetrics } from './app/metrics.js';
import { randomSecrets } from './app/secrets.js';
import type { Config } from './config.js';
import { configuredUrl } from './config.js';
import type { Logger } from './log.js';
import type { Database } from './store/database.js';
import { ServerDirectory } from './store/servers.js';

export function buildDeps(
  config: Config,
  database: Pick<Database, 'prisma' | 'pool'>,
  log: Logger,
  publicUrl: () => string = () => configuredUrl(config),
  metrics: Metrics = noMetrics,
): AppDeps {
  return {
    db: database.prisma,
    pool: database.pool,
    servers: new ServerDirectory(database.pool),
    policy: config.policy,
    clock: () => new Date(),
    secrets: randomSecrets,
    log,
    publicUrl,
    web: config.web,
    listeners: [],
    platformStates: new PlatformStates(),
    metrics,
  };
}
