/**
 * The nginx-rtmp kind with real streams (issue 9): the whole service, a real nginx with
 * libnginx-mod-rtmp running exactly the configuration `slotcast nginx-config` prints, ffmpeg
 * publishing to the ingest URL the API gives the organizer, viewers fetching HLS through nginx's
 * auth_request, real SMTP for the organizer's notices. Windows are seconds long and the buffer
 * 1 s; the test waits on conditions, never on a guess.
 */
import { spawn } from 'node:child_process';
import { addServer } from '../../../src/app/servers.js';
import { SYSTEM_ACTOR } from '../../../src/app/lifecycle.js';
import { createToken } from '../../../src/app/tokens.js';
import { viewerToken } from '../../../src/domain/viewer-token.js';
import { createLogger } from '../../../src/log.js';
import { waitFor } from '../../support/fixtures.js';
import type { Ports, TestNginx } from '../../support/nginx.js';
import { freePort } from '../../../src/store/embedded.js';
import { freePorts, hasNginx, nginxTest, parseTs, startNginx } from '../../support/nginx.js';
import type { TestService } from '../../support/service.js';
import { startTestService } from '../../support/service.js';
import type { TestSmtp } from '../../support/smtp.js';
import { startTestSmtp } from '../../support/smtp.js';
import { FFMPEG } from '../../support/stream.js';
import { apiClient } from '../../support/api.js';
import { liveHelpers } from '../../support/live.js';

const BUFFER_MS = 1_000;
const ORGANIZER = 'organizer@example.org';
let smtp: TestSmtp;
let world: TestService;
let nginx: TestNginx;
let ports: Ports;
let hookSecret = '';
let token = '';
const logLines: string[] = [];
const secrets = new Set<string>();

beforeAll(async () => {
  if (!hasNginx) return;
  smtp = await startTestSmtp();
  // A fixed port: nginx's hook URLs must reach the service again after it restarts.
  const port = await freePort();
  world = await startTestService(
    { SMTP_URL: smtp.url, STREAMING: 'off', PORT: String(port), LOG_LEVEL: 'debug' },
    createLogger({ level: 'debug', format: 'json', write: (line) => logLines.push(line) }),
  );
  const created = await createToken(world.db.prisma, { name: 'organizer', admin: false, email: ORGANIZER });
  if (!created.ok) throw new Error(created.message);
  token = created.value.token;
  secrets.add(token);
  ports = await freePorts();
  const added = await addServer(world.service.deps, SYSTEM_ACTOR, {
    name: 'nginx',
    kind: 'nginx_rtmp',
    ingestBaseUrl: `rtmp://127.0.0.1:${ports.rtmp}/live`,
    playbackBaseUrl: `${world.service.url}/watch`,
    controlUrl: `http://127.0.0.1:${ports.control}/control`,
    mediaBaseUrl: `http://127.0.0.1:${ports.http}/hls`,
    capacity: 10,
    bufferSeconds: BUFFER_MS / 1_000,
    active: true,
  });
  if (!added.ok) throw new Error(added.message);
  const server = await world.db.prisma.distributionServer.findUniqueOrThrow({ where: { name: 'nginx' } });
  hookSecret = server.hookSecret;
  secrets.add(hookSecret);
  // Added after the service started: it is found on nginx's first hook call.
  nginx = await startNginx(server, ports, {
    slotcastUrl: world.service.url!,
    fragmentSeconds: 1,
    playlistSeconds: 3,
    updateSeconds: 1,
  });
}, 60_000);

afterAll(async () => {
  await stopPublishers();
  await nginx?.stop();
  await world?.close();
  await smtp?.close();
});

const base = () => world.service.url!;

const api = apiClient(base, () => token);

const { book, ingestOf, start, stopPublishers, status, sessionsOf, windowOpen, gate, tokenKey } = liveHelpers({
  world: () => world,
  api,
  server: 'nginx',
  title: 'Live on nginx',
  bufferMs: BUFFER_MS,
  secrets,
});
const mailsTo = (subject: RegExp) => smtp.to(ORGANIZER).filter((mail) => subject.test(mail.parsed.subject ?? ''));
const hls = (code: string, credential: string, file = 'index.m3u8') =>
  `http://127.0.0.1:${ports.http}/hls/${code}/${credential}/${file}`;
const tokenSegment = (viewer: string) => `t.${viewer}`;
const passcodeSegment = (passcode: string) => `p.${Buffer.from(passcode).toString('base64url')}`;

