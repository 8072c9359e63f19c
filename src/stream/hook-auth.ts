/**
 * Who is calling a hook (issue 9). Servers that ask Slotcast (nginx-rtmp, MediaMTX) call
 * `/hooks/<kind>/<hook secret>/…`; the secret is random per server, so it names the server and
 * proves the call is its own. A secret that matches no active server of that kind is refused, and
 * the refusal is logged without the secret.
 *
 * The servers are held in memory (a hook is answered within milliseconds, no query per call) and
 * read again when a secret matches none — at most once a second, misses waiting for that read —
 * so a server added while the service runs is found on its first call, and wrong secrets cannot
 * flood the database.
 */
import { sameSecret } from '../app/secrets.js';
import type { ServerKind } from '../domain/server-kind.js';
import type { ServerRow } from '../store/servers.js';

export type HookServer = ServerRow & { hookSecret: string };

export interface HookAuthOptions {
  /** Reads the active servers of the hook kinds. */
  load(): Promise<HookServer[]>;
  /** Called with every server read (new or changed), e.g. to serve it in the gate. */
  onServer(server: HookServer): void;
  /** The least time between two reads on a miss (default 1 s): wrong secrets cannot flood the database. */
  reloadAtMostEveryMs?: number;
  clock?: () => number;
}

export class HookAuth {
  private servers: HookServer[] = [];
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;
  private waiting: Promise<void> | undefined;
  private readonly clock: () => number;

  constructor(private readonly options: HookAuthOptions) {
    this.clock = options.clock ?? (() => performance.now());
  }

  /**
   * The active server of this kind whose secret this is, if any. A miss reads the servers again;
   * within `reloadAtMostEveryMs` of the last read it waits for the next one (all misses share it),
   * so a server added a moment ago is still found on its first call.
   */
  async find(kind: ServerKind, secret: string): Promise<HookServer | undefined> {
    const found = this.match(kind, secret);
    if (found) return found;
    const wait = (this.options.reloadAtMostEveryMs ?? 1_000) - (this.clock() - this.loadedAt);
    if (wait > 0) {
      this.waiting ??= new Promise<void>((resolve) => setTimeout(resolve, wait).unref()).then(() => {
        this.waiting = undefined;
        return this.reload();
      });
      await this.waiting;
    } else {
      await this.reload();
    }
    return this.match(kind, secret);
  }

  /** A server read before, by id (the watch page asks where a reservation's media is). */
  byId(id: string): HookServer | undefined {
    return this.servers.find((server) => server.id === id);
  }

  all(): readonly HookServer[] {
    return this.servers;
  }

  /** Reads the servers now (at start, and on a miss). */
  reload(): Promise<void> {
    this.loading ??= this.options
      .load()
      .then((servers) => {
        this.servers = servers;
        this.loadedAt = this.clock();
        for (const server of servers) this.options.onServer(server);
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  private match(kind: ServerKind, secret: string): HookServer | undefined {
    let found: HookServer | undefined;
    // Every candidate is compared, so the time taken does not say which one matched.
    for (const server of this.servers) {
      if (server.kind === kind && sameSecret(secret, server.hookSecret)) found = server;
    }
    return found;
  }
}
