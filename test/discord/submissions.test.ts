/**
 * What people type: times in their zone (across a daylight-saving change), bad input, a taken
 * slot with free ones offered as buttons, repeated interactions, and the other subcommands.
 */
import { MessageFlags } from 'discord.js';
import { requestReservation } from '../../src/app/request.js';
import { redeemWebLink } from '../../src/app/web-access.js';
import type { DiscordBot } from '../support/discord-bot.js';
import { startDiscordBot } from '../support/discord-bot.js';
import type { ModalFieldInput } from '../support/fake-discord.js';
import { textField } from '../support/fake-discord.js';
import { TestClock, makeServer, waitFor } from '../support/fixtures.js';

const clock = new TestClock();
let bot: DiscordBot;
let serverName: string;

beforeAll(async () => {
  bot = await startDiscordBot({ deps: { clock: clock.now } });
  serverName = (await makeServer(bot.db.prisma, { name: 'solo', capacity: 1 })).name;
});
afterAll(() => bot?.stop());
beforeEach(() => clock.set(new Date()));
afterEach(() => expect(bot.logged.errors).toEqual([]));

type Body = { custom_id: string; components?: unknown; embeds?: Array<{ title?: string; description?: string }> };

async function command(
  subcommand: string,
  options: Record<string, string> = {},
  user = bot.fake.defaultUser,
  dm = false,
) {
  const { id } = bot.fake.dispatchInteraction(
    bot.fake.slashCommand({ name: 'reserve', subcommand, options, user, dm }),
  );
  return { id, response: await bot.fake.waitForInteractionResponse(id) };
}

/** /reserve new, then the modal submitted with these fields; returns the interaction id and the final reply. */
async function reserve(
  fields: { title?: string; start: string; end: string; emails?: string },
  user = bot.fake.defaultUser,
) {
  const { response } = await command('new', { server: serverName }, user);
  const modal = response.data as Body;
  const inputs: ModalFieldInput[] = [
    textField('title', fields.title ?? 'Stream'),
    textField('start', fields.start),
    textField('end', fields.end),
    textField('emails', fields.emails ?? ''),
  ];
  const { id } = bot.fake.dispatchInteraction(
    bot.fake.modalSubmit({ customId: modal.custom_id, fields: inputs, user }),
  );
  const edit = await bot.fake.waitForOriginalEdit(id);
  return { id, reply: edit.body as Body, modal };
}

const reservationOf = (interactionId: string) =>
  bot.db.prisma.reservation.findFirst({ where: { requestKey: `discord:${interactionId}` } });

describe("GIVEN times typed in the user's zone", () => {
  test('WHEN the user sets a zone THEN it is saved, and a zone that does not exist is refused', async () => {
    const saved = await command('timezone', { zone: 'europe/berlin' });
    expect(saved.response.type).toBe(5);
    expect(JSON.stringify((await bot.fake.waitForOriginalEdit(saved.id)).body)).toContain('Europe/Berlin');
    expect(await bot.db.prisma.userSetting.findFirst({ where: { userId: bot.fake.defaultUser.id } })).toMatchObject({
      platform: 'discord',
      tenantId: bot.guildId,
      timeZone: 'Europe/Berlin',
    });
    const refused = await command('timezone', { zone: 'Mars/Olympus_Mons' });
    expect(JSON.stringify((await bot.fake.waitForOriginalEdit(refused.id)).body)).toContain('is not an IANA time zone');
  });

  test('WHEN "tomorrow 19:00" is typed the day before clocks go forward THEN it is read at the summer offset', async () => {
    // Europe's clocks go forward on Sunday 28 March 2027 at 02:00; New York's went on 14 March.
    clock.set(new Date('2027-03-27T12:00:00Z'));
    const { id, modal, reply } = await reserve({ start: 'tomorrow 19:00', end: '20:30' });
    expect(JSON.stringify(modal)).toContain('Europe/Berlin');
    const row = await reservationOf(id);
    expect(row?.startsAt.toISOString()).toBe('2027-03-28T17:00:00.000Z');
    expect(row?.endsAt.toISOString()).toBe('2027-03-28T18:30:00.000Z');
    expect(JSON.stringify(reply)).toContain(`<t:${Date.parse('2027-03-28T17:00:00Z') / 1000}:F>`);
    expect(JSON.stringify(reply)).toContain('Europe/Berlin');
  });

  test("WHEN users in other zones type the same words THEN each is read in their own zone (or the guild's default)", async () => {
    clock.set(new Date('2027-03-27T12:00:00Z'));
    const newYorker = bot.fake.addUser({ username: 'newyorker' });
    // The command answers at once (deferred) and saves the zone after: wait for its "saved".
    const saved = await command('timezone', { zone: 'America/New_York' }, newYorker);
    await bot.fake.waitForOriginalEdit(saved.id);
    const ny = await reserve({ start: 'tomorrow 19:00', end: '1h' }, newYorker);
    expect((await reservationOf(ny.id))?.startsAt.toISOString()).toBe('2027-03-28T23:00:00.000Z');

    await bot.db.prisma.workspaceSetting.create({
      data: { platform: 'discord', tenantId: bot.guildId, timeZone: 'Asia/Tokyo' },
    });
    const tokyoGuest = bot.fake.addUser({ username: 'guest' });
    const tokyo = await reserve({ start: 'tomorrow 19:00', end: '1h' }, tokyoGuest);
    expect((await reservationOf(tokyo.id))?.startsAt.toISOString()).toBe('2027-03-28T10:00:00.000Z');

    const iso = await reserve({ start: '2027-03-29T09:00:00+09:00', end: '45m' }, tokyoGuest);
    expect((await reservationOf(iso.id))?.startsAt.toISOString()).toBe('2027-03-29T00:00:00.000Z');
  });
});

