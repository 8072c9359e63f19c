/**
 * Discord's scheduled event follows the stream (issue 17): the whole service with the embedded
 * server and the Discord bot on the fake Discord; ffmpeg publishes with the organizer's key. The
 * event is started when the stream goes live and completed when it ends — at its time, or when
 * the organizer cancels it while it runs (Discord cannot cancel a started event).
 */
import type { APIGuildScheduledEvent } from 'discord.js';
import { GuildScheduledEventStatus } from 'discord.js';
import { cancelReservation, reconfirmReservation } from '../../../src/app/lifecycle.js';
import { requestReservation } from '../../../src/app/request.js';
import type { Actor } from '../../../src/domain/reservation.js';
import { ingestOf } from '../../../src/domain/reservation.js';
import { findReservation } from '../../../src/store/reservations.js';
import type { FakeDiscord } from '../../support/fake-discord.js';
import { startFakeDiscord } from '../../support/fake-discord.js';
import { makeRequest, waitFor } from '../../support/fixtures.js';
import type { TestService } from '../../support/service.js';
import { startTestService } from '../../support/service.js';
import type { Publisher } from '../../support/stream.js';
import { publish } from '../../support/stream.js';

const BUFFER_MS = 1_000;
let discord: FakeDiscord;
let world: TestService;
const publishers: Publisher[] = [];

beforeAll(async () => {
  discord = await startFakeDiscord();
  world = await startTestService({
    STREAMING: 'embedded',
    EMBEDDED_BUFFER: '1s',
    DISCORD_TOKEN: discord.token,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.restUrl,
  });
  await world.db.prisma.distributionServer.update({ where: { name: 'embedded' }, data: { capacity: 10 } });
  world.service.deps.servers.invalidate();
}, 60_000);
afterAll(async () => {
  for (const publisher of publishers) await publisher.stop();
  await world?.close();
  await discord?.close();
});

const guildId = () => discord.guilds[0]!.id;
const organizer = (): Actor => ({
  platform: 'discord',
  tenantId: guildId(),
  userId: discord.defaultUser.id,
  name: 'Dana',
  isAdmin: false,
});

/** A Discord organizer's slot on the embedded server, reconfirmed: its guild event created. */
async function booked(startInMs: number, lengthMs: number) {
  const startsAt = new Date(Date.now() + startInMs);
  const requested = await requestReservation(world.service.deps, organizer(), {
    ...makeRequest('embedded', { emails: [], title: 'Stream with an event' }),
    startsAt,
    endsAt: new Date(startsAt.getTime() + lengthMs),
  });
  if (!requested.ok) throw new Error(requested.message);
  const reconfirmed = await reconfirmReservation(world.service.deps, organizer(), requested.value.id);
  if (!reconfirmed.ok) throw new Error(reconfirmed.message);
  const code = reconfirmed.value.code;
  const event = await waitFor(
    () => discord.scheduledEventsOf(guildId()).find((candidate) => candidate.description?.includes(code)),
    15_000,
  );
  return { reservation: reconfirmed.value, eventId: event.id };
}

const eventStatus = (eventId: string): GuildScheduledEventStatus | undefined =>
  discord.scheduledEventsOf(guildId()).find((event: APIGuildScheduledEvent) => event.id === eventId)?.status;
const status = async (id: string) => (await findReservation(world.db.pool, id))?.status;

async function goLive(reservationId: string, startsAt: Date): Promise<Publisher> {
  await waitFor(() => Date.now() >= startsAt.getTime() - BUFFER_MS, 30_000);
  const stored = (await findReservation(world.db.pool, reservationId))!;
  const { url, streamKey } = ingestOf(stored);
  const publisher = publish(`${url}/${streamKey}`, 60);
  publishers.push(publisher);
  await waitFor(async () => (await status(reservationId)) === 'live', 20_000);
  return publisher;
}

test('GIVEN a Discord reservation WHEN its stream goes live and its time ends THEN the guild event is started, then completed', async () => {
  const { reservation, eventId } = await booked(2_000, 6_000);
  expect(eventStatus(eventId)).toBe(GuildScheduledEventStatus.Scheduled);
  await goLive(reservation.id, reservation.startsAt);
  await waitFor(() => eventStatus(eventId) === GuildScheduledEventStatus.Active, 15_000);
  await waitFor(async () => (await status(reservation.id)) === 'completed', 90_000);
  await waitFor(() => eventStatus(eventId) === GuildScheduledEventStatus.Completed, 15_000);
}, 150_000);

test('GIVEN a live Discord reservation WHEN the organizer cancels THEN the started event is completed, not cancelled', async () => {
  const { reservation, eventId } = await booked(2_000, 120_000);
  await goLive(reservation.id, reservation.startsAt);
  await waitFor(() => eventStatus(eventId) === GuildScheduledEventStatus.Active, 15_000);
  const cancelled = await cancelReservation(world.service.deps, organizer(), reservation.id, { reason: 'Lost audio' });
  expect(cancelled.ok).toBe(true);
  await waitFor(() => eventStatus(eventId) === GuildScheduledEventStatus.Completed, 15_000);
  // The cancellation notice, delivered after, finds it completed and leaves it.
  await waitFor(
    async () =>
      (
        await world.db.prisma.notification.findFirst({
          where: { reservationId: reservation.id, event: 'cancellation_notice', channel: 'discord_event' },
        })
      )?.status === 'sent',
    15_000,
  );
  const patches = discord
    .callsTo('PATCH', new RegExp(`/guilds/${guildId()}/scheduled-events/${eventId}$`))
    .map((call) => ({ status: (call.body as { status?: number }).status, answered: call.status }));
  expect(patches.filter((patch) => patch.answered !== 200)).toEqual([]);
}, 150_000);
