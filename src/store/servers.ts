/**
 * Distribution servers as the use cases see them (plain SQL; operators' CRUD goes through
 * Prisma in src/app/servers.ts).
 */
import type { ServerKind } from '../domain/server-kind.js';
import type { Sql } from './sql.js';
import { statement } from './sql.js';

export interface ServerRow {
  id: string;
  name: string;
  ingestBaseUrl: string;
  playbackBaseUrl: string;
  capacity: number;
  /** Set-up and teardown around every reservation, in seconds. */
  bufferSeconds: number;
  active: boolean;
  kind: ServerKind;
  controlUrl: string | null;
  mediaBaseUrl: string | null;
}

const SERVER_COLUMNS = `id, name, ingest_base_url AS "ingestBaseUrl", playback_base_url AS "playbackBaseUrl",
  capacity, buffer_seconds AS "bufferSeconds", active, kind, control_url AS "controlUrl",
  media_base_url AS "mediaBaseUrl"`;
const SELECT_SERVER = `SELECT ${SERVER_COLUMNS} FROM distribution_server`;

export function bufferMs(server: Pick<ServerRow, 'bufferSeconds'>): number {
  return server.bufferSeconds * 1_000;
}

/**
 * The servers, read from the database at most every `ttlMs` (and again at once when a name is not
 * found, so a server added a moment ago is found). Booking decisions need a server's id, buffer
 * and capacity on every request; caching them saves a round trip per request. Staleness is
 * harmless: the insert itself re-checks that the server is active and the lane within capacity.
 */
export class ServerDirectory {
  private loaded: ServerRow[] = [];
  private loadedAt = -Infinity;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly ttlMs = 5_000,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  async find(idOrName: string): Promise<ServerRow | undefined> {
    const match = (server: ServerRow) => server.id === idOrName || server.name === idOrName;
    if (this.clock() - this.loadedAt > this.ttlMs) await this.refresh();
    const found = this.loaded.find(match);
    if (found) return found;
    await this.refresh();
    return this.loaded.find(match);
  }

  async active(): Promise<ServerRow[]> {
    if (this.clock() - this.loadedAt > this.ttlMs) await this.refresh();
    return this.loaded.filter((server) => server.active);
  }

  /** Forget what was read, e.g. after an operator changed a server. */
  invalidate(): void {
    this.loadedAt = -Infinity;
  }

  private refresh(): Promise<void> {
    // Concurrent callers share one reload.
    this.loading ??= this.sql
      .query<ServerRow>(`${SELECT_SERVER} ORDER BY name`)
      .then(({ rows }) => {
        this.loaded = rows;
        this.loadedAt = this.clock();
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}

/** The active servers of these kinds, with their hook secrets (the hooks' authentication). */
export async function hookServers(sql: Sql, kinds: ServerKind[]): Promise<Array<ServerRow & { hookSecret: string }>> {
  const { rows } = await sql.query<ServerRow & { hookSecret: string }>(
    statement(
      `SELECT ${SERVER_COLUMNS}, hook_secret AS "hookSecret" FROM distribution_server
       WHERE active AND kind::text = ANY($1::text[])`,
      [kinds],
    ),
  );
  return rows;
}