describe('GIVEN bad input', () => {
  test('WHEN fields are wrong THEN one ephemeral reply names each bad field, nothing is booked, and "Edit and try again" reopens the modal filled in', async () => {
    const before = await bot.db.prisma.reservation.count();
    const { id, reply } = await reserve({
      title: ' ',
      start: 'banana',
      end: '90m',
      emails: 'ann@example.org, not-an-address',
    });
    expect(bot.fake.interaction(id)?.original?.flags).toBe(MessageFlags.Ephemeral);
    const text = reply.embeds?.[0]?.description ?? '';
    expect(text).toContain('**Start**: "banana" is not a time');
    expect(text).toContain('**Title**: The title is required.');
    expect(text).toContain('**Invitee e-mails**: Not valid e-mail addresses: "not-an-address"');
    expect(await bot.db.prisma.reservation.count()).toBe(before);

    const editId = JSON.stringify(reply.components).match(/sc:ed:\d+/)?.[0] ?? '';
    const click = bot.fake.dispatchInteraction(bot.fake.buttonClick({ customId: editId }));
    const modal = await bot.fake.waitForInteractionResponse(click.id);
    expect(modal.type).toBe(9);
    expect(JSON.stringify(modal.data)).toContain('"value":"banana"');
    expect(JSON.stringify(modal.data)).toContain('not-an-address');
  });

  test('WHEN the start is in the past THEN the policy error names the Start field', async () => {
    const { reply } = await reserve({ start: '2020-01-01 10:00', end: '1h' });
    expect(reply.embeds?.[0]?.description).toContain('**Start**: The start is in the past.');
  });

  test('WHEN the server does not exist THEN no modal opens and the user is told', async () => {
    const { response } = await command('new', { server: 'nope' });
    expect(response).toMatchObject({ type: 4, data: { flags: MessageFlags.Ephemeral } });
    expect((response.data as Body).embeds?.[0]?.description).toContain('no active server named "nope"');
  });

  test('WHEN /reserve is used in a DM THEN the user is asked to use it in a server', async () => {
    const { response } = await command('list', {}, bot.fake.defaultUser, true);
    expect(JSON.stringify(response.data)).toContain('run `/reserve` in one of its channels');
  });
});

describe('GIVEN a taken slot', () => {
  test('WHEN the request is refused THEN the nearest free slots come as buttons, and clicking two of them books only once', async () => {
    const start = new Date(Math.ceil((Date.now() + 3 * 86_400_000) / 3_600_000) * 3_600_000);
    const other = {
      platform: 'discord' as const,
      tenantId: bot.guildId,
      userId: '999999999999999999',
      name: 'Other',
      isAdmin: false,
    };
    const taken = await requestReservation(bot.deps, other, {
      server: serverName,
      title: 'Taken',
      startsAt: start,
      endsAt: new Date(start.getTime() + 3_600_000),
      emails: [],
      slackChannels: [],
      discordChannels: [],
    });
    expect(taken.ok).toBe(true);

    const { id, reply } = await reserve({ start: start.toISOString(), end: '1h' });
    expect(reply.embeds?.[0]?.title).toBe('That time is taken');
    expect(await reservationOf(id)).toBeNull();
    const slots = JSON.stringify(reply.components).match(/sc:sl:\d+:\d+/g) ?? [];
    expect(slots.length).toBeGreaterThanOrEqual(2);

    const first = bot.fake.dispatchInteraction(bot.fake.buttonClick({ customId: slots[0]! }));
    expect((await bot.fake.waitForInteractionResponse(first.id)).type).toBe(6);
    expect(JSON.stringify((await bot.fake.waitForOriginalEdit(first.id)).body)).toContain('Permitted');
    const second = bot.fake.dispatchInteraction(bot.fake.buttonClick({ customId: slots[1]! }));
    await bot.fake.waitForOriginalEdit(second.id);
    const booked = await bot.db.prisma.reservation.findMany({ where: { requestKey: `discord:${id}` } });
    expect(booked).toHaveLength(1);
    expect(booked[0]?.startsAt.getTime()).not.toBe(start.getTime());
  });

  test('WHEN Discord delivers the same submission twice THEN it is booked once', async () => {
    const { response } = await command('new', { server: serverName });
    const payload = bot.fake.modalSubmit({
      customId: (response.data as Body).custom_id,
      fields: [
        textField('title', 'Twice'),
        textField('start', 'in 5 days'),
        textField('end', '30m'),
        textField('emails', ''),
      ],
    });
    bot.fake.dispatchInteraction(payload);
    await bot.fake.waitForOriginalEdit(payload.id);
    bot.fake.dispatchInteraction(payload);
    const edits = () =>
      bot.fake.callsTo('PATCH', /\/messages\/@original$/).filter((call) => call.path.includes(payload.token));
    await waitFor(() => edits().length === 2);
    // The second delivery is answered with the first booking, not a second one.
    expect(JSON.stringify(edits()[1]?.body)).toContain('Permitted');
    expect(await bot.db.prisma.reservation.count({ where: { title: 'Twice' } })).toBe(1);
  });
});

