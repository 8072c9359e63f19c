/**
 * The whole Discord flow with the real discord.js client against the fake Discord and real
 * PostgreSQL: /reserve new → modal → permitted → DM prompt → Reconfirm → channel invitation and
 * scheduled event → Change → Cancel. Outbox rows are delivered by the test's stand-in for the
 * delivery worker (test/support/discord-bot.ts).
 */
import type { APIMessage } from 'discord.js';
import { GuildScheduledEventEntityType, GuildScheduledEventStatus, MessageFlags } from 'discord.js';
import type { DiscordBot } from '../support/discord-bot.js';
import { startDiscordBot } from '../support/discord-bot.js';
import { channelSelectField, textField } from '../support/fake-discord.js';
import { makeServer, waitFor } from '../support/fixtures.js';

let bot: DiscordBot;
let serverName: string;
let channelId: string;
let reservationId: string;
let dmChannelId: string;

beforeAll(async () => {
  bot = await startDiscordBot({ fake: { guilds: [{ channels: [{ name: 'general' }, { name: 'streams' }] }] } });
  serverName = (await makeServer(bot.db.prisma, { name: 'main-stage' })).name;
  channelId = bot.fake.guilds[0]!.channels[1]!.id;
});
afterAll(() => bot?.stop());
afterEach(() => expect(bot.logged.errors).toEqual([]));

const reservation = () => bot.db.prisma.reservation.findUniqueOrThrow({ where: { id: reservationId } });
const outbox = (event?: string) =>
  bot.db.prisma.notification.findMany({
    where: { reservationId, ...(event ? { event: event as never } : {}) },
    orderBy: { createdAt: 'asc' },
  });
const promptMessage = (): APIMessage =>
  bot.fake
    .messagesIn(dmChannelId)
    .find((message) => message.author.id === bot.fake.bot.id && message.embeds.length > 0)!;
type Row = { components?: Array<{ custom_id?: string; url?: string }> };
const buttonIds = (message: APIMessage | undefined) =>
  ((message?.components ?? []) as Row[])
    .flatMap((row) => row.components ?? [])
    .map((button) => button.custom_id ?? `link:${button.url ?? ''}`);

describe('GIVEN the bot is connected', () => {
  test('THEN it identified with only the Guilds and DirectMessages intents', async () => {
    await bot.fake.waitForIdentify();
    expect(bot.fake.identifiedIntents).toBe((1 << 0) | (1 << 12));
  });

  test('WHEN the organizer types a server name THEN autocomplete offers the active servers', async () => {
    await makeServer(bot.db.prisma, { name: 'closed-stage', active: false });
    const { id } = bot.fake.dispatchInteraction(
      bot.fake.autocomplete({ name: 'reserve', subcommand: 'new', options: { server: 'stage' }, focused: 'server' }),
    );
    const response = await bot.fake.waitForInteractionResponse(id);
    expect(response).toEqual({ type: 8, data: { choices: [{ name: 'main-stage', value: 'main-stage' }] } });
  });
});

