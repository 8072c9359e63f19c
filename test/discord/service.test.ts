/**
 * End to end: the whole service as `npm start` runs it (HTTP, Agenda on PostgreSQL, the outbox
 * delivery worker, e-mail as .eml files) with the Discord bot connected to the fake Discord.
 * Claims 1–8 through Discord: request, permit prompt, reconfirmation, invitations carrying the
 * playback URL and passcode, change and cancellation notices, invitations already at permission
 * (mode 7), lapse; plus a 429 while posting and a missing permission reported to the organizer.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { APIMessage } from 'discord.js';
import { PermissionFlagsBits } from 'discord.js';
import { reportDeliveryFailures } from '../../src/app/reminders.js';
import type { FakeDiscord } from '../support/fake-discord.js';
import { DEFAULT_BOT_PERMISSIONS, channelSelectField, startFakeDiscord, textField } from '../support/fake-discord.js';
import { makeServer, waitFor } from '../support/fixtures.js';
import type { TestService } from '../support/service.js';
import { startTestService } from '../support/service.js';

let fake: FakeDiscord;
let svc: TestService;
let guildId: string;
let channelId: string;
let quietGuildId: string;
let quietChannelId: string;

beforeAll(async () => {
  fake = await startFakeDiscord({
    guilds: [
      { channels: [{ name: 'general' }, { name: 'streams' }] },
      {
        name: 'No events',
        botPermissions:
          DEFAULT_BOT_PERMISSIONS & ~(PermissionFlagsBits.CreateEvents | PermissionFlagsBits.ManageEvents),
      },
    ],
  });
  guildId = fake.guilds[0]!.id;
  channelId = fake.guilds[0]!.channels[1]!.id;
  quietGuildId = fake.guilds[1]!.id;
  quietChannelId = fake.guilds[1]!.channels[0]!.id;
  svc = await startTestService({
    DISCORD_TOKEN: fake.token,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_API_URL: fake.restUrl,
    RECONFIRM_MIN_WINDOW: '3s',
  });
  await makeServer(svc.db.prisma, { name: 'main-stage', capacity: 4 });
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
});

type Body = { custom_id: string };

/** /reserve new → modal → submit; returns the reservation id. */
async function reserve(guild: string, channel: string, start: string, title: string): Promise<string> {
  const command = fake.dispatchInteraction(
    fake.slashCommand({
      name: 'reserve',
      subcommand: 'new',
      guildId: guild,
      options: { server: 'main-stage', passcode: 'let-me-in' },
    }),
  );
  const modal = (await fake.waitForInteractionResponse(command.id)).data as Body;
  const submit = fake.dispatchInteraction(
    fake.modalSubmit({
      customId: modal.custom_id,
      guildId: guild,
      fields: [
        textField('title', title),
        textField('start', start),
        textField('end', '1h'),
        textField('emails', 'ann@example.org'),
        channelSelectField('channels', [channel]),
      ],
    }),
  );
  await fake.waitForOriginalEdit(submit.id, (call) => JSON.stringify(call.body).includes('Permitted'), 10_000);
  return (await svc.db.prisma.reservation.findFirstOrThrow({ where: { requestKey: `discord:${submit.id}` } })).id;
}

const dmChannel = () => fake.slashCommand({ name: 'reserve', dm: true }).channel!.id;
const promptOf = (reservationId: string): APIMessage | undefined =>
  fake
    .messagesIn(dmChannel())
    .find(
      (message) =>
        JSON.stringify(message.components).includes(reservationId) ||
        message.embeds[0]?.footer?.text === `Slotcast · ${codes.get(reservationId)}`,
    );
/** The prompt follows the commit: drawn by whichever comes first, the follower or the click's answer. */
const promptShows = (reservationId: string, title: string) =>
  waitFor(() => promptOf(reservationId)?.embeds[0]?.title?.startsWith(`${title}:`), 10_000);
const codes = new Map<string, string>();
const remember = async (id: string) =>
  codes.set(id, (await svc.db.prisma.reservation.findUniqueOrThrow({ where: { id } })).code);
