/**
 * The embedded kind with real streams (issue 9): the whole service as `npm start` runs it, with
 * node-media-server inside, ffmpeg publishing to the ingest URL the API gives the organizer,
 * viewers reading HTTP-FLV through the service's gate, real SMTP for the organizer's notices.
 * Windows are seconds long and the buffer 1 s, so the slots open and end while the test waits
 * for them (on conditions, never on a guess).
 */
import { finishReservation } from '../../../src/app/stream.js';
import { createToken } from '../../../src/app/tokens.js';
import { viewerToken } from '../../../src/domain/viewer-token.js';
import { createLogger } from '../../../src/log.js';
import type { TestService } from '../../support/service.js';
import { startTestService } from '../../support/service.js';
import type { TestSmtp } from '../../support/smtp.js';
import { startTestSmtp } from '../../support/smtp.js';
import { waitFor } from '../../support/fixtures.js';
import { h264Tags, readFlv } from '../../support/stream.js';
import { apiClient } from '../../support/api.js';
import type { Booked } from '../../support/live.js';
import { liveHelpers } from '../../support/live.js';

const BUFFER_MS = 1_000;
const ORGANIZER = 'organizer@example.org';
let smtp: TestSmtp;
let world: TestService;
let token = '';
const logLines: string[] = [];
const consoleLines: string[] = [];
/** Every secret the test saw, to look for in the logs at the end. */
const secrets = new Set<string>();

const originalLog = console.log;
beforeAll(async () => {
  // node-media-server logs to the console: it must not say a key either.
  console.log = (...args: unknown[]) => {
    consoleLines.push(args.map(String).join(' '));
    originalLog(...args);
  };
  smtp = await startTestSmtp();
  world = await startTestService(
    { SMTP_URL: smtp.url, EMBEDDED_BUFFER: '1s', STREAMING: 'embedded', LOG_LEVEL: 'debug' },
    createLogger({ level: 'debug', format: 'json', write: (line) => logLines.push(line) }),
  );
  const created = await createToken(world.db.prisma, { name: 'organizer', admin: false, email: ORGANIZER });
  if (!created.ok) throw new Error(created.message);
  token = created.value.token;
  secrets.add(token);
  // Several tests' slots overlap: the embedded server carries a few streams at once here.
  await world.db.prisma.distributionServer.update({ where: { name: 'embedded' }, data: { capacity: 10 } });
  world.service.deps.servers.invalidate();
}, 60_000);

afterAll(async () => {
  console.log = originalLog;
  await stopPublishers();
  await world?.close();
  await smtp?.close();
});

const base = () => world.service.url!;

const api = apiClient(base, () => token);

const { book, ingestOf, start, stopPublishers, status, sessionsOf, windowOpen, gate, tokenKey } = liveHelpers({
  world: () => world,
  api,
  server: 'embedded',
  title: 'Live test',
  bufferMs: BUFFER_MS,
  secrets,
});
/** The ingest URL as the API gives it now (the embedded server's port may change at a restart). */
const currentIngest = async (booked: Booked) => {
  const { body } = await api('GET', `/reservations/${booked.id}`);
  return `${body.reservation.ingest.url}/${body.reservation.ingest.streamKey}`;
};
const refusalsOf = (booked: Booked) =>
  world.db.prisma.auditEntry.findMany({ where: { reservationId: booked.id, action: 'publish_refused' } });
const watch = (booked: Booked, query: string, videoTags = 5) =>
  readFlv(`${base()}/live/${booked.code}.flv${query}`, { videoTags, timeoutMs: 15_000 });
const mailsTo = (subject: RegExp) => smtp.to(ORGANIZER).filter((mail) => subject.test(mail.parsed.subject ?? ''));

test('GIVEN a key no reservation has THEN the publish is refused and audited, and nothing is recorded as a session', async () => {
  const booked = await book(60_000, 5_000);
  const wrong = start(`${booked.ingest.url}/sk_${'x'.repeat(32)}`);
  const exit = await wrong.exited;
  expect(exit.code).not.toBe(0);
  await gate().settled();
  const audits = await world.db.prisma.auditEntry.findMany({
    where: { action: 'publish_refused', reservationId: null },
  });
  expect(audits.map((a) => (a.details as { reason: string }).reason)).toContain('unknown_key');
  expect(await world.db.prisma.publishSession.count()).toBe(0);
}, 60_000);

test('GIVEN a permitted reservation in its window THEN its key is refused (reconfirm first), and the organizer is told so', async () => {
  const booked = await book(1_500, 5_000, { reconfirm: false });
  await windowOpen(booked);
  expect((await start(ingestOf(booked)).exited).code).not.toBe(0);
  await waitFor(() => mailsTo(/Stream refused/).some((mail) => /reconfirm first/i.test(mail.parsed.text ?? '')));
  expect(await sessionsOf(booked)).toHaveLength(0);
  // The refusal made nothing live; never reconfirmed, it lapses at its start (which a slow run may reach).
  expect(['permitted', 'lapsed']).toContain(await status(booked));
}, 60_000);

