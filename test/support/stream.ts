/**
 * Real streams for tests and benchmarks: ffmpeg publishes a test pattern with sound over RTMP,
 * and an HTTP-FLV reader parses what a viewer receives into FLV tags.
 *
 * ffmpeg is the npm package's (@ffmpeg-installer/ffmpeg, which ships the binary), or Debian's
 * /usr/bin/ffmpeg when the package's is not there.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { accessSync, chmodSync, constants } from 'node:fs';
import { createRequire } from 'node:module';

function findFfmpeg(): string {
  try {
    const path = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    try {
      accessSync(path, constants.X_OK);
    } catch {
      // Its install script only does this; npm may have skipped it.
      chmodSync(path, 0o755);
    }
    return path;
  } catch {
    accessSync('/usr/bin/ffmpeg', constants.X_OK);
    return '/usr/bin/ffmpeg';
  }
}

export const FFMPEG = findFfmpeg();

export interface Publisher {
  child: ChildProcess;
  /** Resolves when ffmpeg has exited, however: done, refused or cut. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number; stderr: string }>;
  stop(): Promise<void>;
}

/** Publishes `seconds` of 320×240 H.264 + AAC at real-time speed to `url` (rtmp://…/live/KEY). */
export function publish(url: string, seconds = 60): Publisher {
  const child = spawn(
    FFMPEG,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x240:rate=15',
      '-f',
      'lavfi',
      '-i',
      'sine',
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-tune',
      'zerolatency',
      '-g',
      '15',
      '-c:a',
      'aac',
      '-f',
      'flv',
      url,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number; stderr: string }>(
    (resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now(), stderr })),
  );
  return {
    child,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface FlvTag {
  /** 8 audio, 9 video, 18 script data. */
  type: number;
  /** Video tags: 7 is H.264 (AVC). Audio tags: 10 is AAC. */
  codecId: number;
  /** Video: 1 key frame, 2 inter frame. */
  frameType: number;
  timestamp: number;
  size: number;
}

export interface FlvRead {
  status: number;
  contentType: string | null;
  /** True when the body began with the FLV signature. */
  flv: boolean;
  tags: FlvTag[];
  /** Bytes of body received. */
  bytes: number;
  /** The body as text when it was not FLV (an error's JSON). */
  text: string;
}

/**
 * Reads an HTTP-FLV response until `videoTags` H.264 video tags arrived (or the body ended, or
 * `timeoutMs` passed), then disconnects. Non-FLV bodies are read whole.
 */
export async function readFlv(url: string, options: { videoTags?: number; timeoutMs?: number } = {}): Promise<FlvRead> {
  const wanted = options.videoTags ?? 5;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 20_000);
  const result: FlvRead = { status: 0, contentType: null, flv: false, tags: [], bytes: 0, text: '' };
  try {
    const response = await fetch(url, { signal: controller.signal });
    result.status = response.status;
    result.contentType = response.headers.get('content-type');
    const reader = response.body!.getReader();
    let buffer = Buffer.alloc(0);
    let offset = 0;
    let headerDone = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      result.bytes += value.length;
      buffer = Buffer.concat([buffer, Buffer.from(value)]);
      if (!headerDone) {
        if (buffer.length < 3) continue;
        if (buffer.subarray(0, 3).toString('latin1') !== 'FLV') {
          result.text = buffer.toString('utf8');
          continue;
        }
        if (buffer.length < 13) continue;
        result.flv = true;
        headerDone = true;
        offset = buffer.readUInt32BE(5) + 4; // header, then PreviousTagSize0
      }
      while (result.flv && buffer.length >= offset + 11) {
        const type = buffer[offset]! & 0x1f;
        const size = buffer.readUIntBE(offset + 1, 3);
        if (buffer.length < offset + 11 + size + 4) break;
        const timestamp = buffer.readUIntBE(offset + 4, 3) | (buffer[offset + 7]! << 24);
        const first = size > 0 ? buffer[offset + 11]! : 0;
        result.tags.push({
          type,
          size,
          timestamp,
          codecId: type === 9 ? first & 0x0f : type === 8 ? first >> 4 : 0,
          frameType: type === 9 ? first >> 4 : 0,
        });
        offset += 11 + size + 4;
      }
      if (result.tags.filter((tag) => tag.type === 9 && tag.codecId === 7).length >= wanted) break;
    }
    controller.abort();
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    clearTimeout(timer);
  }
  return result;
}

/** H.264 video tags among what was read. */
export const h264Tags = (read: FlvRead) => read.tags.filter((tag) => tag.type === 9 && tag.codecId === 7);
