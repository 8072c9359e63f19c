/**
 * The Discord fake drives the real discord.js 14 Client end to end: gateway handshake, interaction
 * dispatch, interaction responses, REST calls with injected 429 and 403 answers.
 */
import { once } from 'node:events';
import type { ChatInputCommandInteraction, Interaction, ModalSubmitInteraction, TextChannel } from 'discord.js';
import {
  ChannelSelectMenuBuilder,
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  GatewayOpcodes,
  GuildScheduledEventEntityType,
  GuildScheduledEventPrivacyLevel,
  InteractionResponseType,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import type { FakeDiscord } from '../support/fake-discord.js';
import { channelSelectField, startFakeDiscord, textField } from '../support/fake-discord.js';

let fake: FakeDiscord;
let client: Client;
/** Errors thrown by the interaction handler; each test expects none. */
const handlerErrors: unknown[] = [];
/** What the handler read from the last interaction of each kind. */
const seen: Record<string, unknown> = {};

function bookingModal(): ModalBuilder {
  return new ModalBuilder()
    .setCustomId('book')
    .setTitle('Book a slot')
    .addLabelComponents(
      new LabelBuilder()
        .setLabel('Title')
        .setTextInputComponent(new TextInputBuilder().setCustomId('title').setStyle(TextInputStyle.Short)),
      new LabelBuilder()
        .setLabel('Announce in')
        .setChannelSelectMenuComponent(
          new ChannelSelectMenuBuilder().setCustomId('channel').setChannelTypes(ChannelType.GuildText),
        ),
    );
}

async function onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
  if (interaction.commandName === 'ping') {
    const response = await interaction.reply({ content: 'pong', withResponse: true });
    seen.reply = response.resource?.message?.id;
    await interaction.followUp({ content: 'and more', flags: MessageFlags.Ephemeral });
    return;
  }
  seen.command = {
    subcommand: interaction.options.getSubcommand(),
    title: interaction.options.getString('title'),
    minutes: interaction.options.getInteger('minutes'),
    guildId: interaction.guildId,
  };
  await interaction.showModal(bookingModal());
}

async function onModalSubmit(interaction: ModalSubmitInteraction): Promise<void> {
  seen.modal = {
    title: interaction.fields.getTextInputValue('title'),
    notes: interaction.fields.getTextInputValue('notes'),
    channelIds: [...(interaction.fields.getSelectedChannels('channel', true)?.keys() ?? [])],
  };
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  await interaction.editReply({ content: `Booked “${interaction.fields.getTextInputValue('title')}”` });
}

async function handle(interaction: Interaction): Promise<void> {
  if (interaction.isChatInputCommand()) return onCommand(interaction);
  if (interaction.isModalSubmit()) return onModalSubmit(interaction);
  if (interaction.isAutocomplete()) {
    const focused = interaction.options.getFocused(true);
    seen.autocomplete = { name: focused.name, value: focused.value };
    return interaction.respond([{ name: `${focused.value}ch stream`, value: 'launch' }]);
  }
  if (interaction.isButton()) {
    seen.button = {
      customId: interaction.customId,
      userId: interaction.user.id,
      member: interaction.member,
      inGuild: interaction.inGuild(),
    };
    await interaction.update({ content: 'Confirmed', components: [] });
  }
}

function textChannel(): TextChannel {
  const channel = client.channels.cache.get(fake.guilds[0]?.channels[0]?.id ?? '');
  if (!channel?.isTextBased() || channel.type !== ChannelType.GuildText)
    throw new Error('guild text channel not cached');
  return channel;
}

beforeAll(async () => {
  fake = await startFakeDiscord({ heartbeatIntervalMs: 1000 });
  client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
    rest: { api: fake.restUrl },
  });
  client.on(Events.InteractionCreate, (interaction) => {
    handle(interaction).catch((error: unknown) => handlerErrors.push(error));
  });
  const ready = once(client, Events.ClientReady);
  await client.login(fake.token);
  await ready;
});