const channelPosts = (channel: string, code: string) =>
  fake.messagesIn(channel).filter((message) => message.embeds[0]?.footer?.text === `Slotcast · ${code}`);
const emails = (needle: string) => {
  const dir = join(svc.dataDir, 'outbox');
  return readdirSync(dir)
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .filter((text) => text.includes(needle));
};
const row = (id: string) => svc.db.prisma.reservation.findUniqueOrThrow({ where: { id } });
const click = (customId: string, message?: APIMessage) =>
  fake.dispatchInteraction(fake.buttonClick({ customId, dm: true, ...(message ? { message } : {}) }));

describe('GIVEN the service with the Discord bot (invitations on reconfirmation, claim 6)', () => {
  let id: string;
  let code: string;

  test('WHEN a reservation is requested THEN the worker DMs the permit prompt, and nobody is invited yet (claims 1, 6)', async () => {
    id = await reserve(guildId, channelId, 'in 3 days', 'Keynote');
    await remember(id);
    code = codes.get(id)!;
    await waitFor(() => promptOf(id));
    expect(JSON.stringify(promptOf(id))).toContain((await row(id)).streamKey);
    expect(channelPosts(channelId, code)).toEqual([]);
    expect(emails(code)).toEqual([]);
  });

  test('WHEN reconfirmed while Discord rate-limits the channel THEN one invitation with playback URL and passcode, an e-mail, and a guild event (claims 2, 3, 8)', async () => {
    fake.failNext({
      method: 'POST',
      path: new RegExp(`^/channels/${channelId}/messages$`),
      status: 429,
      retryAfter: 0.2,
    });
    click(`sc:rc:${id}:${guildId}`, promptOf(id));
    await promptShows(id, 'Reconfirmed');
    const playback = `https://watch.example.org/hls/${code}`;
    const [invitation] = await waitFor(() =>
      channelPosts(channelId, code).length > 0 ? channelPosts(channelId, code) : undefined,
    );
    expect(JSON.stringify(invitation?.embeds)).toContain(playback);
    expect(JSON.stringify(invitation?.embeds)).toContain('let-me-in');
    expect(fake.callsTo('POST', new RegExp(`^/channels/${channelId}/messages$`)).map((call) => call.status)).toEqual([
      429, 200,
    ]);
    const [mail] = await waitFor(() => (emails(code).length > 0 ? emails(code) : undefined));
    expect(mail).toContain('ann@example.org');
    expect(mail).toContain(playback);
    expect(mail).toContain('let-me-in');
    await waitFor(() => fake.scheduledEventsOf(guildId).find((event) => event.entity_metadata?.location === playback));
  });

  test('WHEN the organizer changes it from the DM THEN the invitation is edited, a notice replies under it and the event moves (claim 5)', async () => {
    const modal = (await fake.waitForInteractionResponse(click(`sc:ch:${id}:${guildId}`, promptOf(id)).id))
      .data as Body;
    const start = new Date((await row(id)).startsAt.getTime() + 2 * 3_600_000);
    const submit = fake.dispatchInteraction(
      fake.modalSubmit({
        customId: modal.custom_id,
        dm: true,
        message: promptOf(id)!,
        fields: [
          textField('title', 'Keynote'),
          textField('start', start.toISOString()),
          textField('end', '1h'),
          textField('emails', 'ann@example.org'),
          textField('description', ''),
        ],
      }),
    );
    await fake.waitForFollowUp(submit.id);
    await waitFor(() => channelPosts(channelId, code).length === 2);
    const [invitation, notice] = channelPosts(channelId, code);
    expect(JSON.stringify(invitation?.embeds)).toContain(`<t:${start.getTime() / 1000}:F>`);
    expect(notice?.embeds[0]?.title).toBe('Changed: Keynote');
    await waitFor(() =>
      fake.scheduledEventsOf(guildId).find((event) => event.scheduled_start_time === start.toISOString()),
    );
    await waitFor(() => emails(code).some((mail) => /Changed: Keynote/.test(mail)));
  });

  test('WHEN the organizer cancels THEN the invitation is marked cancelled, the event cancelled and invitees told (claim 4)', async () => {
    const modal = (await fake.waitForInteractionResponse(click(`sc:cx:${id}:${guildId}`, promptOf(id)).id))
      .data as Body;
    const submit = fake.dispatchInteraction(
      fake.modalSubmit({
        customId: modal.custom_id,
        dm: true,
        message: promptOf(id)!,
        fields: [textField('reason', 'Venue closed')],
      }),
    );
    await fake.waitForFollowUp(submit.id);
    await waitFor(() => channelPosts(channelId, code)[0]?.embeds[0]?.title === '~~Keynote~~ — cancelled');
    await waitFor(() =>
      channelPosts(channelId, code).some((message) => message.embeds[0]?.title === 'Cancelled: Keynote'),
    );
    await waitFor(() => fake.scheduledEventsOf(guildId)[0]?.status === 4);
    await waitFor(() => emails(code).some((mail) => /Cancelled: Keynote/.test(mail)));
    expect(promptOf(id)?.components).toEqual([]);
  });
});