test('the rightful stream, end to end: refused before the window (once told), admitted in it and live, a second publisher refused, viewers by token and passcode get H.264, strangers nothing, cut at end + buffer, completed, one attendance summary', async () => {
  const booked = await book(7_000, 5_000, { emails: ['ann@example.org', 'bob@example.org'] });
  const key = await tokenKey();
  const annToken = viewerToken(key, booked.id, 'ann@example.org');
  const bobToken = viewerToken(key, booked.id, 'bob@example.org');
  secrets.add(annToken);
  secrets.add(bobToken);

  // Bob is taken off the list: his token stops working (the reservation itself goes on).
  expect((await api('PATCH', `/reservations/${booked.id}`, { emails: ['ann@example.org'] })).status).toBe(200);

  // Too early, twice: refused both times, audited both times, told once.
  expect((await start(ingestOf(booked)).exited).code).not.toBe(0);
  expect((await start(ingestOf(booked)).exited).code).not.toBe(0);
  await waitFor(async () => (await refusalsOf(booked)).length === 2);
  await waitFor(() => mailsTo(/Stream refused/).some((mail) => /the slot opens at/.test(mail.parsed.text ?? '')));

  // Ann's personal link arrived with her invitation.
  await waitFor(() => smtp.to('ann@example.org').some((mail) => (mail.parsed.text ?? '').includes(`?t=${annToken}`)));

  // In the window: admitted, and the stream makes it live. The refused attempts block nothing.
  await windowOpen(booked);
  const rightful = start(ingestOf(booked));
  await waitFor(async () => (await status(booked)) === 'live', 15_000);
  expect(await sessionsOf(booked)).toHaveLength(1);

  // A second publisher with the same key while the first streams: refused; the first goes on.
  const second = start(ingestOf(booked));
  expect((await second.exited).code).not.toBe(0);
  await waitFor(async () =>
    (await refusalsOf(booked)).some((a) => (a.details as { reason: string }).reason === 'already_publishing'),
  );
  expect(await gate().publishersOf(booked.id)).toHaveLength(1);
  await waitFor(() =>
    mailsTo(/Stream refused/).some((mail) =>
      /someone else is already streaming with your key/.test(mail.parsed.text ?? ''),
    ),
  );

  // Viewers: a personal token and the passcode get H.264 in FLV.
  const byToken = await watch(booked, `?t=${annToken}`);
  expect(byToken).toMatchObject({ status: 200, flv: true, contentType: 'video/x-flv' });
  expect(h264Tags(byToken).length).toBeGreaterThanOrEqual(5);
  expect(h264Tags(byToken).some((tag) => tag.frameType === 1)).toBe(true);
  // A viewer still watching when the slot ends is ended with the stream; meanwhile another joins.
  const lingering = watch(booked, `?t=${annToken}`, 1_000_000);
  await waitFor(async () => (await gate().viewersOf(booked.id)) === 1);
  const byPasscode = await watch(booked, `?passcode=${booked.passcode}`);
  expect(byPasscode.flv).toBe(true);
  expect(h264Tags(byPasscode).length).toBeGreaterThanOrEqual(5);

  // No credentials, wrong ones, a removed invitee's token: 401/403 and not a byte of the stream.
  for (const [query, expected] of [
    ['', 401],
    ['?passcode=WRONGWRONG', 403],
    [`?t=${'A'.repeat(22)}`, 403],
    [`?t=${bobToken}`, 403],
  ] as const) {
    const refused = await watch(booked, query);
    expect({ query, status: refused.status, flv: refused.flv }).toEqual({ query, status: expected, flv: false });
    expect(refused.tags).toHaveLength(0);
  }

  // The watch page shows the status and the stream link, escaped.
  const page = await fetch(`${base()}/watch/${booked.code.toLowerCase()}?t=${annToken}`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain(`/live/${booked.code}.flv?t=${annToken}`);
  // Without credentials: 401, the passcode form, and no stream link.
  const asking = await fetch(`${base()}/watch/${booked.code}`);
  expect(asking.status).toBe(401);
  const askingHtml = await asking.text();
  expect(askingHtml).toMatch(/<input[^>]*passcode/i);
  expect(askingHtml).not.toContain('.flv');

  // At end + buffer the publisher is cut and the reservation completed.
  const exit = await rightful.exited;
  expect(exit.code).not.toBe(0);
  expect(exit.at).toBeGreaterThanOrEqual(booked.endsAt.getTime() + BUFFER_MS);
  expect((await lingering).flv).toBe(true);
  await waitFor(async () => (await status(booked)) === 'completed');
  const [session] = await sessionsOf(booked);
  expect(session).toMatchObject({ endReason: 'window_ended' });
  expect(session!.endedAt!.getTime()).toBeGreaterThanOrEqual(booked.endsAt.getTime() + BUFFER_MS);

  // One attendance summary, even when the end job runs again.
  await waitFor(() => mailsTo(/Who watched/).length === 1);
  await finishReservation(world.service.deps, booked.id);
  const summary = mailsTo(/Who watched/)[0]!.parsed.text ?? '';
  expect(summary).toMatch(/is over\. Who watched:/);
  expect(summary).not.toMatch(/cancel/i);
  expect(summary).toMatch(/2 viewers watched, at most 2 at the same time\./);
  expect(summary).toMatch(/1 viewer joined with the passcode\./);
  expect(summary).toMatch(/Invitees who joined with their personal link: ann@example\.org\./);
  expect(
    await world.db.prisma.notification.count({ where: { reservationId: booked.id, event: 'attendance_summary' } }),
  ).toBe(1);
  // Each refusal reason was told once.
  const refusalNotices = await world.db.prisma.notification.findMany({
    where: { reservationId: booked.id, event: 'publish_refused' },
  });
  expect(refusalNotices.map((n) => (n.payload as { refusal: { reason: string } }).refusal.reason).sort()).toEqual([
    'already_publishing',
    'too_early',
  ]);
  // After the stream: the passcode and the token open nothing.
  expect((await watch(booked, `?passcode=${booked.passcode}`)).status).toBe(403);
}, 120_000);

test('GIVEN a live stream WHEN the organizer cancels THEN it is cut at once, and token and passcode open nothing after', async () => {
  const booked = await book(1_500, 60_000, { emails: ['carol@example.org'] });
  const carol = viewerToken(await tokenKey(), booked.id, 'carol@example.org');
  secrets.add(carol);
  await windowOpen(booked);
  const streaming = start(ingestOf(booked));
  await waitFor(async () => (await status(booked)) === 'live', 15_000);
  expect((await api('POST', `/reservations/${booked.id}/cancel`, { reason: 'Speaker is ill' })).status).toBe(200);
  const exit = await streaming.exited;
  expect(exit.at).toBeLessThan(booked.endsAt.getTime());
  await waitFor(async () => (await sessionsOf(booked))[0]?.endReason === 'cancelled');
  for (const query of [`?t=${carol}`, `?passcode=${booked.passcode}`]) {
    const refused = await watch(booked, query);
    expect({ status: refused.status, flv: refused.flv }).toEqual({ status: 403, flv: false });
  }
  // A stream that ran and was cancelled still gets its summary, which says it was cancelled.
  await waitFor(
    async () =>
      (await world.db.prisma.notification.count({
        where: { reservationId: booked.id, event: 'attendance_summary' },
      })) === 1,
  );
  const cancelled = await waitFor(() => mailsTo(/^Who watched before it was cancelled: Live test/)[0]);
  expect(cancelled.parsed.text).toMatch(/was cancelled while it streamed \(Speaker is ill\)\. Who watched:/);
  expect(cancelled.parsed.text).not.toMatch(/is over/);
}, 60_000);

test('GIVEN a live stream WHEN the service restarts THEN a reconnect inside the window is admitted, it stays live, and nothing is told twice', async () => {
  const booked = await book(1_500, 60_000);
  await windowOpen(booked);
  const before = start(ingestOf(booked));
  await waitFor(async () => (await status(booked)) === 'live', 15_000);
  const noticesBefore = await world.db.prisma.notification.count({ where: { reservationId: booked.id } });

  await world.restart();
  await before.exited;
  // The previous run's session was closed with it.
  expect((await sessionsOf(booked))[0]).toMatchObject({ endReason: 'service_stopped' });
  expect(await status(booked)).toBe('live');

  const after = start(await currentIngest(booked));
  await waitFor(async () => (await sessionsOf(booked)).length === 2, 15_000);
  await waitFor(async () => (await gate().publishersOf(booked.id)).length === 1);
  expect(await status(booked)).toBe('live');
  const viewer = await watch(booked, `?passcode=${booked.passcode}`, 3);
  expect(h264Tags(viewer).length).toBeGreaterThanOrEqual(3);
  const started = await world.db.prisma.auditEntry.count({ where: { reservationId: booked.id, action: 'started' } });
  expect(started).toBe(1);
  expect(await world.db.prisma.notification.count({ where: { reservationId: booked.id } })).toBe(noticesBefore);
  await after.stop();
}, 90_000);

test('no secret reaches a log line: stream keys, passcodes, viewer tokens, API tokens', async () => {
  await gate().settled();
  expect(logLines.length).toBeGreaterThan(0);
  const everything = [...logLines, ...consoleLines].join('\n');
  for (const secret of secrets) expect(everything).not.toContain(secret);
  expect(everything).toContain('publish refused');
});