/** The playlist once it lists a segment, and that segment parsed as MPEG-TS. */
async function watchHls(code: string, credential: string) {
  const playlist = await waitFor(
    async () => {
      const response = await fetch(hls(code, credential));
      const text = await response.text();
      return response.status === 200 && /\d+\.ts/.test(text) ? text : undefined;
    },
    15_000,
    250,
  );
  const segment = playlist.split('\n').find((line) => line.endsWith('.ts'))!;
  const response = await fetch(hls(code, credential, segment));
  expect(response.status).toBe(200);
  return { playlist, ts: parseTs(Buffer.from(await response.arrayBuffer())) };
}

/** A refused HLS request: its status, and whether any stream bytes came (a TS sync byte). */
async function refusedHls(code: string, credential: string) {
  const response = await fetch(hls(code, credential));
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, stream: body[0] === 0x47 || body.toString('latin1').includes('#EXTM3U') };
}

/** RTMP play through nginx's on_play for a second: the FLV bytes ffmpeg received. */
function playRtmp(url: string): Promise<{ code: number | null; bytes: Buffer }> {
  const child = spawn(
    FFMPEG,
    ['-hide_banner', '-loglevel', 'error', '-i', url, '-t', '1', '-c', 'copy', '-f', 'flv', 'pipe:1'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, bytes: Buffer.concat(chunks) });
    }),
  );
}