describe('GIVEN invitations at permission and again at reconfirmation (claim 7)', () => {
  beforeAll(async () => {
    await svc.restart({ NOTIFY_MODE: 'permit-and-reconfirm' });
  });

  test('WHEN requested THEN the channel gets a tentative invitation at once, and the reconfirmation turns the same message into the invitation', async () => {
    const id = await reserve(quietGuildId, quietChannelId, 'in 4 days', 'Town hall');
    await remember(id);
    const code = codes.get(id)!;
    const [tentative] = await waitFor(() =>
      channelPosts(quietChannelId, code).length > 0 ? channelPosts(quietChannelId, code) : undefined,
    );
    expect(tentative?.embeds[0]?.title).toBe('Town hall (tentative)');
    await waitFor(() => emails(code).length > 0);

    await waitFor(() => promptOf(id));
    click(`sc:rc:${id}:${quietGuildId}`, promptOf(id));
    await promptShows(id, 'Reconfirmed');
    await waitFor(() => channelPosts(quietChannelId, code)[0]?.embeds[0]?.title === 'Town hall');
    expect(channelPosts(quietChannelId, code)).toHaveLength(1);
  });

  test('WHEN the bot may not create events in the guild THEN the organizer gets a report saying what to do', async () => {
    const id = [...codes.keys()].at(-1)!;
    const event = await waitFor(async () =>
      svc.db.prisma.notification.findFirst({
        where: { reservationId: id, channel: 'discord_event', status: 'failed' },
      }),
    );
    expect(event?.lastError).toContain('Create Events');
    // The runtime reports failures after a 30 s pause that gathers a fan-out's failures into one
    // report; the test sends it now through the same use case and worker.
    await svc.service.jobs!.delivery.deliver(await reportDeliveryFailures(svc.service.deps, id));
    const report = fake
      .messagesIn(dmChannel())
      .find((message) => message.embeds[0]?.title?.startsWith('Some invitations for Town hall'));
    expect(report?.embeds[0]?.description).toContain(
      'the scheduled event in this server: The bot may not create scheduled events in this server: give its role the Create Events permission',
    );
  });

  test('WHEN a reservation is not reconfirmed in time THEN it lapses: the DM prompt loses its buttons and the tentative invitation is marked cancelled', async () => {
    const id = await reserve(guildId, channelId, 'in 2 hours', 'Soundcheck');
    await remember(id);
    const code = codes.get(id)!;
    await waitFor(() => channelPosts(channelId, code).length > 0);
    await waitFor(async () => (await row(id)).status === 'lapsed', 15_000);
    await waitFor(() => promptOf(id)?.embeds[0]?.title === 'Lapsed: Soundcheck', 10_000);
    expect(promptOf(id)?.components).toEqual([]);
    await waitFor(() => channelPosts(channelId, code)[0]?.embeds[0]?.title === '~~Soundcheck~~ — cancelled', 10_000);
  });
});
