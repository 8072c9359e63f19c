/**
 * The organizer's recorded DM prompt stays current whichever message the organizer acts from
 * (`/reserve list`, the reconfirm reminder, a free slot), and deliveries racing on one channel
 * never post a message twice.
 */
import type { APIMessage } from 'discord.js';
import { requestReservation } from '../../src/app/request.js';
import { snapshotOf } from '../../src/domain/notifications.js';
import type { NotificationChannel, NotificationEvent } from '../../src/domain/notifications.js';
import type { MessageModel } from '../../src/notify/message.js';
import type { StoredReservation } from '../../src/store/reservations.js';
import type { DiscordBot } from '../support/discord-bot.js';
import { startDiscordBot } from '../support/discord-bot.js';
import { textField } from '../support/fake-discord.js';
import { makeRequest, makeServer, waitFor } from '../support/fixtures.js';

let bot: DiscordBot;
let channelId: string;

beforeAll(async () => {
  bot = await startDiscordBot();
  channelId = bot.fake.guilds[0]!.channels[0]!.id;
});
afterAll(() => bot?.stop());
afterEach(() => expect(bot.logged.errors).toEqual([]));

type Row = { components?: Array<{ custom_id?: string }> };
const buttonIds = (message: APIMessage | undefined) =>
  ((message?.components ?? []) as Row[]).flatMap((row) => row.components ?? []).map((button) => button.custom_id);
const load = (id: string) => bot.db.prisma.reservation.findUniqueOrThrow({ where: { id } });

/** A reservation by the default user, its permit prompt delivered to their DM. */
async function permitted(
  overrides: Parameters<typeof makeRequest>[1] = {},
  server?: string,
): Promise<StoredReservation> {
  const name = server ?? (await makeServer(bot.db.prisma)).name;
  const actor = {
    platform: 'discord' as const,
    tenantId: bot.guildId,
    userId: bot.fake.defaultUser.id,
    name: 'Organizer',
    isAdmin: false,
  };
  const outcome = await requestReservation(bot.deps, actor, makeRequest(name, overrides));
  if (!outcome.ok) throw new Error(outcome.message);
  await bot.deliver(outcome.value.id);
  return outcome.value;
}

/** The prompt the channel recorded for the reservation, as the fake holds it now. */
async function recordedPrompt(reservationId: string): Promise<APIMessage> {
  const ref = await bot.db.prisma.chatMessage.findFirstOrThrow({
    where: { reservationId, platform: 'discord', purpose: 'prompt' },
  });
  return bot.fake.messagesIn(ref.channelId).find((message) => message.id === ref.messageId)!;
}

let counter = 0;
function model(
  stored: StoredReservation,
  event: NotificationEvent,
  channel: NotificationChannel,
  recipient: string,
): MessageModel {
  counter += 1;
  return {
    notificationId: `00000000-0000-4000-9000-${String(counter).padStart(12, '0')}`,
    event,
    recipient: { channel, recipient },
    reservation: snapshotOf(stored),
    actorName: 'Organizer',
    at: new Date(),
  };
}

const send = (message: MessageModel) => bot.transport.send({ message, attempt: 1 });

describe('GIVEN a delivered DM prompt', () => {
  test('WHEN the organizer reconfirms from /reserve list THEN the recorded prompt shows Reconfirmed without a Reconfirm button', async () => {
    const stored = await permitted();
    expect((await recordedPrompt(stored.id)).embeds[0]?.title).toBe(`Permitted: ${stored.title}`);
    const click = bot.fake.dispatchInteraction(bot.fake.buttonClick({ customId: `sc:rc:${stored.id}:${bot.guildId}` }));
    expect(JSON.stringify((await bot.fake.waitForOriginalEdit(click.id)).body)).toContain('is reconfirmed');
    expect((await load(stored.id)).status).toBe('confirmed');
    // The prompt follows the commit (src/chat/follow.ts).
    const prompt = await waitFor(async () => {
      const drawn = await recordedPrompt(stored.id);
      return drawn.embeds[0]?.title === `Reconfirmed: ${stored.title}` && drawn;
    });
    expect(buttonIds(prompt)).toEqual([`sc:ch:${stored.id}:${bot.guildId}`, `sc:cx:${stored.id}:${bot.guildId}`]);
    // The prompt is in the organizer's own DM: the stream key stays on it.
    expect(JSON.stringify(prompt)).toContain(stored.streamKey);
  });

  test('WHEN the organizer reconfirms from the reminder THEN the prompt is refreshed and the reminder becomes a short done view', async () => {
    const stored = await permitted();
    expect((await send(model(stored, 'reconfirm_reminder', 'discord_dm', bot.fake.defaultUser.id))).status).toBe(
      'delivered',
    );
    const promptId = (await recordedPrompt(stored.id)).id;
    const reminder = bot.fake.messagesIn((await recordedPrompt(stored.id)).channel_id).at(-1)!;
    expect(reminder.id).not.toBe(promptId);
    expect(buttonIds(reminder)).toContain(`sc:rc:${stored.id}:${bot.guildId}`);

    const click = bot.fake.dispatchInteraction(
      bot.fake.buttonClick({ customId: `sc:rc:${stored.id}:${bot.guildId}`, dm: true, message: reminder }),
    );
    expect((await bot.fake.waitForInteractionResponse(click.id)).type).toBe(6);
    await bot.fake.waitForOriginalEdit(click.id);
    expect((await recordedPrompt(stored.id)).embeds[0]?.title).toBe(`Reconfirmed: ${stored.title}`);
    const pressed = bot.fake.messagesIn(reminder.channel_id).find((message) => message.id === reminder.id)!;
    // Not a second prompt: no stream key, no buttons, just what happened.
    expect(pressed.embeds[0]?.title).toBe('Reconfirmed');
    expect(pressed.components ?? []).toEqual([]);
    expect(JSON.stringify(pressed)).not.toContain(stored.streamKey);
  });

  test("WHEN a guild admin cancels from /reserve list THEN the organizer's prompt shows Cancelled without buttons", async () => {
    const stored = await permitted();
    const click = bot.fake.dispatchInteraction(bot.fake.buttonClick({ customId: `sc:cx:${stored.id}:${bot.guildId}` }));
    const modal = await bot.fake.waitForInteractionResponse(click.id);
    const submit = bot.fake.dispatchInteraction(
      bot.fake.modalSubmit({
        customId: (modal.data as { custom_id: string }).custom_id,
        fields: [textField('reason', 'Clash')],
      }),
    );
    await bot.fake.waitForOriginalEdit(submit.id);
    expect((await load(stored.id)).status).toBe('cancelled');
    const prompt = await waitFor(async () => {
      const drawn = await recordedPrompt(stored.id);
      return drawn.embeds[0]?.title === `Cancelled: ${stored.title}` && drawn;
    });
    expect(prompt.components).toEqual([]);
  });
});

