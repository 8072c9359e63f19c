/**
 * The Discord transport of the notification pipeline, called the way the delivery worker calls it,
 * against the fake Discord: rate limits, missing permissions, unknown channels, closed DMs, and
 * retries that never duplicate.
 */
import { PermissionFlagsBits } from 'discord.js';
import { requestReservation } from '../../src/app/request.js';
import type { NotificationChannel, NotificationEvent } from '../../src/domain/notifications.js';
import type { MessageModel } from '../../src/notify/message.js';
import { snapshotOf } from '../../src/domain/notifications.js';
import type { StoredReservation } from '../../src/store/reservations.js';
import type { DiscordBot } from '../support/discord-bot.js';
import { startDiscordBot } from '../support/discord-bot.js';
import { DEFAULT_BOT_PERMISSIONS } from '../support/fake-discord.js';
import { makeRequest, makeServer } from '../support/fixtures.js';

let bot: DiscordBot;
let channelId: string;
let noEventsGuildId: string;

beforeAll(async () => {
  bot = await startDiscordBot({
    // Commands are registered in this guild at start.
    env: (fake) => ({ DISCORD_GUILD_ID: fake.guilds[0]!.id }),
    fake: {
      guilds: [
        { channels: [{ name: 'general' }, { name: 'busy' }] },
        {
          name: 'No events',
          botPermissions:
            DEFAULT_BOT_PERMISSIONS & ~(PermissionFlagsBits.CreateEvents | PermissionFlagsBits.ManageEvents),
        },
      ],
    },
  });
  channelId = bot.fake.guilds[0]!.channels[0]!.id;
  noEventsGuildId = bot.fake.guilds[1]!.id;
});
afterAll(() => bot?.stop());

let counter = 0;
async function reservation(guildId = bot.guildId): Promise<StoredReservation> {
  const server = await makeServer(bot.db.prisma);
  const actor = {
    platform: 'discord' as const,
    tenantId: guildId,
    userId: bot.fake.defaultUser.id,
    name: 'Organizer',
    isAdmin: false,
  };
  const outcome = await requestReservation(bot.deps, actor, makeRequest(server.name, { discordChannels: [channelId] }));
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.value;
}

function model(
  stored: StoredReservation,
  event: NotificationEvent,
  channel: NotificationChannel,
  recipient: string,
  extra: Partial<MessageModel> = {},
): MessageModel {
  counter += 1;
  return {
    notificationId: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    event,
    recipient: { channel, recipient },
    reservation: snapshotOf(stored),
    actorName: 'Organizer',
    at: new Date(),
    ...extra,
  };
}

const send = (message: MessageModel) => bot.transport.send({ message, attempt: 1 });

test("GIVEN DISCORD_GUILD_ID THEN the bot registers the manifest's commands in that guild when it starts", async () => {
  const put = await bot.fake.waitForCall(
    'PUT',
    new RegExp(`^/applications/${bot.fake.applicationId}/guilds/${bot.guildId}/commands$`),
  );
  expect((put.body as Array<{ name: string }>).map((command) => command.name)).toEqual(['reserve']);
});