afterAll(async () => {
  await client?.destroy();
  await fake?.close();
});

afterEach(() => {
  expect(handlerErrors).toEqual([]);
});

describe('fake Discord with the real discord.js Client', () => {
  it('completes the gateway handshake with the requested intents', async () => {
    const identify = await fake.waitForIdentify();
    expect(identify.token).toBe('fake-token');
    expect(fake.identifiedIntents).toBe(GatewayIntentBits.Guilds | GatewayIntentBits.DirectMessages);
    expect(fake.gatewayQueries[0]).toMatchObject({ v: '10', encoding: 'json' });
    expect(client.user?.id).toBe(fake.bot.id);
    expect(client.application?.id).toBe(fake.applicationId);
    expect(client.guilds.cache.get(fake.guilds[0]?.id ?? '')?.name).toBe('Slotcast Test Guild');
    expect(textChannel().name).toBe('general');
    expect(fake.callsTo('GET', /^\/gateway\/bot$/)[0]?.headers.authorization).toBe('Bot fake-token');
  });

  it('acknowledges heartbeats', async () => {
    const acknowledged = new Promise<void>((resolve) => {
      const onDebug = (message: string): void => {
        if (!message.includes('Heartbeat acknowledged')) return;
        client.off(Events.Debug, onDebug);
        resolve();
      };
      client.on(Events.Debug, onDebug);
    });
    await fake.waitForGatewayPayload(GatewayOpcodes.Heartbeat);
    await acknowledged;
  });

  it('answers a slash command with the modal the handler shows', async () => {
    const { id } = fake.dispatchInteraction(
      fake.slashCommand({ name: 'slot', subcommand: 'book', options: { title: 'Launch', minutes: 90 } }),
    );
    const response = await fake.waitForInteractionResponse(id);
    expect(seen.command).toEqual({ subcommand: 'book', title: 'Launch', minutes: 90, guildId: fake.guilds[0]?.id });
    expect(response.type).toBe(InteractionResponseType.Modal);
    expect(response.data).toMatchObject({
      custom_id: 'book',
      title: 'Book a slot',
      components: [
        { type: 18, label: 'Title', component: { type: 4, custom_id: 'title' } },
        { type: 18, label: 'Announce in', component: { type: 8, custom_id: 'channel', channel_types: [0] } },
      ],
    });
  });

  it('offers autocomplete choices for the focused option', async () => {
    const { id } = fake.dispatchInteraction(
      fake.autocomplete({ name: 'slot', subcommand: 'book', options: { title: '90' }, focused: 'title' }),
    );
    const response = await fake.waitForInteractionResponse(id);
    expect(seen.autocomplete).toEqual({ name: 'title', value: '90' });
    expect(response).toEqual({ type: 8, data: { choices: [{ name: '90ch stream', value: 'launch' }] } });
  });

  it('reads Label and action-row fields of a modal submit, defers ephemerally, then edits the reply', async () => {
    const channelId = fake.guilds[0]?.channels[0]?.id ?? '';
    const { id } = fake.dispatchInteraction(
      fake.modalSubmit({
        customId: 'book',
        fields: [
          textField('title', 'Launch'),
          textField('notes', 'bring snacks', 'actionRow'),
          channelSelectField('channel', [channelId]),
        ],
      }),
    );
    expect(await fake.waitForInteractionResponse(id)).toEqual({ type: 5, data: { flags: MessageFlags.Ephemeral } });
    const edit = await fake.waitForOriginalEdit(id);
    expect(edit.body).toMatchObject({ content: 'Booked “Launch”' });
    expect(edit.status).toBe(200);
    expect(seen.modal).toEqual({ title: 'Launch', notes: 'bring snacks', channelIds: [channelId] });
    // The edit replaced the "thinking…" placeholder and stayed ephemeral.
    expect(fake.interaction(id)?.original?.flags).toBe(MessageFlags.Ephemeral);
  });

  it('updates the message of a button clicked in a DM (user, no member)', async () => {
    const user = fake.addUser({ username: 'guest' });
    const interaction = fake.buttonClick({ customId: 'confirm', dm: true, user });
    expect(interaction).not.toHaveProperty('member');
    const { id } = fake.dispatchInteraction(interaction);
    const response = await fake.waitForInteractionResponse(id);
    expect(response).toMatchObject({ type: 7, data: { content: 'Confirmed', components: [] } });
    expect(seen.button).toEqual({ customId: 'confirm', userId: user.id, member: null, inGuild: false });
    expect(fake.interaction(id)?.original?.content).toBe('Confirmed');
  });

  it('replies with the created message (with_response) and records a follow-up', async () => {
    const { id } = fake.dispatchInteraction(fake.slashCommand({ name: 'ping', dm: true }));
    const callback = await fake.waitForCall('POST', new RegExp(`^/interactions/${id}/`));
    expect(callback.query).toEqual({ with_response: 'true' });
    expect(callback.body).toMatchObject({ type: 4, data: { content: 'pong' } });
    const followUp = await fake.waitForFollowUp(id);
    expect(followUp.body).toMatchObject({ content: 'and more', flags: MessageFlags.Ephemeral });
    expect(followUp.query).toEqual({ wait: 'true' });
    expect(seen.reply).toBe(fake.interaction(id)?.original?.id);
  });

  it('refuses a second response to the same interaction as Discord does', async () => {
    const { id, token } = fake.dispatchInteraction(fake.buttonClick({ customId: 'confirm' }));
    await fake.waitForInteractionResponse(id);
    const second = client.rest.post(`/interactions/${id}/${token}/callback`, { body: { type: 6 }, auth: false });
    await expect(second).rejects.toMatchObject({ status: 400, code: 40060 });
  });

  it('rides out a 429 on message creation: one retry, one message', async () => {
    const mark = fake.calls.length;
    fake.failNext({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 429, retryAfter: 0.05 });
    const rateLimited = once(client.rest, 'rateLimited');
    const message = await textChannel().send({ content: 'Hello', allowedMentions: { parse: [] } });
    const attempts = fake.callsTo('POST', /^\/channels\/\d+\/messages$/).filter((call) => call.seq >= mark);
    expect(attempts.map((call) => call.status)).toEqual([429, 200]);
    expect(attempts[0]?.response).toEqual({ message: 'You are being rate limited.', retry_after: 0.05, global: false });
    expect(attempts[1]?.body).toMatchObject({ content: 'Hello', allowed_mentions: { parse: [] } });
    expect(message.id).toBe((attempts[1]!.response as { id: string }).id);
    expect(fake.messagesIn(textChannel().id).filter((posted) => posted.content === 'Hello')).toHaveLength(1);
    const [limit] = (await rateLimited) as [{ scope: string; retryAfter: number }];
    expect(limit.scope).toBe('user');
  });

  it('surfaces a 403 Missing Permissions as DiscordAPIError 50013, without retrying', async () => {
    const mark = fake.calls.length;
    fake.failNext({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 403 });
    const error = await textChannel()
      .send('Hello')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ code: 50013, status: 403, message: 'Missing Permissions' });
    expect(fake.calls.filter((call) => call.seq >= mark)).toHaveLength(1);
  });

  it('retries a 500 and succeeds', async () => {
    fake.failNext({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 500 });
    const message = await textChannel().send('After an outage');
    expect(message.content).toBe('After an outage');
    expect(
      fake
        .callsTo('POST', /^\/channels\/\d+\/messages$/)
        .slice(-2)
        .map((call) => call.status),
    ).toEqual([500, 200]);
  });

  it('bulk-overwrites global and guild commands, echoing them with ids', async () => {
    const guildId = fake.guilds[0]?.id ?? '';
    const global = await client.application?.commands.set([{ name: 'slot', description: 'Book streaming time' }]);
    const inGuild = await client.application?.commands.set(
      [{ name: 'slotadmin', description: 'Manage servers' }],
      guildId,
    );
    expect(global?.first()?.name).toBe('slot');
    expect(inGuild?.first()?.guildId).toBe(guildId);
    const put = await fake.waitForCall('PUT', /^\/applications\/\d+\/guilds\/\d+\/commands$/);
    expect(put.route).toBe('/applications/:application_id/guilds/:guild_id/commands');
    // Interactions for a registered command carry its id.
    expect(fake.slashCommand({ name: 'slot' })).toMatchObject({ data: { id: global?.first()?.id } });
  });

  it('parses payload_json out of multipart uploads', async () => {
    const ics = Buffer.from('BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n');
    const message = await textChannel().send({ content: 'Invite', files: [{ attachment: ics, name: 'slot.ics' }] });
    const call = await fake.waitForCall(
      'POST',
      /^\/channels\/\d+\/messages$/,
      (candidate) => candidate.files.length > 0,
    );
    expect(call.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(call.body).toMatchObject({ content: 'Invite' });
    expect(call.files).toEqual([
      { field: 'files[0]', name: 'slot.ics', contentType: expect.any(String), size: ics.length },
    ]);
    expect(message.attachments.first()?.name).toBe('slot.ics');
  });

  it('opens a DM and posts into it', async () => {
    const user = await client.users.fetch(fake.defaultUser.id);
    const message = await user.send('Your slot is confirmed');
    const dm = await fake.waitForCall('POST', /^\/users\/@me\/channels$/);
    expect(dm.body).toEqual({ recipient_id: fake.defaultUser.id });
    expect(message.channel.type).toBe(ChannelType.DM);
    // Discord keeps one DM channel per user: the one DM interactions from this user come from.
    expect(message.channelId).toBe(fake.slashCommand({ name: 'ping', dm: true }).channel?.id);
    expect(fake.messagesIn(message.channelId).at(-1)?.content).toBe('Your slot is confirmed');
  });

  it('creates and edits an external scheduled event, and rejects one without a location', async () => {
    const guild = client.guilds.cache.get(fake.guilds[0]?.id ?? '');
    if (!guild) throw new Error('guild not cached');
    const start = new Date(Date.now() + 86_400_000);
    const base = {
      name: 'Launch stream',
      scheduledStartTime: start,
      scheduledEndTime: new Date(start.getTime() + 3_600_000),
      privacyLevel: GuildScheduledEventPrivacyLevel.GuildOnly,
      entityType: GuildScheduledEventEntityType.External,
    } as const;
    const event = await guild.scheduledEvents.create({
      ...base,
      entityMetadata: { location: 'https://example.test/live' },
    });
    expect(event.entityMetadata?.location).toBe('https://example.test/live');
    const edited = await guild.scheduledEvents.edit(event, { name: 'Launch stream (moved)' });
    expect(edited.name).toBe('Launch stream (moved)');
    expect(fake.scheduledEventsOf(guild.id)).toHaveLength(1);
    await expect(guild.scheduledEvents.create({ ...base, entityMetadata: { location: '' } })).rejects.toMatchObject({
      code: 50035,
    });
  });

  it('resumes the session when asked to reconnect', async () => {
    const resumed = once(client, Events.ShardResume);
    fake.requestReconnect();
    const resume = await fake.waitForGatewayPayload(GatewayOpcodes.Resume);
    expect(resume.d).toMatchObject({ token: 'fake-token' });
    await resumed;
    const { id } = fake.dispatchInteraction(fake.buttonClick({ customId: 'confirm' }));
    expect((await fake.waitForInteractionResponse(id)).type).toBe(7);
  });
});
