/**
 * The service of bench:stream's part (4) (bench/stream-snapshot.ts), in a process of its own so
 * that the RSS and CPU the parent reads from /proc are the service's alone. Started as
 * `slotcast serve` starts it — startService on the configuration from the environment — plus
 * one thing: every query on its pool is timed, so the parent can say what the idle service asks
 * the database and how long each answer takes end to end in Node (the gate's reload among them).
 *
 * IPC with the parent: sends { type: 'ready', url } once serving; on 'reset' forgets the queries
 * timed so far; on 'report' sends { type: 'queries', queries, heapUsed }; on 'stop' stops the
 * service and exits.
 */
import type { QueryResult } from 'pg';
import { loadConfig } from '../src/config.js';
import { coerceError, createLogger } from '../src/log.js';
import { startService } from '../src/main.js';

export interface QueryStat {
  /** The statement's text, whitespace collapsed. */
  text: string;
  calls: number;
  totalMs: number;
  maxMs: number;
  rows: number;
}

const config = loadConfig(process.env);
const log = createLogger({ level: config.logLevel, format: config.logFormat });
const service = await startService(config, log);

let queries = new Map<string, QueryStat>();
const record = (text: string, ms: number, rows: number) => {
  const stat = queries.get(text) ?? { text, calls: 0, totalMs: 0, maxMs: 0, rows: 0 };
  stat.calls += 1;
  stat.totalMs += ms;
  stat.maxMs = Math.max(stat.maxMs, ms);
  stat.rows += rows;
  queries.set(text, stat);
};
// Replaced on the instance: the gate, the jobs and the rest all query through this one pool.
const pool = service.deps.pool as unknown as { query: (...args: unknown[]) => unknown };
const query = pool.query.bind(pool);
pool.query = (...args: unknown[]) => {
  const started = performance.now();
  const result = query(...args);
  if (!(result instanceof Promise)) return result;
  const first = args[0];
  const text = (typeof first === 'string' ? first : ((first as { text?: string })?.text ?? '?'))
    .replace(/\s+/g, ' ')
    .trim();
  return result.then((answer: QueryResult) => {
    record(text, performance.now() - started, answer?.rowCount ?? 0);
    return answer;
  });
};

process.on('message', (message: { type?: string }) => {
  if (message.type === 'reset') queries = new Map();
  else if (message.type === 'report')
    process.send?.({ type: 'queries', queries: [...queries.values()], heapUsed: process.memoryUsage().heapUsed });
  else if (message.type === 'stop')
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`stopping the service failed: ${coerceError(error).message}`);
        process.exit(1);
      },
    );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', url: service.url });
