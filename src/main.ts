/**
 * The composition root: builds the service from configuration and starts it. Later layers (the
 * job queue, the Slack and Discord apps) are assembled here too, and nowhere else.
 */
import type { Server } from 'node:http';
import type { AppDeps } from './app/deps.js';
import { randomSecrets } from './app/secrets.js';
import type { Config } from './config.js';
import { apiMount } from './http/api.js';
import { closeServer, createHttpServer, listen } from './http/server.js';
import type { Logger } from './log.js';
import type { Database } from './store/database.js';
import { openDatabase } from './store/database.js';
import { ServerDirectory } from './store/servers.js';

export interface Service {
  deps: AppDeps;
  database: Database;
  http: Server;
  url: string;
  stop(): Promise<void>;
}

export function buildDeps(config: Config, database: Pick<Database, 'prisma' | 'pool'>, log: Logger): AppDeps {
  return { db: database.prisma, pool: database.pool, servers: new ServerDirectory(database.pool), policy: config.policy, clock: () => new Date(), secrets: randomSecrets, log, listeners: [] };
}

export async function startService(config: Config, log: Logger): Promise<Service> {
  const database = await openDatabase(config, log);
  try {
    const deps = buildDeps(config, database, log);
    const http = createHttpServer([apiMount(deps)], log);
    const address = await listen(http, config.http.port, config.http.host);
    const url = config.http.publicUrl ?? `http://${address.host}:${address.port}`;
    let stopping: Promise<void> | undefined;
    return {
      deps,
      database,
      http,
      url,
      stop: () =>
        (stopping ??= (async () => {
          await closeServer(http);
          await database.close();
        })()),
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
