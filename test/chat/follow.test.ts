/**
 * The organizer's prompt follows the commit (issue 17), whatever made it: the whole service with
 * the Slack app on the fake Slack and the Discord bot on the fake Discord, real PostgreSQL, real
 * Agenda. Reconfirm, change and cancel come through the REST API, a lapse from the job sweeper;
 * each redraws the organizer's DM prompt on their platform. With two instances on one database
 * the prompt is drawn once per commit.
 */
import type { APIMessage } from 'discord.js';
import { reconfirmReservation } from '../../src/app/lifecycle.js';
import { requestReservation } from '../../src/app/request.js';
import { createToken } from '../../src/app/tokens.js';
import { announceDeadline } from '../../src/jobs/deadlines.js';
import { loadConfig } from '../../src/config.js';
import type { Actor } from '../../src/domain/reservation.js';
import { silentLogger } from '../../src/log.js';
import type { Service } from '../../src/main.js';
import { startService } from '../../src/main.js';
import { apiClient } from '../support/api.js';
import type { FakeDiscord } from '../support/fake-discord.js';
import { startFakeDiscord } from '../support/fake-discord.js';
import type { FakeSlack, RecordedCall } from '../support/fake-slack.js';
import { FAKE_TEAM, startFakeSlack } from '../support/fake-slack.js';
import { makeActor, makeDeps, makeRequest, makeServer, waitFor } from '../support/fixtures.js';
import type { TestService } from '../support/service.js';
import { startTestService } from '../support/service.js';
import { BOT_TOKEN, SIGNING_SECRET } from '../support/slack-harness.js';
import { FAKE_USER } from '../support/slack-signing.js';

let slack: FakeSlack;
let discord: FakeDiscord;
let world: TestService;
let serverName = '';
let token = '';
let hours = 48;

beforeAll(async () => {
  slack = await startFakeSlack();
  discord = await startFakeDiscord();
  world = await startTestService({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    DISCORD_TOKEN: discord.token,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.restUrl,
  });
  serverName = (await makeServer(world.db.prisma, { capacity: 10 })).name;
  const created = await createToken(world.db.prisma, { name: 'admin', admin: true });
  if (!created.ok) throw new Error(created.message);
  token = created.value.token;
}, 60_000);
afterAll(async () => {
  await world?.close();
  await discord?.close();
  await slack?.close();
});

const api = apiClient(
  () => world.service.url!,
  () => token,
);
const slackOrganizer = (): Actor => ({
  platform: 'slack',
  tenantId: FAKE_TEAM.id,
  userId: FAKE_USER.id,
  name: 'Alice',
  isAdmin: false,
});
const discordOrganizer = (): Actor => ({
  platform: 'discord',
  tenantId: discord.guilds[0]!.id,
  userId: discord.defaultUser.id,
  name: 'Dana',
  isAdmin: false,
});

/** A reservation requested in chat (its permit prompt then DMed by the delivery worker). */
async function requested(organizer: Actor) {
  hours += 3;
  const outcome = await requestReservation(
    world.service.deps,
    organizer,
    makeRequest(serverName, { startInMs: hours * 3_600_000, emails: [] }),
  );
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.value;
}

/** Its reconfirmation deadline passed: the deadline clock (told as after any commit that sets one) lapses it. */
async function deadlinePassed(reservationId: string): Promise<void> {
  await world.db.pool.query(`UPDATE reservation SET reconfirm_deadline = now() - interval '1 second' WHERE id = $1`, [
    reservationId,
  ]);
  await announceDeadline(world.db.pool, new Date());
}

const shown = (call: RecordedCall) => JSON.stringify(call.args.blocks ?? '') + String(call.args.text ?? '');
/** The Slack DM prompt of a reservation, once posted. */
const slackPrompt = (code: string) =>
  slack.waitForCall(
    'chat.postMessage',
    (call) =>
      call.result.ok && String(call.args.channel).startsWith('D') && !call.args.thread_ts && shown(call).includes(code),
    15_000,
  );
const slackRedraws = (prompt: RecordedCall) =>
  slack.succeededCallsTo('chat.update').filter((call) => call.args.ts === prompt.result.ts);
const slackRedrawn = (prompt: RecordedCall, text: string) =>
  slack.waitForCall('chat.update', (call) => call.args.ts === prompt.result.ts && shown(call).includes(text), 15_000);

/** The Discord DM prompt of a reservation, once posted. */
const discordPrompt = (reservationId: string) =>
  waitFor(
    () =>
      discord
        .callsTo('POST', /\/channels\/\d+\/messages$/)
        .find((call) => call.status === 200 && JSON.stringify(call.body).includes(reservationId))?.response as
        | APIMessage
        | undefined,
    15_000,
  );
const discordRedrawn = (prompt: APIMessage, text: string) =>
  discord.waitForCall(
    'PATCH',
    new RegExp(`/channels/${prompt.channel_id}/messages/${prompt.id}$`),
    (call) => JSON.stringify(call.body).includes(text),
    15_000,
  );