describe('GIVEN a channel invitation', () => {
  test('WHEN Discord answers 429 once THEN the REST queue waits and posts exactly one message', async () => {
    const stored = await reservation();
    const before = bot.fake.messagesIn(channelId).length;
    bot.fake.failNext({
      method: 'POST',
      path: new RegExp(`^/channels/${channelId}/messages$`),
      status: 429,
      retryAfter: 0.05,
    });
    const result = await send(model(stored, 'invitation_confirmed', 'discord_channel', channelId));
    expect(result.status).toBe('delivered');
    expect(bot.fake.messagesIn(channelId)).toHaveLength(before + 1);
    expect(
      bot.fake
        .callsTo('POST', new RegExp(`^/channels/${channelId}/messages$`))
        .slice(-2)
        .map((call) => call.status),
    ).toEqual([429, 200]);
  });

  test('WHEN Discord asks to wait longer than the bot waits in line THEN the worker is told to retry after that time', async () => {
    // A channel of its own: Discord's (and discord.js's) rate limit then holds that channel's route for 30 s.
    const busyChannelId = bot.fake.guilds[0]!.channels[1]!.id;
    const stored = await reservation();
    bot.fake.failNext({
      method: 'POST',
      path: new RegExp(`^/channels/${busyChannelId}/messages$`),
      status: 429,
      retryAfter: 30,
    });
    const result = await send(model(stored, 'invitation_confirmed', 'discord_channel', busyChannelId));
    expect(result).toMatchObject({ status: 'retry', retryAfterMs: expect.any(Number) });
    expect(result.status === 'retry' && result.retryAfterMs! >= 29_000).toBe(true);
  });

  test('WHEN the same invitation is sent twice (a retry after a crash) THEN the second edits the first', async () => {
    const stored = await reservation();
    const message = model(stored, 'invitation_confirmed', 'discord_channel', channelId);
    const first = await send(message);
    const second = await send(message);
    expect(second).toEqual(first);
    expect(
      bot.fake.messagesIn(channelId).filter((posted) => posted.embeds[0]?.footer?.text?.includes(stored.code)),
    ).toHaveLength(1);
  });

  test('WHEN the bot may not post in the channel THEN the delivery fails with a reason saying what to do', async () => {
    const stored = await reservation();
    bot.fake.failNext({ method: 'POST', path: new RegExp(`^/channels/${channelId}/messages$`), status: 403 });
    const result = await send(model(stored, 'invitation_confirmed', 'discord_channel', channelId));
    expect(result).toEqual({
      status: 'failed',
      reason: expect.stringMatching(/may not post in <#\d+>: give its role View Channel, Send Messages/),
    });
  });

  test('WHEN the channel is unknown or the bot cannot see it THEN the delivery fails (never retried)', async () => {
    const stored = await reservation();
    expect(await send(model(stored, 'invitation_confirmed', 'discord_channel', '123456789012345678'))).toEqual({
      status: 'failed',
      reason: expect.stringContaining('no longer exists'),
    });
    bot.fake.failNext({
      method: 'POST',
      path: new RegExp(`^/channels/${channelId}/messages$`),
      status: 403,
      code: 50001,
      message: 'Missing Access',
    });
    expect(await send(model(stored, 'invitation_confirmed', 'discord_channel', channelId))).toEqual({
      status: 'failed',
      reason: expect.stringContaining('cannot see'),
    });
  });

  test('WHEN Discord is down THEN the delivery is retried', async () => {
    const stored = await reservation();
    bot.fake.failNext({ method: 'POST', path: new RegExp(`^/channels/${channelId}/messages$`), status: 500, times: 4 });
    expect(await send(model(stored, 'invitation_confirmed', 'discord_channel', channelId))).toMatchObject({
      status: 'retry',
    });
  });

  test('WHEN the invitation message was deleted THEN a change posts it again and replies the notice under it', async () => {
    const stored = { ...(await reservation()), status: 'confirmed' as const };
    await send(model(stored, 'invitation_confirmed', 'discord_channel', channelId));
    const posted = bot.fake.messagesIn(channelId).at(-1)!;
    // Someone deletes the invitation behind the bot's back.
    const deleted = await fetch(`${bot.fake.restUrl}/v10/channels/${channelId}/messages/${posted.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bot ${bot.fake.token}` },
    });
    expect(deleted.status).toBe(204);
    const result = await send(
      model(stored, 'change_notice', 'discord_channel', channelId, {
        changes: [{ field: 'title', from: 'Old', to: stored.title }],
      }),
    );
    expect(result.status).toBe('delivered');
    const [invitation, notice] = bot.fake.messagesIn(channelId).slice(-2);
    expect(invitation?.embeds[0]?.title).toBe(stored.title);
    const reply = bot.fake.callsTo('POST', new RegExp(`^/channels/${channelId}/messages$`)).at(-1)?.body as {
      message_reference?: { message_id: string };
    };
    expect(reply.message_reference?.message_id).toBe(invitation?.id);
    expect(notice?.embeds[0]?.description).toContain('**Title**: Old →');
  });
});

