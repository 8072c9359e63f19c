/**
 * Extending a live stream and replacing a leaked stream key (issue 17), with real streams: the
 * whole service with node-media-server inside, ffmpeg publishing, real SMTP for the notices. The
 * organizer acts through the REST API; the cut timers and the cut follow the commit (NOTIFY).
 * Windows are seconds long and the buffer 1 s, so the test waits for them on conditions.
 */
import { createToken } from '../../../src/app/tokens.js';
import { viewerToken } from '../../../src/domain/viewer-token.js';
import { createLogger } from '../../../src/log.js';
import type { TestService } from '../../support/service.js';
import { startTestService } from '../../support/service.js';
import type { TestSmtp } from '../../support/smtp.js';
import { startTestSmtp } from '../../support/smtp.js';
import { waitFor } from '../../support/fixtures.js';
import { apiClient } from '../../support/api.js';
import { liveHelpers } from '../../support/live.js';

const BUFFER_MS = 1_000;
const ORGANIZER = 'organizer@example.org';
let smtp: TestSmtp;
let world: TestService;
let token = '';
const logLines: string[] = [];
const secrets = new Set<string>();

beforeAll(async () => {
  smtp = await startTestSmtp();
  world = await startTestService(
    { SMTP_URL: smtp.url, EMBEDDED_BUFFER: '1s', STREAMING: 'embedded', LOG_LEVEL: 'debug' },
    createLogger({ level: 'debug', format: 'json', write: (line) => logLines.push(line) }),
  );
  const created = await createToken(world.db.prisma, { name: 'organizer', admin: false, email: ORGANIZER });
  if (!created.ok) throw new Error(created.message);
  token = created.value.token;
  secrets.add(token);
  await world.db.prisma.distributionServer.update({ where: { name: 'embedded' }, data: { capacity: 10 } });
  world.service.deps.servers.invalidate();
}, 60_000);

afterAll(async () => {
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
  title: 'Actions test',
  bufferMs: BUFFER_MS,
  secrets,
});
const mails = (to: string, subject: RegExp) => smtp.to(to).filter((mail) => subject.test(mail.parsed.subject ?? ''));

test('GIVEN a live stream WHEN the organizer extends it THEN it streams past the old end + buffer and is cut at the new one; the watch page state and one change notice per person say the new end', async () => {
  const booked = await book(4_000, 4_000, { emails: ['ann@example.org'] });
  const ann = viewerToken(await tokenKey(), booked.id, 'ann@example.org');
  secrets.add(ann);
  await windowOpen(booked);
  const streaming = start(ingestOf(booked));
  await waitFor(async () => (await status(booked)) === 'live', 15_000);

  const newEnd = new Date(booked.endsAt.getTime() + 6_000);
  const extended = await api('POST', `/reservations/${booked.id}/extend`, { endsAt: newEnd.toISOString() });
  expect(extended.status).toBe(200);
  expect(extended.body.reservation.endsAt).toBe(newEnd.toISOString());

  // The watch page polls its state: the new end is there without a reload.
  const state = await fetch(`${base()}/watch/${booked.code}/state?t=${ann}`);
  expect(state.status).toBe(200);
  expect(((await state.json()) as { endsAt: string }).endsAt).toBe(newEnd.toISOString());

  // Past the old end + buffer (and a margin for a loaded machine) it still streams.
  let exitedAt: number | undefined;
  void streaming.exited.then((exit) => {
    exitedAt = exit.at;
  });
  await waitFor(() => Date.now() >= booked.endsAt.getTime() + BUFFER_MS + 1_500, 30_000);
  expect(exitedAt).toBeUndefined();
  expect(await gate().publishersOf(booked.id)).toHaveLength(1);
  expect(await status(booked)).toBe('live');

  // Cut at the new end + buffer, and completed.
  const exit = await streaming.exited;
  expect(exit.at).toBeGreaterThanOrEqual(newEnd.getTime() + BUFFER_MS);
  await waitFor(async () => (await status(booked)) === 'completed');
  expect((await sessionsOf(booked))[0]).toMatchObject({ endReason: 'window_ended' });

  // One change notice each to Ann and the organizer, saying the new end.
  await waitFor(() => mails('ann@example.org', /^Changed:/).length === 1 && mails(ORGANIZER, /^Changed:/).length === 1);
  await waitFor(async () =>
    (
      await world.db.prisma.notification.findMany({ where: { reservationId: booked.id, event: 'change_notice' } })
    ).every((n) => n.status === 'sent'),
  );
  expect(mails('ann@example.org', /^Changed:/)).toHaveLength(1);
  expect(mails(ORGANIZER, /^Changed:/)).toHaveLength(1);
  expect(mails('ann@example.org', /^Changed:/)[0]!.parsed.text).toMatch(/End/);
}, 90_000);

test('GIVEN a live stream WHEN the organizer replaces the key THEN the publisher is cut at once, the old key is refused, the new one streams on, and the organizer is told once', async () => {
  const booked = await book(4_000, 60_000);
  await windowOpen(booked);
  const leaked = start(ingestOf(booked));
  await waitFor(async () => (await status(booked)) === 'live', 15_000);

  // A second publisher with the key: the refusal tells the organizer they can replace it.
  const second = start(ingestOf(booked));
  expect((await second.exited).code).not.toBe(0);
  await waitFor(() =>
    mails(ORGANIZER, /^Stream refused/).some((mail) => /Replace the stream key/.test(mail.parsed.text ?? '')),
  );
  const refusal = mails(ORGANIZER, /^Stream refused/)[0]!.parsed.text ?? '';
  expect(refusal).toContain(`${base()}/r/${booked.code}`);

  const asked = Date.now();
  const rotated = await api('POST', `/reservations/${booked.id}/rotate-key`);
  expect(rotated.status).toBe(200);
  const fresh = rotated.body.reservation.ingest as { url: string; streamKey: string };
  secrets.add(fresh.streamKey);
  expect(fresh.streamKey).not.toBe(booked.ingest.streamKey);

  // Cut within seconds, not at the end of the slot; the reservation stays live.
  const exit = await leaked.exited;
  expect(exit.at - asked).toBeLessThan(15_000);
  await waitFor(async () => (await sessionsOf(booked))[0]?.endReason === 'key_replaced');
  expect(await status(booked)).toBe('live');

  // The old key is refused from then on.
  expect((await start(ingestOf(booked)).exited).code).not.toBe(0);
  await waitFor(async () =>
    (await world.db.prisma.auditEntry.findMany({ where: { action: 'publish_refused', reservationId: null } })).some(
      (a) => (a.details as { reason: string }).reason === 'unknown_key',
    ),
  );

  // The new key streams.
  const rightful = start(`${fresh.url}/${fresh.streamKey}`);
  await waitFor(async () => (await gate().publishersOf(booked.id)).length === 1, 15_000);
  expect(await sessionsOf(booked)).toHaveLength(2);
  expect(await status(booked)).toBe('live');

  // One notice, without the key.
  await waitFor(() => mails(ORGANIZER, /^New stream key:/).length === 1);
  const notice = mails(ORGANIZER, /^New stream key:/)[0]!;
  expect(notice.parsed.text).toMatch(/the old key no longer works/);
  expect(notice.raw.toString()).not.toContain(fresh.streamKey);
  expect(
    await world.db.prisma.notification.count({ where: { reservationId: booked.id, event: 'stream_key_replaced' } }),
  ).toBe(1);
  await rightful.stop();

  // Neither key was ever logged.
  const logged = logLines.join('\n');
  for (const secret of secrets) expect(logged).not.toContain(secret);
}, 90_000);