describe('GIVEN an organizer in Slack', () => {
  test('WHEN the REST API reconfirms, changes and cancels THEN the DM prompt is redrawn after each', async () => {
    const reservation = await requested(slackOrganizer());
    const prompt = await slackPrompt(reservation.code);
    expect((await api('POST', `/reservations/${reservation.id}/reconfirm`)).status).toBe(200);
    await slackRedrawn(prompt, 'Confirmed');
    expect((await api('PATCH', `/reservations/${reservation.id}`, { title: 'Renamed all-hands' })).status).toBe(200);
    await slackRedrawn(prompt, 'Renamed all-hands');
    expect((await api('POST', `/reservations/${reservation.id}/cancel`, { reason: 'Speaker is ill' })).status).toBe(
      200,
    );
    const cancelled = await slackRedrawn(prompt, 'Cancelled');
    expect(shown(cancelled)).toContain('Speaker is ill');
    expect(shown(cancelled)).not.toContain('reservation_reconfirm');
  }, 60_000);

  test('WHEN it lapses (the deadline clock) THEN the DM prompt says so', async () => {
    const reservation = await requested(slackOrganizer());
    const prompt = await slackPrompt(reservation.code);
    await deadlinePassed(reservation.id);
    await waitFor(
      async () =>
        (await world.db.prisma.reservation.findUnique({ where: { id: reservation.id } }))?.status === 'lapsed',
      15_000,
    );
    await slackRedrawn(prompt, 'Lapsed');
  }, 60_000);
});

describe('GIVEN a commit nobody heard (the service was down)', () => {
  test('WHEN the service starts again THEN it catches up: the prompt shows the commit', async () => {
    const reservation = await requested(slackOrganizer());
    const prompt = await slackPrompt(reservation.code);
    await world.stopService();
    // A reconfirmation tells the organizer by e-mail only: no DM delivery would redraw the prompt.
    const reconfirmed = await reconfirmReservation(makeDeps(world.db), makeActor({ isAdmin: true }), reservation.id);
    expect(reconfirmed.ok).toBe(true);
    await world.restart();
    await slackRedrawn(prompt, 'Confirmed');
  }, 60_000);
});

describe('GIVEN an organizer in Discord', () => {
  test('WHEN the REST API reconfirms and cancels, and another reservation lapses THEN each DM prompt is redrawn', async () => {
    const reservation = await requested(discordOrganizer());
    const prompt = await discordPrompt(reservation.id);
    expect((await api('POST', `/reservations/${reservation.id}/reconfirm`)).status).toBe(200);
    await discordRedrawn(prompt, 'Reconfirmed');
    expect((await api('POST', `/reservations/${reservation.id}/cancel`)).status).toBe(200);
    await discordRedrawn(prompt, 'Cancelled');

    const lapsing = await requested(discordOrganizer());
    const lapsingPrompt = await discordPrompt(lapsing.id);
    await deadlinePassed(lapsing.id);
    await discordRedrawn(lapsingPrompt, 'Lapsed');
  }, 60_000);
});

describe('GIVEN two instances of the service on one database', () => {
  let second: Service;
  beforeAll(async () => {
    const { DISCORD_TOKEN: _token, DISCORD_APPLICATION_ID: _app, DISCORD_API_URL: _url, ...env } = world.env;
    second = await startService(loadConfig({ ...env, PORT: '0', STREAMING: 'off' }), silentLogger);
  }, 60_000);
  afterAll(() => second?.stop());

  /** Resolves once each instance's follower has made a pass over the reservation. */
  const bothFollowed = (reservationId: string) =>
    Promise.all(
      [world.service, second].map(
        (service) =>
          new Promise<void>((resolve) => {
            const heard = (id: string) => {
              if (id !== reservationId) return;
              service.chatFollower!.off('followed', heard);
              resolve();
            };
            service.chatFollower!.on('followed', heard);
          }),
      ),
    );

  test('WHEN one reconfirms through the API and the other cancels THEN the prompt is drawn once for each', async () => {
    const reservation = await requested(slackOrganizer());
    const prompt = await slackPrompt(reservation.code);
    const secondApi = apiClient(
      () => second.url!,
      () => token,
    );

    const reconfirmHeard = bothFollowed(reservation.id);
    expect((await api('POST', `/reservations/${reservation.id}/reconfirm`)).status).toBe(200);
    await reconfirmHeard;
    await slackRedrawn(prompt, 'Confirmed');

    const cancelHeard = bothFollowed(reservation.id);
    expect((await secondApi('POST', `/reservations/${reservation.id}/cancel`)).status).toBe(200);
    await cancelHeard;
    await slackRedrawn(prompt, 'Cancelled');
    // The cancellation notice, threaded under the prompt, finds it drawn already.
    await slack.waitForCall(
      'chat.postMessage',
      (call) => call.result.ok && call.args.thread_ts === prompt.result.ts,
      15_000,
    );
    expect(slackRedraws(prompt).map((call) => (shown(call).includes('Cancelled') ? 'cancelled' : 'confirmed'))).toEqual(
      ['confirmed', 'cancelled'],
    );
  }, 60_000);
});
