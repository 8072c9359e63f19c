/**
 * Runs benchmark files one after another, each in a process of its own (`node --import tsx FILE`),
 * so that one that fails or crashes still lets the next run: `npm run bench:stream` is
 * bench/stream.ts (one service) then bench/fleet.ts (three). Exits non-zero when any did.
 * BENCH_FILE_TIMEOUT (seconds, default 1800) bounds each: past it the file gets SIGTERM (it stops
 * what it started), then SIGKILL 30 s later.
 */
import { spawn } from 'node:child_process';

const TIMEOUT_MS = Number(process.env.BENCH_FILE_TIMEOUT ?? 1_800) * 1_000;

function run(file: string): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  const kill = setTimeout(() => {
    console.error(`${file}: still running after ${TIMEOUT_MS / 1_000} s, stopping it`);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
  }, TIMEOUT_MS);
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      clearTimeout(kill);
      resolve(code ?? (signal ? 1 : 0));
    }),
  );
}

const files = process.argv.slice(2);
const failed: string[] = [];
for (const file of files) {
  const code = await run(file);
  if (code !== 0) failed.push(`${file} (exit ${code})`);
}
if (failed.length > 0) console.error(`failed: ${failed.join(', ')}`);
process.exit(failed.length > 0 ? 1 : 0);
