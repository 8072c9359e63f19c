/**
 * npm run bench:api — the REST API's request rate through the service's whole HTTP layer, 16
 * keep-alive clients per scenario, each scenario for BENCH_SECONDS (default 10):
 *   healthz     GET /healthz (one database round trip: the HTTP layer's own cost shows most here)
 *   get         GET /api/v1/reservations/R-XXXX (bearer auth + one reservation)
 *   list        GET /api/v1/reservations?limit=20 (bearer auth + a page of 20)
 *   refused     POST /api/v1/reservations for a taken slot: body parsing, zod, the availability
 *               check and a 409 with alternatives
 *   not_found   GET of an unknown path: routing and the JSON error alone
 * BENCH_SCENARIOS=healthz,not_found runs only those.
 * The service is started as `npm start` assembles it (embedded PostgreSQL with fsync on, jobs on,
 * e-mail to files, streaming off), so the figures compare HTTP layers, not set-ups.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createToken } from '../src/app/tokens.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { startService } from '../src/main.js';
import { percentile, withBenchDatabase } from './support.js';

const CLIENTS = 16;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const HOUR = 3_600_000;

interface Call {
  method: string;
  path: string;
  body?: unknown;
  expect: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });

function send(base: URL, token: string, call: Call): Promise<number> {
  const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: call.method,
        path: call.path,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function scenario(base: URL, token: string, call: Call) {
  const latencies: number[] = [];
  const until = Date.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (Date.now() < until) {
        const sent = performance.now();
        const status = await send(base, token, call);
        latencies.push(performance.now() - sent);
        if (status !== call.expect) throw new Error(`${call.method} ${call.path}: ${status}, expected ${call.expect}`);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main() {
  await withBenchDatabase(async (databaseUrl) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'slotcast-bench-api-'));
    const config = loadConfig({
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      STREAMING: 'off',
      LOG_LEVEL: 'error',
    });
    const service = await startService(config, silentLogger);
    try {
      const created = await createToken(service.deps.db, { name: 'bench-admin', admin: true });
      if (!created.ok) throw new Error(created.message);
      const token = created.value.token;
      const base = new URL(service.url!);

      const server = {
        name: 'bench-1',
        ingestBaseUrl: 'rtmp://bench.example/live',
        playbackBaseUrl: 'https://bench.example/watch',
      };
      if ((await send(base, token, { method: 'POST', path: '/api/v1/servers', body: server, expect: 201 })) !== 201) {
        throw new Error('could not add the bench server');
      }
      const start = Math.ceil(Date.now() / HOUR) * HOUR + 48 * HOUR;
      const reservation = (hour: number) => ({
        server: server.name,
        title: `Bench ${hour}`,
        startsAt: new Date(start + hour * HOUR).toISOString(),
        endsAt: new Date(start + (hour + 1) * HOUR).toISOString(),
        emails: ['viewer@bench.example'],
      });
      const codes: string[] = [];
      for (let hour = 0; hour < 40; hour++) {
        codes.push(await post(base, token, reservation(hour)));
      }

      const calls: Record<string, Call> = {
        healthz: { method: 'GET', path: '/healthz', expect: 200 },
        get: { method: 'GET', path: `/api/v1/reservations/${codes[7]}`, expect: 200 },
        list: { method: 'GET', path: '/api/v1/reservations?limit=20', expect: 200 },
        refused: { method: 'POST', path: '/api/v1/reservations', body: reservation(3), expect: 409 },
        not_found: { method: 'GET', path: '/api/v1/nothing-here', expect: 404 },
      };
      console.log(`bench:api — ${CLIENTS} keep-alive clients, ${SECONDS} s per scenario`);
      console.log('scenario    req/s    p50 ms   p99 ms');
      const only = process.env.BENCH_SCENARIOS?.split(',');
      for (const [name, call] of Object.entries(calls)) {
        if (only && !only.includes(name)) continue;
        const result = await scenario(base, token, call);
        console.log(
          `${name.padEnd(10)} ${result.perSecond.toFixed(0).padStart(6)} ${result.p50.toFixed(2).padStart(9)} ${result.p99.toFixed(2).padStart(8)}`,
        );
      }
    } finally {
      agent.destroy();
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

async function post(base: URL, token: string, body: unknown): Promise<string> {
  const response = await fetch(new URL('/api/v1/reservations', base), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201)
    throw new Error(`creating a bench reservation: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { reservation: { code: string } }).reservation.code;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
