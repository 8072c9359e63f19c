/**
 * The soak's faults, spread over the run at fixed fractions of it: SIGKILL of an instance and of a
 * worker (each started again), a slow SMTP server for a while, a PostgreSQL fast restart,
 * `pg_terminate_backend` of every session, an instance taken out of the balancer and put back.
 */
import type { Fleet, Instance } from '../../test/support/fleet.js';
import type { TestSmtp } from '../../test/support/smtp.js';
import { sleep } from './media.js';
import type { SoakPostgres } from './postgres.js';

export interface Fault {
  name: string;
  /** When it began and ended (ms since the epoch); the database's outages count as such. */
  from: number;
  to: number;
  outage: boolean;
  detail: string;
}

export interface FaultContext {
  fleet: Fleet;
  postgres: SoakPostgres;
  smtp: TestSmtp;
  startedAt: number;
  durationMs: number;
  aborted: () => boolean;
  faults: Fault[];
  /** Kills the soak did, per process name: those exits are expected. */
  kills: Map<string, number>;
  /** Called with a process started anew (its warm-up RSS is taken later). */
  restarted: (instance: Instance) => void;
  /** The next window end of a stream left to end (ms since the epoch) within a minute, if any. */
  nextWindowEnd: () => number | undefined;
}

/**
 * Waits (up to a minute) until a stream's window is about to end, so that the database fault falls
 * on a cut's cause and the table can say how late that cut came; at once when none is due.
 */
async function onACause(ctx: FaultContext): Promise<void> {
  const due = ctx.nextWindowEnd();
  if (due === undefined) return;
  while (Date.now() < due - 200 && !ctx.aborted()) await sleep(Math.min(200, due - 200 - Date.now()));
}

async function at(ctx: FaultContext, fraction: number): Promise<boolean> {
  const when = ctx.startedAt + ctx.durationMs * fraction;
  while (Date.now() < when && !ctx.aborted()) await sleep(Math.min(500, when - Date.now()));
  return !ctx.aborted();
}

async function killAndRestart(ctx: FaultContext, instance: Instance, downMs: number): Promise<void> {
  const from = Date.now();
  await instance.kill();
  ctx.kills.set(instance.name, (ctx.kills.get(instance.name) ?? 0) + 1);
  await sleep(downMs);
  // An instance that held an embedded server may find its name still held for a moment: try again.
  let detail = '';
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      await instance.start();
      detail = `started again after ${attempt} attempt(s)`;
      break;
    } catch (error) {
      detail = `could not start again: ${(error as Error).message.slice(0, 300)}`;
      await sleep(3_000);
    }
  }
  ctx.restarted(instance);
  ctx.faults.push({
    name: `SIGKILL ${instance.command} ${instance.name}`,
    from,
    to: Date.now(),
    outage: false,
    detail,
  });
}

/** Runs every fault at its time; resolves when the last is over. */
export async function injectFaults(ctx: FaultContext): Promise<void> {
  const slow = Math.max(20_000, ctx.durationMs * 0.08);
  if (await at(ctx, 0.15)) await killAndRestart(ctx, ctx.fleet.instances[1 % ctx.fleet.instances.length]!, 3_000);
  if (ctx.fleet.workers[0] && (await at(ctx, 0.25))) await killAndRestart(ctx, ctx.fleet.workers[0], 3_000);
  if (await at(ctx, 0.35)) {
    const from = Date.now();
    ctx.smtp.delayReplies(5_000);
    await sleep(slow);
    ctx.smtp.delayReplies(0);
    ctx.faults.push({ name: 'slow SMTP', from, to: Date.now(), outage: false, detail: '5 s per message' });
  }
  if (await at(ctx, 0.5)) {
    await onACause(ctx);
    const from = Date.now();
    await ctx.postgres.restartFast();
    ctx.faults.push({
      name: 'PostgreSQL fast restart',
      from,
      to: Date.now(),
      outage: true,
      detail: 'pg_ctl restart -m fast',
    });
  }
  if (await at(ctx, 0.62)) {
    await onACause(ctx);
    const from = Date.now();
    const ended = await ctx.postgres.terminateAll();
    ctx.faults.push({
      name: 'pg_terminate_backend of every session',
      from,
      to: Date.now(),
      outage: true,
      detail: `${ended} sessions ended`,
    });
  }
  if (await at(ctx, 0.75)) {
    const instance = ctx.fleet.instances[2 % ctx.fleet.instances.length]!;
    const from = Date.now();
    await ctx.fleet.balancer.withhold(instance, true);
    await sleep(slow);
    await ctx.fleet.balancer.withhold(instance, false);
    ctx.faults.push({
      name: `instance ${instance.name} out of the balancer and back`,
      from,
      to: Date.now(),
      outage: false,
      detail: 'upstream rewritten, nginx reloaded',
    });
  }
}
