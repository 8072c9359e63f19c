/**
 * Shared set-up for benchmarks: a throwaway embedded PostgreSQL with PostgreSQL's default
 * durability (fsync on), migrated; percentiles, bounded waits, phases that fail alone; ffmpeg
 * publishers of pre-encoded files.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/log.js';
import { startEmbeddedPostgres } from '../src/store/embedded.js';
import { migrate } from '../src/store/migrate.js';
import { FFMPEG } from '../test/support/stream.js';

export async function withBenchDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'slotcast-bench-'));
  chmodSync(dataDir, 0o755);
  const embedded = await startEmbeddedPostgres(dataDir, silentLogger, 'bench');
  try {
    await migrate(embedded.url);
    return await work(embedded.url);
  } finally {
    await embedded.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Polls a condition every 20 ms until it holds, or fails after timeoutMs naming what it waited for. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs one phase of a benchmark; a phase that fails prints why and the run goes on with the
 * next, so one bad phase on a loaded machine never loses the others' figures. True when it ran.
 */
export async function phase(label: string, work: () => Promise<void>): Promise<boolean> {
  const started = performance.now();
  try {
    await work();
    return true;
  } catch (error) {
    console.log(`${label} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  } finally {
    console.error(`${label} took ${((performance.now() - started) / 1_000).toFixed(1)} s`);
  }
}

/** A pre-encoded H.264 + AAC FLV file of `seconds`, at `size` and `bitrate`, for publishers that spare the CPU. */
export function encodeFlv(dir: string, name: string, seconds: number, size: string, bitrate: string): string {
  const file = join(dir, `${name}.flv`);
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`];
  args.push('-f', 'lavfi', '-i', 'sine', '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast');
  args.push('-b:v', bitrate, '-g', '25', '-c:a', 'aac', '-f', 'flv', file);
  const result = spawnSync(FFMPEG, args, { timeout: 120_000 });
  if (result.status !== 0) throw new Error(`ffmpeg could not encode: ${result.stderr}`);
  return file;
}

/** Sends the file at real-time speed, looped (`-c copy`), until cut or stopped; `exited` resolves with when. */
export function pushFlv(file: string, url: string) {
  const child = spawn(
    FFMPEG,
    ['-hide_banner', '-loglevel', 'quiet', '-re', '-stream_loop', '-1', '-i', file, '-c', 'copy', '-f', 'flv', url],
    { stdio: 'ignore' },
  );
  const exited = new Promise<number>((resolve) => child.once('exit', () => resolve(Date.now())));
  return {
    child,
    exited,
    running: () => child.exitCode === null && child.signalCode === null,
    stop: () => child.kill('SIGKILL'),
  };
}
