/**
 * The stream's buttons in Discord (issue 17) — Extend +15 / +30 min, Replace stream key (asked,
 * then done) — through the fake Discord platform and real PostgreSQL; and the button on the
 * "someone else is streaming with your key" notice. The service's clock is moved past the start.
 */
import type { APIMessage } from 'discord.js';
import { reconfirmReservation } from '../../src/app/lifecycle.js';
import { requestReservation } from '../../src/app/request.js';
import { noticeMessage } from '../../src/discord/render.js';
import type { DiscordBot } from '../support/discord-bot.js';
import { startDiscordBot } from '../support/discord-bot.js';
import { MINUTE, makeRequest, makeServer, TestClock, waitFor } from '../support/fixtures.js';
import { makeMessage } from '../support/messages.js';

let bot: DiscordBot;
const clock = new TestClock();
let server: string;

beforeAll(async () => {
  bot = await startDiscordBot({ deps: { clock: clock.now } });
  server = (await makeServer(bot.db.prisma, { kind: 'embedded', capacity: 5, bufferSeconds: 0 })).name;
});
afterAll(() => bot?.stop());
afterEach(() => expect(bot.logged.errors).toEqual([]));

type Row = { components?: Array<{ custom_id?: string }> };
const buttonIds = (message: { components?: unknown } | undefined) =>
  ((message?.components ?? []) as Row[]).flatMap((row) => row.components ?? []).map((button) => button.custom_id);
const load = (id: string) => bot.db.prisma.reservation.findUniqueOrThrow({ where: { id } });

/** The default user's reservation, reconfirmed, its prompt in their DM, the clock a minute past its start. */
async function begun() {
  clock.set(new Date());
  const actor = {
    platform: 'discord' as const,
    tenantId: bot.guildId,
    userId: bot.fake.defaultUser.id,
    name: 'Organizer',
    isAdmin: false,
  };
  const requested = await requestReservation(bot.deps, actor, makeRequest(server, { startInMs: 3_600_000 }));
  if (!requested.ok) throw new Error(requested.message);
  const reconfirmed = await reconfirmReservation(bot.deps, actor, requested.value.id);
  if (!reconfirmed.ok) throw new Error(reconfirmed.message);
  await bot.deliver(requested.value.id);
  clock.set(new Date(requested.value.startsAt.getTime() + MINUTE));
  return reconfirmed.value;
}

/** The organizer's prompt once the chat follower has drawn it for the reservation as committed. */
async function recordedPrompt(reservationId: string): Promise<APIMessage> {
  const ref = await waitFor(async () => {
    const { version, status } = await bot.db.prisma.reservation.findUniqueOrThrow({ where: { id: reservationId } });
    const row = await bot.db.prisma.chatMessage.findFirstOrThrow({
      where: { reservationId, platform: 'discord', purpose: 'prompt' },
    });
    return row.drawnVersion === version && row.drawnStatus === status && row;
  });
  return bot.fake.messagesIn(ref.channelId).find((message) => message.id === ref.messageId)!;
}

test('GIVEN a stream that has begun WHEN Extend +30 min is clicked THEN its end moves, and the prompt offers the stream buttons', async () => {
  const stored = await begun();
  const click = bot.fake.dispatchInteraction(
    bot.fake.buttonClick({ customId: `sc:ex:${stored.id}:${bot.guildId}:30` }),
  );
  expect(JSON.stringify((await bot.fake.waitForOriginalEdit(click.id)).body)).toContain('now ends');
  expect((await load(stored.id)).endsAt).toEqual(new Date(stored.endsAt.getTime() + 30 * MINUTE));
  const prompt = await recordedPrompt(stored.id);
  expect(buttonIds(prompt)).toEqual(
    expect.arrayContaining([
      `sc:ex:${stored.id}:${bot.guildId}:15`,
      `sc:ex:${stored.id}:${bot.guildId}:30`,
      `sc:rk:${stored.id}:${bot.guildId}`,
    ]),
  );
  expect(
    await bot.db.prisma.notification.count({ where: { reservationId: stored.id, event: 'change_notice' } }),
  ).toBeGreaterThan(0);
});

test('GIVEN Replace stream key THEN it asks first and changes nothing; confirmed, the key is new and the prompt shows it, not the old one', async () => {
  const stored = await begun();
  const ask = bot.fake.dispatchInteraction(bot.fake.buttonClick({ customId: `sc:rk:${stored.id}:${bot.guildId}` }));
  const asked = await bot.fake.waitForInteractionResponse(ask.id);
  expect(JSON.stringify(asked)).toContain('Replace the stream key?');
  expect(JSON.stringify(asked)).toContain(`sc:rky:${stored.id}:${bot.guildId}`);
  expect((await load(stored.id)).streamKey).toBe(stored.streamKey);

  const confirm = bot.fake.dispatchInteraction(
    bot.fake.buttonClick({ customId: `sc:rky:${stored.id}:${bot.guildId}` }),
  );
  const done = JSON.stringify((await bot.fake.waitForOriginalEdit(confirm.id)).body);
  expect(done).toContain('Stream key replaced');
  const fresh = (await load(stored.id)).streamKey;
  expect(fresh).not.toBe(stored.streamKey);
  expect(done).not.toContain(fresh);
  const prompt = JSON.stringify(await recordedPrompt(stored.id));
  expect(prompt).toContain(fresh);
  expect(prompt).not.toContain(stored.streamKey);
});

test("GIVEN someone else's click on Extend or Replace THEN refused, and nothing changes", async () => {
  const stored = await begun();
  const stranger = bot.fake.addUser({ username: 'mallory' });
  for (const customId of [`sc:ex:${stored.id}:${bot.guildId}:15`, `sc:rky:${stored.id}:${bot.guildId}`]) {
    const click = bot.fake.dispatchInteraction(bot.fake.buttonClick({ customId, user: stranger, permissions: 0n }));
    await bot.fake.waitForOriginalEdit(click.id);
  }
  const after = await load(stored.id);
  expect(after.endsAt).toEqual(stored.endsAt);
  expect(after.streamKey).toBe(stored.streamKey);
});

test('GIVEN someone else streams with the key THEN the DM notice offers Replace stream key; other refusals do not', () => {
  const refusal = { at: '2027-01-01T10:00:00Z', opensAt: '2027-01-01T10:00:00Z', closesAt: '2027-01-01T11:00:00Z' };
  const leaked = makeMessage('publish_refused', { refusal: { reason: 'already_publishing', ...refusal } });
  const ids = buttonIds(noticeMessage(leaked, 'organizer', new Date()));
  expect(ids).toEqual([`sc:rk:${leaked.reservation.id}:${leaked.reservation.organizer.tenantId}`]);
  const early = makeMessage('publish_refused', { refusal: { reason: 'too_early', ...refusal } });
  expect(buttonIds(noticeMessage(early, 'organizer', new Date()))).toEqual([]);
});
