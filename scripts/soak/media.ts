/**
 * The soak's media clients: ffmpeg publishers that send a pre-encoded file with `-c copy` (no
 * encoding, to spare the two cores for the service) and reconnect as OBS does, HTTP-FLV viewers
 * that read until stopped and reconnect, and a counting limit on how many run at once.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { FFMPEG } from '../../test/support/stream.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Every ffmpeg this process started and has not seen end: killed on the way out, whatever happens. */
export const children = new Set<ChildProcess>();
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** A tiny H.264 + AAC FLV (one key frame a second, so nginx cuts 1 s HLS fragments). */
export function encodeSample(dir: string): string {
  const file = join(dir, 'sample.flv');
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=15'];
  args.push('-f', 'lavfi', '-i', 'sine', '-t', '10', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '100k');
  args.push('-g', '15', '-c:a', 'aac', '-b:a', '32k', '-f', 'flv', file);
  const result = spawnSync(FFMPEG, args);
  if (result.status !== 0) throw new Error(`ffmpeg could not encode the sample: ${result.stderr}`);
  return file;
}

/** How many may run at once (publishers, viewers): two cores. */
export class Limit {
  private used = 0;
  peak = 0;
  constructor(readonly size: number) {}
  tryTake(): boolean {
    if (this.used >= this.size) return false;
    this.used++;
    this.peak = Math.max(this.peak, this.used);
    return true;
  }
  give(): void {
    this.used--;
  }
}

export interface PublisherRun {
  /** ffmpeg processes started (the first and every reconnect). */
  starts: number;
  /** When each ffmpeg ended, and whether the soak itself ended it (a kick, the stop). */
  exits: Array<{ at: number; ours: boolean }>;
  /** Drops the current connection; the loop reconnects a second later (a reconnect). */
  kick(): void;
  stop(): Promise<void>;
}

/** Sends `file` looped at real-time speed to `url`; reconnects after each exit while `keepOn()` holds (30 at most). */
export function publishLoop(file: string, url: string, keepOn: () => boolean): PublisherRun {
  let current: ChildProcess | undefined;
  let stopped = false;
  let kicked = false;
  const run: PublisherRun = {
    starts: 0,
    exits: [],
    kick: () => {
      kicked = current !== undefined;
      current?.kill('SIGKILL');
    },
    stop: async () => {
      stopped = true;
      current?.kill('SIGKILL');
      await loop;
    },
  };
  const loop = (async () => {
    for (let attempt = 0; attempt < 30 && !stopped && keepOn(); attempt++) {
      const args = ['-hide_banner', '-loglevel', 'quiet', '-re', '-stream_loop', '-1', '-i', file];
      const child = spawn(FFMPEG, [...args, '-c', 'copy', '-f', 'flv', url], { stdio: 'ignore' });
      children.add(child);
      current = child;
      run.starts++;
      await new Promise<void>((resolve) => {
        const ended = () => {
          if (!children.delete(child)) return;
          run.exits.push({ at: Date.now(), ours: stopped || kicked });
          kicked = false;
          resolve();
        };
        child.once('exit', ended);
        // ffmpeg could not be started (its binary gone: node_modules reinstalled under a running
        // soak, seen here): counted as an exit and tried again, not an unhandled 'error' event.
        child.once('error', ended);
      });
      if (!stopped) await sleep(1_000);
    }
  })();
  return run;
}

export interface FlvViewerRun {
  bytes: number;
  /** Connections that received stream bytes. */
  connections: number;
  stop(): Promise<void>;
}

/** An HTTP-FLV viewer (VLC, mpegts.js) from `localAddress`: reads until stopped, reconnects a second after each end. */
export function watchFlv(url: string, localAddress: string): FlvViewerRun {
  let stopped = false;
  let abort: (() => void) | undefined;
  const run: FlvViewerRun = {
    bytes: 0,
    connections: 0,
    stop: async () => {
      stopped = true;
      abort?.();
      await loop;
    },
  };
  const once = () =>
    new Promise<void>((resolve) => {
      let counted = false;
      const call = request(url, { localAddress, timeout: 15_000 }, (response) => {
        response.on('data', (chunk: Buffer) => {
          if (response.statusCode !== 200) return;
          run.bytes += chunk.length;
          if (!counted) run.connections++;
          counted = true;
        });
        response.on('end', resolve);
        response.on('error', () => resolve());
        response.on('close', resolve);
      });
      abort = () => call.destroy();
      call.on('timeout', () => call.destroy());
      call.on('error', () => resolve());
      call.on('close', () => resolve());
      call.end();
    });
  const loop = (async () => {
    for (let attempt = 0; attempt < 200 && !stopped; attempt++) {
      await once();
      if (!stopped) await sleep(1_000);
    }
  })();
  return run;
}