nginxTest(
  "GIVEN a hook call without the server's secret THEN it is refused (403) and logged without the secret",
  async () => {
    const form = { app: 'live', name: 'sk_whatever', addr: '127.0.0.1', clientid: '9', call: 'publish' };
    for (const secret of ['', 'x'.repeat(64), hookSecret.slice(0, -1)]) {
      const response = await fetch(`${base()}/hooks/nginx-rtmp/${secret}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
      expect([403, 404]).toContain(response.status);
      if (secret) expect(response.status).toBe(403);
    }
    const hlsCall = await fetch(`${base()}/hooks/nginx-rtmp/${'y'.repeat(64)}/hls`);
    expect(hlsCall.status).toBe(403);
    expect(logLines.some((line) => line.includes('hook call refused: unknown secret'))).toBe(true);
  },
);

nginxTest('GIVEN a key no reservation has THEN nginx refuses the publish', async () => {
  await book(60_000, 5_000);
  const wrong = start(`rtmp://127.0.0.1:${ports.rtmp}/live/sk_${'x'.repeat(32)}`);
  const exit = await wrong.exited;
  expect(exit.code).not.toBe(0);
  await waitFor(async () =>
    (await world.db.prisma.auditEntry.findMany({ where: { action: 'publish_refused', reservationId: null } })).some(
      (a) => (a.details as { reason: string }).reason === 'unknown_key',
    ),
  ).catch((error: Error) => {
    // Seen once in a full run and not reproduced: say what nginx, ffmpeg and the hooks did.
    const hooks = logLines.filter((line) => /hook|publish/.test(line)).slice(-10);
    throw new Error(
      `${error.message}\nffmpeg: ${exit.stderr}\nnginx: ${nginx.output().slice(-2_000)}\n${hooks.join('\n')}`,
    );
  });
  expect(await world.db.prisma.publishSession.count()).toBe(0);
});

nginxTest(
  'GIVEN a permitted reservation in its window THEN its key is refused and the organizer told to reconfirm',
  async () => {
    const booked = await book(1_200, 5_000, { reconfirm: false });
    await windowOpen(booked);
    expect((await start(ingestOf(booked)).exited).code).not.toBe(0);
    await waitFor(() => mailsTo(/Stream refused/).some((mail) => /reconfirm first/i.test(mail.parsed.text ?? '')));
    expect(await sessionsOf(booked)).toHaveLength(0);
    // The refusal made nothing live; never reconfirmed, it lapses at its start (which a slow run may reach).
    expect(['permitted', 'lapsed']).toContain(await status(booked));
  },
);

nginxTest(
  "GIVEN an nginx-rtmp stream in its window THEN the service's own HTTP-FLV route answers 404 with the right passcode, and records no viewer",
  async () => {
    // Long enough that the window is still open on a loaded machine; cancelled after, to free the slot.
    const booked = await book(1_200, 120_000);
    await windowOpen(booked);
    const notHere = await fetch(`${base()}/live/${booked.code}.flv?passcode=${encodeURIComponent(booked.passcode)}`);
    expect(notHere.status).toBe(404);
    await gate().settled();
    expect(await world.db.prisma.viewerSession.count({ where: { reservationId: booked.id } })).toBe(0);
    expect((await api('POST', `/reservations/${booked.id}/cancel`, {})).status).toBe(200);
  },
);

nginxTest(
  'the rightful stream through nginx: refused before the window, admitted in it and live within a second, a second publisher refused, HLS and RTMP viewers by token and passcode, strangers nothing, cut within a second of end + buffer, completed, told once each',
  async () => {
    const booked = await book(4_000, 5_000, { emails: ['ann@example.org', 'bob@example.org'] });
    const key = await tokenKey();
    const ann = viewerToken(key, booked.id, 'ann@example.org');
    const bob = viewerToken(key, booked.id, 'bob@example.org');
    secrets.add(ann);
    secrets.add(bob);
    expect((await api('PATCH', `/reservations/${booked.id}`, { emails: ['ann@example.org'] })).status).toBe(200);

    // Too early: refused, and told once.
    expect((await start(ingestOf(booked)).exited).code).not.toBe(0);
    await waitFor(() => mailsTo(/Stream refused/).some((mail) => /the slot opens at/.test(mail.parsed.text ?? '')));

    // In the window: admitted, and live within a second of the admission.
    await windowOpen(booked);
    const rightful = start(ingestOf(booked));
    await waitFor(async () => (await gate().publishersOf(booked.id)).length === 1, 10_000);
    const admittedAt = Date.now();
    await waitFor(async () => (await status(booked)) === 'live', 1_000);
    expect(Date.now() - admittedAt).toBeLessThan(1_000);

    // A second publisher with the same key: refused while the first streams on.
    const second = start(ingestOf(booked));
    expect((await second.exited).code).not.toBe(0);
    expect(rightful.child.exitCode).toBeNull();
    expect(await gate().publishersOf(booked.id)).toHaveLength(1);

    // HLS by personal token and by passcode: MPEG-TS with H.264, and no stream key in any URL.
    for (const credential of [tokenSegment(ann), passcodeSegment(booked.passcode)]) {
      const { playlist, ts } = await watchHls(booked.code, credential);
      expect(playlist).not.toContain(booked.ingest.streamKey);
      expect(ts.packets).toBeGreaterThan(10);
      expect(ts.streamTypes).toContain(0x1b);
      expect(ts.h264).toBe(true);
    }
    // RTMP play under the code: the token opens it, nothing else does.
    const played = await playRtmp(`rtmp://127.0.0.1:${ports.rtmp}/live/${booked.code}?t=${ann}`);
    expect(played.bytes.subarray(0, 3).toString('latin1')).toBe('FLV');
    const strangerPlay = await playRtmp(`rtmp://127.0.0.1:${ports.rtmp}/live/${booked.code}`);
    expect(strangerPlay.bytes.length).toBe(0);

    // None, wrong, a removed invitee's token: 401/403 and not a byte of the stream.
    for (const [credential, expected] of [
      ['none', 401],
      [passcodeSegment('WRONGWRONG'), 403],
      [tokenSegment('A'.repeat(22)), 403],
      [tokenSegment(bob), 403],
    ] as const) {
      expect({ credential, ...(await refusedHls(booked.code, credential)) }).toEqual({
        credential,
        status: expected,
        stream: false,
      });
    }
    // A segment asked for directly without credentials: refused too.
    expect((await fetch(hls(booked.code, 'none', '0.ts'))).status).toBe(401);

    // The watch page plays HLS from nginx: the URL carries the token, never the key; the CSP allows nginx's origin.
    const page = await fetch(`${base()}/watch/${booked.code}?t=${ann}`);
    const html = await page.text();
    expect(html).toContain(hls(booked.code, tokenSegment(ann)));
    expect(html).not.toContain(booked.ingest.streamKey);
    expect(page.headers.get('content-security-policy')).toContain(`http://127.0.0.1:${ports.http}`);

    // End + buffer: cut within a second, completed.
    const closesAt = booked.endsAt.getTime() + BUFFER_MS;
    const exit = await rightful.exited;
    expect(exit.at).toBeGreaterThanOrEqual(closesAt);
    expect(exit.at - closesAt).toBeLessThan(1_000);
    await waitFor(async () => (await status(booked)) === 'completed');
    expect((await sessionsOf(booked))[0]).toMatchObject({ endReason: 'window_ended' });
    expect((await refusedHls(booked.code, tokenSegment(ann))).status).toBe(403);

    // Told once per reason; one attendance summary naming Ann.
    await waitFor(() => mailsTo(/Who watched/).length === 1);
    expect(mailsTo(/Who watched/)[0]!.parsed.text).toMatch(/ann@example\.org/);
    const notices = await world.db.prisma.notification.findMany({
      where: { reservationId: booked.id, event: { in: ['publish_refused', 'attendance_summary'] } },
    });
    expect(notices.filter((n) => n.event === 'attendance_summary')).toHaveLength(1);
    expect(
      notices
        .filter((n) => n.event === 'publish_refused')
        .map((n) => (n.payload as { refusal: { reason: string } }).refusal.reason)
        .sort(),
    ).toEqual(['already_publishing', 'too_early']);
  },
  90_000,
);

nginxTest(
  'GIVEN a live stream on nginx WHEN the organizer cancels THEN it is cut at once and HLS opens no more',
  async () => {
    const booked = await book(1_200, 60_000, { emails: ['carol@example.org'] });
    const carol = viewerToken(await tokenKey(), booked.id, 'carol@example.org');
    secrets.add(carol);
    await windowOpen(booked);
    const streaming = start(ingestOf(booked));
    await waitFor(async () => (await status(booked)) === 'live', 10_000);
    await watchHls(booked.code, tokenSegment(carol));
    const cancelledAt = Date.now();
    expect((await api('POST', `/reservations/${booked.id}/cancel`, { reason: 'Speaker is ill' })).status).toBe(200);
    const exit = await streaming.exited;
    expect(exit.at - cancelledAt).toBeLessThan(1_000);
    await waitFor(async () => (await sessionsOf(booked))[0]?.endReason === 'cancelled');
    for (const credential of [tokenSegment(carol), passcodeSegment(booked.passcode)])
      expect(await refusedHls(booked.code, credential)).toEqual({ status: 403, stream: false });
    await waitFor(
      async () =>
        (await world.db.prisma.notification.count({
          where: { reservationId: booked.id, event: 'attendance_summary' },
        })) === 1,
    );
  },
);

nginxTest(
  'GIVEN a live stream on nginx WHEN the service restarts THEN its session is taken back or ended, never lost; a reconnect is admitted, and nothing is told twice',
  async () => {
    const booked = await book(1_200, 60_000);
    await windowOpen(booked);
    const before = start(ingestOf(booked));
    await waitFor(async () => (await status(booked)) === 'live', 10_000);
    const noticesBefore = await world.db.prisma.notification.count({ where: { reservationId: booked.id } });

    await world.restart();
    // nginx's publisher outlives the service when no update call fell while it was down (nginx
    // takes an unreachable Slotcast as a refusal and drops the publisher; how long the restart
    // takes decides which): taken back, it is confirmed by the next update and still plays.
    // Dropped, its end (publish_done, sent while the service was down) is lost, and the gate
    // lets it go after its grace. Either way the session is accounted for, and nothing blocks the
    // organizer's reconnect.
    await waitFor(
      async () => (await gate().publishersOf(booked.id)).length === 1 || before.child.exitCode !== null,
      10_000,
    );
    if (before.child.exitCode === null) {
      await watchHls(booked.code, passcodeSegment(booked.passcode));
      await before.stop();
    }
    await waitFor(async () => (await sessionsOf(booked))[0]?.endedAt != null, 20_000);
    expect(['disconnected', 'gone']).toContain((await sessionsOf(booked))[0]!.endReason);

    // The reconnect inside the window: admitted again.
    const after = start(ingestOf(booked));
    await waitFor(async () => (await sessionsOf(booked)).length === 2, 10_000);
    await waitFor(async () => (await gate().publishersOf(booked.id)).length === 1);
    expect(await status(booked)).toBe('live');
    expect(await world.db.prisma.auditEntry.count({ where: { reservationId: booked.id, action: 'started' } })).toBe(1);
    expect(await world.db.prisma.notification.count({ where: { reservationId: booked.id } })).toBe(noticesBefore);
    await after.stop();
  },
  60_000,
);

nginxTest('GIVEN more than 10 wrong tries a minute from one address THEN HLS answers 429', async () => {
  const booked = await book(60_000, 5_000);
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await refusedHls(booked.code, passcodeSegment(`WRONG${i}`))).status);
  expect(statuses.at(-1)).toBe(429);
  expect(statuses.filter((s) => s !== 403 && s !== 429)).toEqual([]);
});

nginxTest('no secret reaches a log line: stream keys, passcodes, viewer tokens, hook secret', async () => {
  await gate().settled();
  const everything = logLines.join('\n');
  for (const secret of secrets) expect(everything).not.toContain(secret);
  expect(everything).toContain('publish refused');
});
