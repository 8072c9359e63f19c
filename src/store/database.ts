/**
 * Opens the database the configuration names — or the embedded one — migrated and ready.
 */
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { DbHandle } from './client.js';
import { openDb } from './client.js';
import { startEmbeddedPostgres } from './embedded.js';
import { migrate } from './migrate.js';

export interface Database extends DbHandle {
  url: string;
  /** Where the data is, for people: never includes the password. */
  description: string;
}

export async function openDatabase(
  config: Config,
  log: Logger,
  options: { migrate?: boolean } = {},
): Promise<Database> {
  let url = config.databaseUrl;
  let stopEmbedded = async () => {};
  let description: string;
  if (url) {
    description = describeUrl(url);
  } else {
    const embedded = await startEmbeddedPostgres(config.dataDir, log);
    url = embedded.url;
    stopEmbedded = embedded.stop;
    description = `embedded PostgreSQL on 127.0.0.1:${embedded.port} (data in ${embedded.directory})`;
  }
  try {
    if (options.migrate !== false) {
      const applied = await migrate(url);
      if (applied.length > 0) log.info('applied migrations', { migrations: applied });
    }
  } catch (error) {
    await stopEmbedded();
    throw error;
  }
  const handle = openDb(url, { log });
  return {
    ...handle,
    url,
    description,
    close: async () => {
      await handle.close();
      await stopEmbedded();
    },
  };
}

/** postgresql://user:secret@host:5432/db → PostgreSQL db on host:5432 as user */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `PostgreSQL ${parsed.pathname.slice(1) || '(default database)'} on ${parsed.host} as ${decodeURIComponent(parsed.username) || '(default user)'}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}