describe('GIVEN a change refused for time', () => {
  test('WHEN a free slot is picked THEN the other edits are kept and the prompt shows the change', async () => {
    const server = await makeServer(bot.db.prisma, { capacity: 1 });
    const stored = await permitted({ startInMs: 4 * 86_400_000 }, server.name);
    const other = {
      platform: 'discord' as const,
      tenantId: bot.guildId,
      userId: '999999999999999999',
      name: 'Other',
      isAdmin: false,
    };
    const taken = await requestReservation(
      bot.deps,
      other,
      makeRequest(server.name, { startInMs: 5 * 86_400_000, title: 'Taken' }),
    );
    if (!taken.ok) throw new Error(taken.message);

    const click = bot.fake.dispatchInteraction(bot.fake.buttonClick({ customId: `sc:ch:${stored.id}:${bot.guildId}` }));
    const modal = await bot.fake.waitForInteractionResponse(click.id);
    const fields = [
      textField('title', 'Renamed'),
      textField('start', taken.value.startsAt.toISOString()),
      textField('end', '1h'),
      textField('emails', 'new@example.org'),
      textField('description', 'New text'),
    ];
    const submit = bot.fake.dispatchInteraction(
      bot.fake.modalSubmit({ customId: (modal.data as { custom_id: string }).custom_id, fields }),
    );
    const refused = JSON.stringify((await bot.fake.waitForOriginalEdit(submit.id)).body);
    expect(refused).toContain('That time is taken');
    const slot = refused.match(/sc:sl:\d+:\d+/)![0];

    const pick = bot.fake.dispatchInteraction(bot.fake.buttonClick({ customId: slot }));
    expect(JSON.stringify((await bot.fake.waitForOriginalEdit(pick.id)).body)).toContain('Changed');
    const row = await load(stored.id);
    expect(row).toMatchObject({ title: 'Renamed', emails: ['new@example.org'], description: 'New text' });
    expect(row.startsAt.getTime()).not.toBe(taken.value.startsAt.getTime());
    await waitFor(async () => (await recordedPrompt(stored.id)).embeds[0]?.title === 'Permitted: Renamed');
  });
});

describe('GIVEN two deliveries for one channel at once (a retry racing the first attempt)', () => {
  test('WHEN both deliver the invitation THEN one message is posted and recorded', async () => {
    const stored = await permitted({ discordChannels: [channelId] });
    const message = model({ ...stored, status: 'confirmed' }, 'invitation_confirmed', 'discord_channel', channelId);
    const results = await Promise.all([send(message), send(message), send(message)]);
    expect(results.map((result) => result.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(
      bot.fake.messagesIn(channelId).filter((posted) => posted.embeds[0]?.footer?.text?.includes(stored.code)),
    ).toHaveLength(1);
  });

  test('WHEN both deliver the permit prompt THEN the organizer gets one prompt', async () => {
    const stored = await permitted();
    const dmChannelId = (await recordedPrompt(stored.id)).channel_id;
    await bot.db.prisma.chatMessage.deleteMany({ where: { reservationId: stored.id } });
    const before = bot.fake.messagesIn(dmChannelId).length;
    const message = model(stored, 'permit_prompt', 'discord_dm', bot.fake.defaultUser.id);
    await Promise.all([send(message), send(message), send(message)]);
    expect(bot.fake.messagesIn(dmChannelId)).toHaveLength(before + 1);
  });

  test('WHEN both deliver the scheduled event THEN one event is created', async () => {
    const stored = await permitted();
    const message = model({ ...stored, status: 'confirmed' }, 'invitation_confirmed', 'discord_event', bot.guildId);
    await Promise.all([send(message), send(message), send(message)]);
    expect(
      bot.fake.scheduledEventsOf(bot.guildId).filter((event) => event.description?.includes(stored.code)),
    ).toHaveLength(1);
  });
});
