/**
 * What every pool of the process needs once the server can go away under it.
 */
import type pg from 'pg';
import type { Logger } from '../log.js';

/**
 * Keeps a lost connection from taking the process down, and counts the pool's open connections.
 *
 * A server that goes away (a restart, a failover, an administrator's pg_terminate_backend) makes
 * every connection emit 'error'. The pool handles it for idle connections; a connection that is
 * checked out at that moment — a transaction, a session advisory lock, Agenda's LISTEN — has no
 * listener of its own, and an unhandled 'error' event ends the process. The query running on it
 * fails as well, and that is where the failure is reported; the event itself only needs a listener.
 */
export function guardConnections(pool: pg.Pool, log?: Logger): { allClosed(timeoutMs: number): Promise<void> } {
  const open = new Set<pg.PoolClient>();
  let wake: (() => void) | undefined;
  pool.on('connect', (client) => {
    open.add(client);
    client.on('error', (error) => log?.debug('a database connection failed', { error: error.message }));
  });
  pool.on('remove', (client) => {
    open.delete(client);
    if (open.size === 0) wake?.();
  });
  // An idle connection dropped by the server must not crash the process; the pool replaces it on
  // the next checkout. The outage itself is reported once, by the job runtime, not per connection.
  pool.on('error', (error) => log?.debug('an idle database connection failed', { error: error.message }));
  return {
    allClosed: (timeoutMs) =>
      open.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, timeoutMs);
            timer.unref();
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          }),
  };
}
