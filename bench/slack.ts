/**
 * npm run bench:slack — how fast the Slack app answers, measured at the service's HTTP server:
 *   /reserve         from receipt to the ack (HTTP 200), and to the views.open call reaching Slack
 *   view_submission  from receipt to the ack, which carries the result (one requestReservation)
 * 50 concurrent signed requests per round against the fake Slack Web API, real Bolt, embedded
 * PostgreSQL (fsync on). Slack allows 3 s; the goal is p99 < 300 ms.
 */
import { createChatPort } from '../src/chat/port.js';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { closeApp, createHttpApp, listen } from '../src/http/app.js';
import { silentLogger } from '../src/log.js';
import { buildDeps } from '../src/main.js';
import { slackPlatform } from '../src/slack/index.js';
import { openDb } from '../src/store/client.js';
import { startEmbeddedPostgres } from '../src/store/embedded.js';
import { migrate } from '../src/store/migrate.js';
import { startFakeSlack } from '../test/support/fake-slack.js';
import { formValues } from '../test/support/slack-harness.js';
import { sendSlashCommand, sendViewSubmission } from '../test/support/slack-signing.js';

const CONCURRENCY = 50;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const HOUR = 3_600_000;
const SECRET = 'bench-signing-secret';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'slotcast-bench-slack-'));
  chmodSync(dataDir, 0o755);
  const embedded = await startEmbeddedPostgres(dataDir, silentLogger, 'bench');
  const fake = await startFakeSlack();
  try {
    await migrate(embedded.url);
    const db = openDb(embedded.url, { max: 20 });
    // The service's own dependencies; a longer horizon leaves room for tens of thousands of bookings.
    const deps = buildDeps(loadConfig({ DATABASE_URL: embedded.url, BOOKING_HORIZON: '400d' }), db, silentLogger);
    const server = await db.prisma.distributionServer.create({
      data: {
        name: 'bench',
        ingestBaseUrl: 'rtmp://in.example.org/live',
        playbackBaseUrl: 'https://watch.example.org/hls',
        capacity: 1000,
      },
    });
    const config = loadConfig({
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_API_URL: fake.apiUrl,
      DATABASE_URL: embedded.url,
    });
    const platform = (await slackPlatform({ config, chat: createChatPort(deps), log: silentLogger }))!;

    // Receipt time per request, keyed by a header the bench adds; the ack is the response's finish.
    const receivedAt = new Map<string, number>();
    const ackedAt = new Map<string, number>();
    const http = await createHttpApp(silentLogger);
    http.addHook('onRequest', async (request, reply) => {
      const id = String(request.headers['x-bench-id']);
      receivedAt.set(id, Date.now());
      // Bolt answers on the raw response (the route hands it over): its finish is the ack.
      reply.raw.on('finish', () => ackedAt.set(id, Date.now()));
    });
    if (platform.routes) await http.register(platform.routes);
    const { port } = await listen(http, 0, '127.0.0.1');
    const eventsUrl = `http://127.0.0.1:${port}/slack/events`;

    const samples = { ack: [] as number[], open: [] as number[], submit: [] as number[] };
    let slot = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      const measured = round > 0; // round 0 warms up the JIT, the pools and the caches
      const commands = await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, i) => {
          const id = `c${round}-${i}`;
          const sign = { signingSecret: SECRET, extraHeaders: { 'X-Bench-Id': id } };
          const res = await sendSlashCommand(
            eventsUrl,
            { command: '/reserve', triggerId: id, userId: `U0BENCH${i}` },
            sign,
          );
          if (res.status !== 200) throw new Error(`/reserve answered ${res.status}`);
          const open = await fake.waitForCall('views.open', (call) => call.args.trigger_id === id, 10_000);
          return { ack: ackedAt.get(id)! - receivedAt.get(id)!, open: open.receivedAt.getTime() - receivedAt.get(id)! };
        }),
      );
      const submissions = await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, i) => {
          const id = `s${round}-${i}`;
          const start = Math.floor((Date.now() + 48 * HOUR + slot++ * HOUR) / 60_000) * 60;
          const sign = { signingSecret: SECRET, extraHeaders: { 'X-Bench-Id': id } };
          const values = formValues({
            serverId: server.id,
            startsAt: start,
            endsAt: start + 3600,
            emails: 'viewer@example.org',
          });
          const res = await sendViewSubmission(
            eventsUrl,
            { view: { id: `VBENCH${id}`, callbackId: 'reserve_new', values }, userId: `U0BENCH${i}` },
            sign,
          );
          if (!res.body.includes('"Requested"')) throw new Error(`submission not permitted: ${res.body.slice(0, 200)}`);
          return ackedAt.get(id)! - receivedAt.get(id)!;
        }),
      );
      if (!measured) continue;
      samples.ack.push(...commands.map((c) => c.ack));
      samples.open.push(...commands.map((c) => c.open));
      samples.submit.push(...submissions);
    }

    const row = (what: string, until: string, values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const cell = (ms: number) => `${ms.toFixed(0)} ms`.padStart(8);
      console.log(
        `| ${what.padEnd(16)} | ${until.padEnd(22)} | ${String(sorted.length).padStart(4)} | ${cell(percentile(sorted, 50))} | ${cell(percentile(sorted, 99))} | ${cell(sorted.at(-1) ?? NaN)} |`,
      );
    };
    console.log(
      `bench:slack — ${CONCURRENCY} concurrent signed requests per round, ${ROUNDS} rounds (+1 warm-up), real Bolt, fake Slack Web API, embedded PostgreSQL`,
    );
    console.log(`| request          | from receipt to        |    n |      p50 |      p99 |      max |`);
    console.log(`|------------------|------------------------|------|----------|----------|----------|`);
    row('/reserve', 'ack (HTTP 200)', samples.ack);
    row('/reserve', 'views.open at Slack', samples.open);
    row('view_submission', 'ack with the result', samples.submit);
    const reservations = await db.prisma.reservation.count();
    console.log(`reservations made: ${reservations} of ${(ROUNDS + 1) * CONCURRENCY} submissions`);

    await closeApp(http);
    await platform.stop();
    await db.close();
  } finally {
    await fake.close();
    await embedded.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