describe('GIVEN /reserve new', () => {
  let modalId: string;

  test('THEN a modal opens with title, start, end or duration, e-mails and a channel select', async () => {
    const { id } = bot.fake.dispatchInteraction(
      bot.fake.slashCommand({
        name: 'reserve',
        subcommand: 'new',
        options: { server: serverName, passcode: 'open-sesame', description: 'Ping @everyone here' },
      }),
    );
    const response = await bot.fake.waitForInteractionResponse(id);
    expect(response.type).toBe(9);
    const data = response.data as {
      custom_id: string;
      title: string;
      components: Array<{
        type: number;
        label: string;
        description?: string;
        component: { type: number; custom_id: string };
      }>;
    };
    modalId = data.custom_id;
    expect(data.title).toBe('Reserve main-stage');
    expect(
      data.components.map((label) => [label.type, label.label, label.component.type, label.component.custom_id]),
    ).toEqual([
      [18, 'Title', 4, 'title'],
      [18, 'Start', 4, 'start'],
      [18, 'End or duration', 4, 'end'],
      [18, 'Invitee e-mails', 4, 'emails'],
      [18, 'Channels to invite', 8, 'channels'],
    ]);
    expect(data.components[1]?.description).toContain('UTC');
  });

  test('WHEN the modal is submitted THEN the request is permitted and the reply echoes the times as Discord timestamps', async () => {
    const { id } = bot.fake.dispatchInteraction(
      bot.fake.modalSubmit({
        customId: modalId,
        fields: [
          textField('title', 'Launch @everyone'),
          textField('start', 'in 3 days'),
          textField('end', '90m'),
          textField('emails', 'Ann@Example.org,\nbob@example.org'),
          channelSelectField('channels', [channelId]),
        ],
      }),
    );
    expect(await bot.fake.waitForInteractionResponse(id)).toEqual({ type: 5, data: { flags: MessageFlags.Ephemeral } });
    const edit = await bot.fake.waitForOriginalEdit(id);
    const row = await bot.db.prisma.reservation.findFirstOrThrow({ where: { requestKey: `discord:${id}` } });
    reservationId = row.id;
    expect(row).toMatchObject({
      status: 'permitted',
      title: 'Launch @everyone',
      passcode: 'open-sesame',
      description: 'Ping @everyone here',
      organizerPlatform: 'discord',
      organizerTenantId: bot.guildId,
      organizerUserId: bot.fake.defaultUser.id,
      emails: ['ann@example.org', 'bob@example.org'],
      discordChannels: [channelId],
    });
    expect(row.endsAt.getTime() - row.startsAt.getTime()).toBe(90 * 60_000);
    const text = JSON.stringify(edit.body);
    expect(text).toContain(`<t:${row.startsAt.getTime() / 1000}:F>`);
    expect(text).toContain(`<t:${row.endsAt.getTime() / 1000}:F>`);
    expect(edit.body).toMatchObject({ allowed_mentions: { parse: [] } });
    expect((await outbox()).map((n) => `${n.event} ${n.channel} ${n.recipient}`)).toEqual([
      `permit_prompt discord_dm ${bot.fake.defaultUser.id}`,
    ]);
  });

  test('WHEN the permit prompt is delivered THEN the organizer gets a DM with deadline, ingest URL, stream key and Reconfirm / Change / Cancel', async () => {
    const [delivery] = await bot.deliver(reservationId);
    expect(delivery?.result.status).toBe('delivered');
    const dm = await bot.fake.waitForCall('POST', /^\/channels\/\d+\/messages$/, (call) =>
      JSON.stringify(call.body).includes('Stream key'),
    );
    dmChannelId = dm.params.channel_id!;
    const row = await reservation();
    const body = JSON.stringify(dm.body);
    expect(body).toContain(row.streamKey);
    expect(body).toContain('rtmp://ingest.example.org/live');
    expect(body).toContain(`<t:${row.reconfirmDeadline.getTime() / 1000}:F>`);
    expect(dm.body).toMatchObject({ allowed_mentions: { parse: [] } });
    expect(buttonIds(promptMessage())).toEqual([
      `sc:rc:${reservationId}:${bot.guildId}`,
      `sc:ch:${reservationId}:${bot.guildId}`,
      `sc:cx:${reservationId}:${bot.guildId}`,
    ]);
    // The stream key is the organizer's alone: no other call carried it.
    expect(bot.fake.calls.filter((call) => JSON.stringify(call.body ?? '').includes(row.streamKey))).toHaveLength(1);
  });
});

