/**
 * An HLS viewer as a player behaves (hls.js, Safari): it fetches the playlist every fragment's
 * length and each segment the playlist lists that it has not fetched yet, from its own address.
 * Each viewer has a loopback address of its own (127.0.0.0/8 is all loopback on Linux), so nginx
 * tells Slotcast a different X-Real-IP per viewer — as for people on different networks — and
 * wrong-try limits of one test never reach another's.
 */
import { request } from 'node:http';

export interface HlsResponse {
  status: number;
  body: Buffer;
}

/** GET from `localAddress`: the whole body (HLS files are small). */
export function getFrom(url: string, localAddress: string, timeoutMs = 10_000): Promise<HlsResponse> {
  return new Promise((resolve, reject) => {
    const call = request(url, { localAddress, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    call.on('timeout', () => call.destroy(new Error(`GET ${new URL(url).pathname.split('/')[2]} timed out`)));
    call.on('error', reject);
    call.end();
  });
}

export interface HlsViewer {
  /** Every request's file and status, in order. */
  requests: Array<{ file: string; status: number; at: number }>;
  /** Segments received (status 200). */
  segments(): number;
  stop(): Promise<void>;
}

/**
 * Starts fetching at once and keeps on until `stop`. `url(file)` builds the URL of the playlist
 * (`index.m3u8`) or a segment (`N.ts`) with the viewer's credential.
 */
export function watchHls(url: (file: string) => string, localAddress: string, everyMs = 1_000): HlsViewer {
  const requests: HlsViewer['requests'] = [];
  const fetched = new Set<string>();
  let stopped = false;
  const get = async (file: string) => {
    const answer = await getFrom(url(file), localAddress).catch(() => ({ status: 0, body: Buffer.alloc(0) }));
    requests.push({ file, status: answer.status, at: Date.now() });
    return answer;
  };
  const loop = (async () => {
    while (!stopped) {
      const playlist = await get('index.m3u8');
      if (playlist.status === 200) {
        const listed = playlist.body
          .toString('utf8')
          .split('\n')
          .filter((line) => /^\d+\.ts$/.test(line.trim()));
        for (const segment of listed) {
          if (stopped || fetched.has(segment)) continue;
          if ((await get(segment)).status === 200) fetched.add(segment);
        }
      }
      // A player's own cadence (the fragment length), not a wait for something to happen.
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    requests,
    segments: () => requests.filter((r) => r.file.endsWith('.ts') && r.status === 200).length,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