describe('GIVEN the guild scheduled event', () => {
  test('WHEN the bot lacks Create Events THEN the delivery fails with a reason the organizer can act on', async () => {
    const stored = await reservation(noEventsGuildId);
    const result = await send(
      model({ ...stored, status: 'confirmed' }, 'invitation_confirmed', 'discord_event', noEventsGuildId),
    );
    expect(result).toEqual({ status: 'failed', reason: expect.stringContaining('Create Events') });
    expect(bot.fake.scheduledEventsOf(noEventsGuildId)).toEqual([]);
  });

  test('WHEN confirmed, changed and cancelled THEN one event is created, edited and cancelled', async () => {
    const stored = await reservation();
    const confirmed = { ...stored, status: 'confirmed' as const };
    const created = await send(model(confirmed, 'invitation_confirmed', 'discord_event', bot.guildId));
    await send(model(confirmed, 'invitation_confirmed', 'discord_event', bot.guildId));
    const moved = {
      ...confirmed,
      startsAt: new Date(stored.startsAt.getTime() + 3_600_000),
      endsAt: new Date(stored.endsAt.getTime() + 3_600_000),
    };
    await send(model(moved, 'change_notice', 'discord_event', bot.guildId));
    const mine = () =>
      bot.fake.scheduledEventsOf(bot.guildId).filter((event) => event.description?.includes(stored.code));
    expect(mine()).toHaveLength(1);
    expect(mine()[0]).toMatchObject({
      id: created.status === 'delivered' ? created.providerMessageId : '',
      scheduled_start_time: moved.startsAt.toISOString(),
    });
    await send(model({ ...moved, status: 'cancelled' }, 'cancellation_notice', 'discord_event', bot.guildId));
    expect(mine()[0]?.status).toBe(4);
  });

  test('WHEN a live stream is extended THEN its started event gets the new end and keeps the start it began at', async () => {
    const stored = await reservation();
    const confirmed = { ...stored, status: 'confirmed' as const };
    await send(model(confirmed, 'invitation_confirmed', 'discord_event', bot.guildId));
    // The stream went live: the event follower marked the event started (src/chat/events.ts).
    await bot.db.prisma.chatMessage.updateMany({
      where: { reservationId: stored.id, purpose: 'event' },
      data: { drawnStatus: 'live', drawnVersion: stored.version },
    });
    const extended = {
      ...confirmed,
      status: 'live' as const,
      startsAt: new Date(stored.startsAt.getTime() + 60_000),
      endsAt: new Date(stored.endsAt.getTime() + 30 * 60_000),
    };
    await send(model(extended, 'change_notice', 'discord_event', bot.guildId));
    const [event] = bot.fake.scheduledEventsOf(bot.guildId).filter((each) => each.description?.includes(stored.code));
    expect(event).toMatchObject({
      scheduled_start_time: stored.startsAt.toISOString(),
      scheduled_end_time: extended.endsAt.toISOString(),
    });
  });

  test('WHEN the playback URL is longer than an event location can be THEN the delivery fails saying so', async () => {
    const server = await makeServer(bot.db.prisma, { playbackBaseUrl: `https://watch.example.org/${'x'.repeat(90)}` });
    const actor = {
      platform: 'discord' as const,
      tenantId: bot.guildId,
      userId: bot.fake.defaultUser.id,
      name: 'Organizer',
      isAdmin: false,
    };
    const outcome = await requestReservation(bot.deps, actor, makeRequest(server.name));
    if (!outcome.ok) throw new Error(outcome.message);
    expect(
      await send(
        model({ ...outcome.value, status: 'confirmed' }, 'invitation_confirmed', 'discord_event', bot.guildId),
      ),
    ).toEqual({ status: 'failed', reason: expect.stringContaining('100 characters') });
  });
});

describe('GIVEN the organizer DM', () => {
  test('WHEN the user does not accept DMs from the bot THEN the delivery fails with that reason', async () => {
    const stored = await reservation();
    bot.fake.failNext({
      method: 'POST',
      path: /^\/channels\/\d+\/messages$/,
      status: 403,
      code: 50007,
      message: 'Cannot send messages to this user',
    });
    const result = await send(
      model(stored, 'permit_prompt', 'discord_dm', bot.fake.defaultUser.id, {
        ingest: { url: 'rtmp://x/live', streamKey: 'sk_secret' },
      }),
    );
    expect(result).toEqual({ status: 'failed', reason: expect.stringContaining('DMs from server members') });
  });

  test('WHEN a failure report is delivered THEN the organizer reads each unreachable contact and its reason', async () => {
    const stored = await reservation();
    const result = await send(
      model(stored, 'delivery_failure_report', 'discord_dm', bot.fake.defaultUser.id, {
        unreachable: [
          {
            channel: 'discord_event',
            recipient: bot.guildId,
            reason:
              'The bot may not create scheduled events in this server: give its role the Create Events permission',
          },
        ],
      }),
    );
    expect(result.status).toBe('delivered');
    const dm = bot.fake.callsTo('POST', /^\/channels\/\d+\/messages$/).at(-1);
    expect(JSON.stringify(dm?.body)).toContain(
      'the scheduled event in this server: The bot may not create scheduled events',
    );
    expect(dm?.body).toMatchObject({ allowed_mentions: { parse: [] } });
  });
});