describe('GIVEN the DM prompt', () => {
  test('WHEN someone else clicks Reconfirm THEN they get an ephemeral refusal and nothing changes', async () => {
    const stranger = bot.fake.addUser({ username: 'stranger' });
    const before = JSON.stringify(promptMessage());
    const { id } = bot.fake.dispatchInteraction(
      bot.fake.buttonClick({ customId: `sc:rc:${reservationId}:${bot.guildId}`, dm: true, user: stranger }),
    );
    const followUp = await bot.fake.waitForFollowUp(id);
    expect(followUp.body).toMatchObject({ flags: MessageFlags.Ephemeral });
    expect(JSON.stringify(followUp.body)).toContain('Only the organizer or a server admin');
    expect((await reservation()).status).toBe('permitted');
    expect(JSON.stringify(promptMessage())).toBe(before);
  });

  test('WHEN a guild member without Manage Server clicks Cancel in the guild THEN no modal opens and nothing changes', async () => {
    const member = bot.fake.addUser({ username: 'member' });
    const { id } = bot.fake.dispatchInteraction(
      bot.fake.buttonClick({ customId: `sc:cx:${reservationId}:${bot.guildId}`, user: member }),
    );
    const response = await bot.fake.waitForInteractionResponse(id);
    expect(response).toMatchObject({ type: 4, data: { flags: MessageFlags.Ephemeral } });
    expect((await reservation()).status).toBe('permitted');
  });

  test('WHEN the organizer clicks Reconfirm THEN the DM is edited in place and invitations are queued for e-mail, the channel and the guild event', async () => {
    const { id } = bot.fake.dispatchInteraction(
      bot.fake.buttonClick({ customId: `sc:rc:${reservationId}:${bot.guildId}`, dm: true, message: promptMessage() }),
    );
    expect((await bot.fake.waitForInteractionResponse(id)).type).toBe(6);
    // Whoever draws it first — the chat follower after the commit, or the click's own answer —
    // the DM prompt is edited in place (src/chat/follow.ts).
    await waitFor(() => promptMessage().embeds[0]?.title === 'Reconfirmed: Launch @everyone');
    expect((await reservation()).status).toBe('confirmed');
    expect(promptMessage().embeds[0]?.title).toBe('Reconfirmed: Launch @everyone');
    expect(buttonIds(promptMessage())).toEqual([
      `sc:ch:${reservationId}:${bot.guildId}`,
      `sc:cx:${reservationId}:${bot.guildId}`,
    ]);
    expect((await outbox('invitation_confirmed')).map((n) => `${n.channel} ${n.recipient}`).sort()).toEqual(
      [
        `discord_channel ${channelId}`,
        `discord_event ${bot.guildId}`,
        'email ann@example.org',
        'email bob@example.org',
      ].sort(),
    );
  });

  test('WHEN the invitations are delivered THEN the channel gets an embed with times, playback URL and passcode, and the guild an external event', async () => {
    const results = await bot.deliver(reservationId);
    expect(results.map((r) => r.result.status)).toEqual(['delivered', 'delivered']);
    const [invitation] = bot.fake.messagesIn(channelId);
    const row = await reservation();
    const embed = invitation?.embeds[0];
    expect(embed?.title).toBe('Launch @everyone');
    expect(JSON.stringify(embed)).toContain(`<t:${row.startsAt.getTime() / 1000}:F>`);
    expect(JSON.stringify(embed)).toContain(`https://watch.example.org/hls/${row.code}`);
    expect(JSON.stringify(embed)).toContain('open-sesame');
    expect(buttonIds(invitation)).toEqual([`link:https://watch.example.org/hls/${row.code}`]);
    const post = bot.fake.callsTo('POST', new RegExp(`^/channels/${channelId}/messages$`))[0];
    expect(post?.body).toMatchObject({ allowed_mentions: { parse: [] } });
    const [event] = bot.fake.scheduledEventsOf(bot.guildId);
    expect(event).toMatchObject({
      name: 'Launch @everyone',
      entity_type: GuildScheduledEventEntityType.External,
      entity_metadata: { location: `https://watch.example.org/hls/${row.code}` },
      scheduled_start_time: row.startsAt.toISOString(),
      scheduled_end_time: row.endsAt.toISOString(),
    });
    expect(JSON.stringify(event)).not.toContain('open-sesame');
  });

  test('WHEN a delivery is retried THEN the invitation is edited, not posted again', async () => {
    const [row] = await outbox('invitation_confirmed').then((rows) =>
      rows.filter((n) => n.channel === 'discord_channel'),
    );
    await bot.db.prisma.notification.update({ where: { id: row!.id }, data: { status: 'pending' } });
    await bot.deliver(reservationId);
    expect(bot.fake.messagesIn(channelId)).toHaveLength(1);
    expect(bot.fake.callsTo('PATCH', new RegExp(`^/channels/${channelId}/messages/\\d+$`))).toHaveLength(1);
  });

  test('WHEN the organizer clicks Change THEN the modal reopens pre-filled, and the submitted change edits the DM, the invitation and the event', async () => {
    const row = await reservation();
    const click = bot.fake.dispatchInteraction(
      bot.fake.buttonClick({ customId: `sc:ch:${reservationId}:${bot.guildId}`, dm: true, message: promptMessage() }),
    );
    const modal = await bot.fake.waitForInteractionResponse(click.id);
    expect(modal.type).toBe(9);
    const prefilled = JSON.stringify(modal.data);
    expect(prefilled).toContain('"value":"Launch @everyone"');
    expect(prefilled).toContain('"value":"1h30m"');
    expect(prefilled).toContain(
      `"value":"${row.startsAt.toISOString().slice(0, 10)} ${row.startsAt.toISOString().slice(11, 16)}"`,
    );

    const newStart = new Date(row.startsAt.getTime() + 3_600_000);
    const submit = bot.fake.dispatchInteraction(
      bot.fake.modalSubmit({
        customId: (modal.data as { custom_id: string }).custom_id,
        dm: true,
        message: promptMessage(),
        fields: [
          textField('title', 'Launch (moved)'),
          textField('start', newStart.toISOString().slice(0, 16).replace('T', ' ')),
          textField('end', '2h'),
          textField('emails', 'ann@example.org bob@example.org'),
          textField('description', 'Ping @everyone here'),
        ],
      }),
    );
    expect((await bot.fake.waitForInteractionResponse(submit.id)).type).toBe(6);
    await bot.fake.waitForFollowUp(submit.id);
    expect(await reservation()).toMatchObject({
      title: 'Launch (moved)',
      startsAt: newStart,
      endsAt: new Date(newStart.getTime() + 2 * 3_600_000),
      status: 'confirmed',
    });
    expect(promptMessage().embeds[0]?.title).toBe('Reconfirmed: Launch (moved)');

    await bot.deliver(reservationId);
    const [invitation, notice] = bot.fake.messagesIn(channelId);
    expect(invitation?.embeds[0]?.title).toBe('Launch (moved)');
    expect(
      notice?.message_reference?.message_id ??
        (
          bot.fake.callsTo('POST', new RegExp(`^/channels/${channelId}/messages$`)).at(-1)!.body as {
            message_reference?: { message_id: string };
          }
        ).message_reference?.message_id,
    ).toBe(invitation?.id);
    expect(JSON.stringify(notice?.embeds)).toContain(`<t:${newStart.getTime() / 1000}:F>`);
    expect(bot.fake.scheduledEventsOf(bot.guildId)[0]).toMatchObject({
      name: 'Launch (moved)',
      scheduled_start_time: newStart.toISOString(),
    });
  });

  test('WHEN the organizer clicks Cancel and confirms THEN it is cancelled, the invitation marked cancelled and the event cancelled', async () => {
    const click = bot.fake.dispatchInteraction(
      bot.fake.buttonClick({ customId: `sc:cx:${reservationId}:${bot.guildId}`, dm: true, message: promptMessage() }),
    );
    const modal = await bot.fake.waitForInteractionResponse(click.id);
    expect(modal.type).toBe(9);
    const submit = bot.fake.dispatchInteraction(
      bot.fake.modalSubmit({
        customId: (modal.data as { custom_id: string }).custom_id,
        dm: true,
        message: promptMessage(),
        fields: [textField('reason', 'Speaker is ill')],
      }),
    );
    await bot.fake.waitForFollowUp(submit.id);
    expect(await reservation()).toMatchObject({ status: 'cancelled', cancelReason: 'Speaker is ill' });
    expect(promptMessage().embeds[0]?.title).toBe('Cancelled: Launch (moved)');
    expect(promptMessage().components).toEqual([]);
    expect(JSON.stringify(promptMessage())).not.toContain((await reservation()).streamKey);

    await bot.deliver(reservationId);
    const [invitation] = bot.fake.messagesIn(channelId);
    expect(invitation?.embeds[0]?.title).toBe('~~Launch (moved)~~ — cancelled');
    expect(invitation?.components).toEqual([]);
    expect(bot.fake.scheduledEventsOf(bot.guildId)[0]?.status).toBe(GuildScheduledEventStatus.Canceled);
    await waitFor(async () => (await outbox()).every((n) => n.status !== 'pending' || n.channel === 'email'));
  });
});