describe('GIVEN /reserve list and /reserve help', () => {
  test("WHEN a member lists THEN they see only their own; a guild admin sees everyone's with buttons", async () => {
    const member = bot.fake.addUser({ username: 'member' });
    const own = await reserve({ title: 'Member stream', start: 'in 6 days', end: '30m' }, member);
    expect(await reservationOf(own.id)).not.toBeNull();
    const mine = await command('list', {}, member);
    const memberList = JSON.stringify((await bot.fake.waitForOriginalEdit(mine.id)).body);
    expect(memberList).toContain('Member stream');
    expect(memberList).not.toContain('Taken');

    const admin = await command('list');
    const adminList = JSON.stringify((await bot.fake.waitForOriginalEdit(admin.id)).body);
    expect(adminList).toContain('Member stream');
    expect(adminList).toMatch(/sc:cx:[0-9a-f-]{36}:\d+/);
  });

  test("WHEN a guild admin cancels a member's reservation from the list THEN it is cancelled", async () => {
    const row = await bot.db.prisma.reservation.findFirstOrThrow({ where: { title: 'Member stream' } });
    const click = bot.fake.dispatchInteraction(bot.fake.buttonClick({ customId: `sc:cx:${row.id}:${bot.guildId}` }));
    const modal = await bot.fake.waitForInteractionResponse(click.id);
    expect(modal.type).toBe(9);
    const submit = bot.fake.dispatchInteraction(
      bot.fake.modalSubmit({ customId: (modal.data as Body).custom_id, fields: [textField('reason', '')] }),
    );
    await bot.fake.waitForOriginalEdit(submit.id);
    expect((await bot.db.prisma.reservation.findUniqueOrThrow({ where: { id: row.id } })).status).toBe('cancelled');
  });

  test('WHEN a member asks for /reserve open with their code THEN an ephemeral sign-in link opens a session as them, to that reservation', async () => {
    const member = bot.fake.addUser({ username: 'opener' });
    const own = await reserve({ title: 'Open stream', start: 'in 8 days', end: '30m' }, member);
    const row = (await reservationOf(own.id))!;
    const asked = await command('open', { reservation: row.code.toLowerCase() }, member);
    expect(asked.response).toMatchObject({ type: 5, data: { flags: MessageFlags.Ephemeral } });
    const reply = JSON.stringify((await bot.fake.waitForOriginalEdit(asked.id)).body);
    expect(reply).toContain(`Open ${row.code} in the browser`);
    expect(reply).toMatch(/It works once, until <t:\d+:t>/);
    const token = /\/open\/(wl_[\w-]{43})/.exec(reply)![1]!;
    expect(await redeemWebLink(bot.deps, token)).toMatchObject({
      ok: true,
      next: `/r/${row.code}`,
      actor: { platform: 'discord', tenantId: bot.guildId, userId: member.id, isAdmin: false },
    });
    // Nowhere but in ephemeral replies (flag 64, seen by the caller alone): no channel or DM message carries it.
    const visible = bot.fake.guilds
      .flatMap((guild) => guild.channels.flatMap((channel) => bot.fake.messagesIn(channel.id)))
      .filter((posted) => ((posted.flags ?? 0) & MessageFlags.Ephemeral) === 0);
    expect(visible.length).toBeGreaterThan(0);
    expect(JSON.stringify(visible)).not.toContain(token);

    const other = bot.fake.addUser({ username: 'snooper' });
    const refused = await command('open', { reservation: row.code }, other);
    expect(JSON.stringify((await bot.fake.waitForOriginalEdit(refused.id)).body)).toContain(
      `No reservation you can see has the code \`${row.code}\``,
    );
    const timeline = await command('open', {}, other);
    expect(JSON.stringify((await bot.fake.waitForOriginalEdit(timeline.id)).body)).toContain(
      'Open the timeline in the browser',
    );
  });

  test('WHEN help is asked THEN an ephemeral guide explains the time formats', async () => {
    const { response } = await command('help');
    expect(response).toMatchObject({ type: 4, data: { flags: MessageFlags.Ephemeral } });
    expect(JSON.stringify(response.data)).toContain('tomorrow 19:00');
  });
});
