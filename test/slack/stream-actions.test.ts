/**
 * The card's stream buttons in Slack (issue 17) — Extend by 15 / 30 min, Replace the stream key —
 * against the real Bolt app, real PostgreSQL and the fake Slack Web API; and the button on the
 * "someone else is streaming with your key" notice. The service's clock is moved past the start,
 * so "a stream that has begun" needs no waiting.
 */
import { reconfirmReservation } from '../../src/app/lifecycle.js';
import { requestReservation } from '../../src/app/request.js';
import type { Actor } from '../../src/domain/reservation.js';
import { noticeMessage } from '../../src/slack/render.js';
import { FAKE_TEAM } from '../support/fake-slack.js';
import { MINUTE, makeRequest, makeServer, TestClock } from '../support/fixtures.js';
import { makeMessage } from '../support/messages.js';
import { startSlackHarness, type SlackHarness } from '../support/slack-harness.js';
import { FAKE_USER, sendBlockActions } from '../support/slack-signing.js';

let h: SlackHarness;
const clock = new TestClock();
const OTHER = 'U0OTHER';
let server: { id: string; name: string };
const organizer: Actor = {
  platform: 'slack',
  tenantId: FAKE_TEAM.id,
  userId: FAKE_USER.id,
  name: 'Alice Organizer',
  isAdmin: false,
};

beforeAll(async () => {
  h = await startSlackHarness({
    fake: { users: { [FAKE_USER.id]: { real_name: 'Alice Organizer' } } },
    deps: { clock: clock.now },
  });
  server = await makeServer(h.db.prisma, { name: 'Studio-K', kind: 'embedded', capacity: 5, bufferSeconds: 0 });
});
afterAll(() => h?.close());

/** Alice's reservation, reconfirmed, with the service's clock a minute past its start. */
async function begun() {
  clock.set(new Date());
  const requested = await requestReservation(h.deps, organizer, makeRequest(server.name, { startInMs: 3_600_000 }));
  if (!requested.ok) throw new Error(requested.message);
  const reconfirmed = await reconfirmReservation(h.deps, organizer, requested.value.id);
  if (!reconfirmed.ok) throw new Error(reconfirmed.message);
  clock.set(new Date(requested.value.startsAt.getTime() + MINUTE));
  return reconfirmed.value;
}

let tsCounter = 0;
function press(actionId: string, reservationId: string, options: { userId?: string; responseId?: string } = {}) {
  const ts = `1700000100.${String(++tsCounter).padStart(6, '0')}`;
  const sent = sendBlockActions(
    h.eventsUrl,
    {
      actions: [{ actionId, blockId: `card_${reservationId}`, value: reservationId }],
      channelId: 'D0CARDDM',
      messageTs: ts,
      ...(options.userId ? { userId: options.userId } : {}),
      ...(options.responseId ? { responseUrl: h.fake.responseUrl(options.responseId) } : {}),
    },
    h.sign,
  );
  return { ts, sent };
}
const stored = (id: string) => h.db.prisma.reservation.findUniqueOrThrow({ where: { id } });

test('GIVEN a stream that has begun THEN its DM card offers Extend by 15 / 30 min; Extend by 15 moves the end and redraws the card', async () => {
  const reservation = await begun();
  const { ts, sent } = press('reservation_extend_15', reservation.id, { responseId: 'extend-1' });
  expect((await sent).status).toBe(200);
  const update = await h.fake.waitForCall('chat.update', (call) => call.args.ts === ts);
  const shown = JSON.stringify(update.args.blocks);
  for (const button of ['reservation_extend_15', 'reservation_extend_30', 'reservation_rotate_key'])
    expect(shown).toContain(button);
  expect((await stored(reservation.id)).endsAt).toEqual(new Date(reservation.endsAt.getTime() + 15 * MINUTE));
  const told = await h.fake.waitForResponseUrlPost('extend-1');
  expect(told.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('extended by 15 min') });
  const notices = await h.db.prisma.notification.findMany({
    where: { reservationId: reservation.id, event: 'change_notice' },
  });
  expect(notices.map((n) => `${n.channel}:${n.recipient}`).sort()).toEqual(
    [`slack_dm:${FAKE_USER.id}`, 'email:viewer1@example.org', 'email:viewer2@example.org'].sort(),
  );
});

test('GIVEN the organizer presses Replace the stream key THEN the DM card shows the new key, not the old; someone else gets a refusal and nothing changes', async () => {
  const reservation = await begun();
  const refused = press('reservation_rotate_key', reservation.id, { userId: OTHER, responseId: 'rotate-other' });
  await refused.sent;
  expect((await h.fake.waitForResponseUrlPost('rotate-other')).body).toMatchObject({
    text: expect.stringContaining('Only the organizer'),
  });
  expect((await stored(reservation.id)).streamKey).toBe(reservation.streamKey);

  const { ts, sent } = press('reservation_rotate_key', reservation.id, { responseId: 'rotate-1' });
  await sent;
  const update = await h.fake.waitForCall('chat.update', (call) => call.args.ts === ts);
  const fresh = (await stored(reservation.id)).streamKey;
  expect(fresh).not.toBe(reservation.streamKey);
  expect(JSON.stringify(update.args.blocks)).toContain(fresh);
  expect(JSON.stringify(update.args.blocks)).not.toContain(reservation.streamKey);
  const told = await h.fake.waitForResponseUrlPost('rotate-1');
  expect(JSON.stringify(told.body)).not.toContain(fresh);
  expect(
    await h.db.prisma.notification.count({ where: { reservationId: reservation.id, event: 'stream_key_replaced' } }),
  ).toBe(1);
});

test('GIVEN a stream that has not begun THEN Extend is refused in words, and its end stays', async () => {
  const reservation = await begun();
  clock.set(new Date(reservation.startsAt.getTime() - MINUTE));
  const { sent } = press('reservation_extend_30', reservation.id, { responseId: 'extend-early' });
  await sent;
  expect((await h.fake.waitForResponseUrlPost('extend-early')).body).toMatchObject({
    text: expect.stringContaining('Only a stream that has started can be extended'),
  });
  expect((await stored(reservation.id)).endsAt).toEqual(reservation.endsAt);
});

test('GIVEN someone else streams with the key THEN the DM notice offers Replace the stream key; channels never get it', () => {
  const leaked = makeMessage('publish_refused', {
    refusal: {
      reason: 'already_publishing',
      at: '2027-01-01T10:00:00Z',
      opensAt: '2027-01-01T10:00:00Z',
      closesAt: '2027-01-01T11:00:00Z',
    },
  });
  expect(JSON.stringify(noticeMessage(leaked, 'dm').blocks)).toContain('reservation_rotate_key');
  expect(JSON.stringify(noticeMessage(leaked, 'dm').blocks)).toContain('Replace the stream key');
  const early = makeMessage('publish_refused', {
    refusal: {
      reason: 'too_early',
      at: '2027-01-01T09:00:00Z',
      opensAt: '2027-01-01T10:00:00Z',
      closesAt: '2027-01-01T11:00:00Z',
    },
  });
  expect(JSON.stringify(noticeMessage(early, 'dm').blocks)).not.toContain('reservation_rotate_key');
  expect(JSON.stringify(noticeMessage(leaked, 'channel').blocks)).not.toContain('reservation_rotate_key');
});
