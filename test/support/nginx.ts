/**
 * Real nginx with libnginx-mod-rtmp for the nginx-rtmp tests: started with exactly the
 * configuration `slotcast nginx-config` prints (src/stream/nginx-rtmp/config.ts), in a directory of
 * its own, on free ports. Where nginx or the module is not installed, the tests are skipped and
 * recorded (test/support/skipped.ts); `.ci/run` installs them.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { NginxConfigOptions, NginxServer } from '../../src/stream/nginx-rtmp/config.js';
import { NGINX_DEFAULTS, nginxConfig } from '../../src/stream/nginx-rtmp/config.js';
import { waitFor } from './fixtures.js';
import { freePort } from '../../src/store/embedded.js';
import { portAnswers } from './ports.js';
import { recordSkipped } from './skipped.js';

/** SLOTCAST_NGINX names another binary (or a missing one, to see the skip line). */
export const NGINX = process.env.SLOTCAST_NGINX ?? '/usr/sbin/nginx';
export const hasNginx = existsSync(NGINX) && existsSync(NGINX_DEFAULTS.modulePath);
const MISSING = {
  what: existsSync(NGINX) ? NGINX_DEFAULTS.modulePath : NGINX,
  install: 'apt-get install -y nginx-light libnginx-mod-rtmp',
};

/** A test that needs nginx with the rtmp module: run, or skipped and recorded. */
export function nginxTest(name: string, fn: () => Promise<void>, timeoutMs = 60_000): void {
  if (hasNginx) {
    test(name, fn, timeoutMs);
    return;
  }
  recordSkipped(MISSING, `${basename(expect.getState().testPath ?? 'unknown')}: ${name}`);
  test.skip(name, fn);
}

export interface Ports {
  rtmp: number;
  http: number;
  control: number;
}

export async function freePorts(): Promise<Ports> {
  return { rtmp: await freePort(), http: await freePort(), control: await freePort() };
}

export interface TestNginx {
  child: ChildProcess;
  dir: string;
  config: string;
  /** What nginx wrote to stderr (its error log). */
  output: () => string;
  stop(): Promise<void>;
}

/** Starts nginx with the generated configuration; resolves once RTMP accepts connections. */
export async function startNginx(
  server: NginxServer,
  ports: Ports,
  options: Pick<NginxConfigOptions, 'slotcastUrl'> & Partial<NginxConfigOptions>,
): Promise<TestNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'slotcast-nginx-'));
  mkdirSync(join(dir, 'hls'));
  mkdirSync(join(dir, 'temp'));
  mkdirSync(join(dir, 'logs'));
  const config = nginxConfig(server, {
    rtmpListen: `127.0.0.1:${ports.rtmp}`,
    httpListen: `127.0.0.1:${ports.http}`,
    controlListen: `127.0.0.1:${ports.control}`,
    hlsDir: join(dir, 'hls'),
    pidFile: join(dir, 'nginx.pid'),
    tempDir: join(dir, 'temp'),
    // As root the workers would run as nobody, who cannot write into this private directory.
    ...(process.getuid?.() === 0 ? { user: 'root' } : {}),
    ...options,
  });
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, config);
  const child = spawn(NGINX, ['-p', dir, '-c', file, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${output}`);
      return portAnswers(ports.rtmp);
    },
    10_000,
    50,
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    child,
    dir,
    config,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What an MPEG-TS segment holds: packets well-formed, the PMT's stream types, an H.264 key frame seen. */
export interface TsRead {
  packets: number;
  streamTypes: number[];
  /** An H.264 SPS or IDR NAL unit in the video stream's payload. */
  h264: boolean;
}

/** Parses an MPEG-TS segment: 188-byte packets with 0x47 sync bytes; PAT → PMT → stream types. */
export function parseTs(data: Buffer): TsRead {
  const result: TsRead = { packets: 0, streamTypes: [], h264: false };
  let pmtPid = -1;
  let videoPid = -1;
  for (let at = 0; at + 188 <= data.length; at += 188) {
    if (data[at] !== 0x47) throw new Error(`no sync byte at ${at}`);
    result.packets += 1;
    const pid = ((data[at + 1]! & 0x1f) << 8) | data[at + 2]!;
    const start = (data[at + 1]! & 0x40) !== 0;
    const adaptation = (data[at + 3]! >> 4) & 0x3;
    let payload = at + 4;
    if (adaptation & 0x2) payload += 1 + data[at + 4]!;
    if (!(adaptation & 0x1) || payload >= at + 188) continue;
    const section = start ? payload + 1 + data[payload]! : payload;
    if (pid === 0 && start) {
      pmtPid = ((data[section + 10]! & 0x1f) << 8) | data[section + 11]!;
    } else if (pid === pmtPid && start) {
      const sectionLength = ((data[section + 1]! & 0x0f) << 8) | data[section + 2]!;
      const end = section + 3 + sectionLength - 4;
      const infoLength = ((data[section + 10]! & 0x0f) << 8) | data[section + 11]!;
      for (let entry = section + 12 + infoLength; entry + 5 <= end; ) {
        const type = data[entry]!;
        const elementaryPid = ((data[entry + 1]! & 0x1f) << 8) | data[entry + 2]!;
        result.streamTypes.push(type);
        if (type === 0x1b) videoPid = elementaryPid;
        entry += 5 + (((data[entry + 3]! & 0x0f) << 8) | data[entry + 4]!);
      }
    } else if (pid === videoPid && !result.h264) {
      const chunk = data.subarray(payload, at + 188);
      for (let i = 0; i + 3 < chunk.length; i++) {
        if (chunk[i] === 0 && chunk[i + 1] === 0 && chunk[i + 2] === 1) {
          const nal = chunk[i + 3]! & 0x1f;
          if (nal === 7 || nal === 5) result.h264 = true;
        }
      }
    }
  }
  return result;
}
