/**
 * A local fake of MediaMTX's control API (api/openapi.yaml), for the contract tests: it records
 * kicks (`POST /v3/<collection>/kick/<id>`) and lists as path sources the publishers a test says
 * MediaMTX has (`GET /v3/paths/list`).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMediamtxControl {
  url: string;
  kicks: Array<{ collection: string; id: string; at: number }>;
  /** Connection id → the path it publishes and its source type (`rtmpConn`, `srtConn`, …). */
  sources: Map<string, { path: string; type: string }>;
  /** How many times the path list was read: a test waits for the poll to have seen something. */
  listings(): number;
  close(): Promise<void>;
}

/** `now` stamps the kicks (a test that shifts its clock passes the shifted one). */
export async function startFakeMediamtxControl(now: () => number = Date.now): Promise<FakeMediamtxControl> {
  const kicks: FakeMediamtxControl['kicks'] = [];
  const sources: FakeMediamtxControl['sources'] = new Map();
  let listings = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const kick = /^\/v3\/(\w+)\/kick\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'POST' && kick) {
      const id = decodeURIComponent(kick[2]!);
      kicks.push({ collection: kick[1]!, id, at: now() });
      res.writeHead(sources.delete(id) ? 200 : 404, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    if (req.method === 'GET' && url.pathname === '/v3/paths/list') {
      const items = [...sources].map(([id, source]) => ({
        name: source.path,
        confName: '~^live/[^/]+$',
        source: { type: source.type, id },
        ready: true,
        readers: [],
      }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ pageCount: 1, itemCount: items.length, items }));
      listings += 1;
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    kicks,
    sources,
    listings: () => listings,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
