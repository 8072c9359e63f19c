/**
 * A chat platform that cannot be reached at start does not keep the service down: the service
 * starts without it, says so in one line, shows the platform's state in /healthz, and attaches it
 * in the background once it answers. The real Bolt app and discord.js client against the fakes,
 * made to refuse first and accept later.
 */
import { createLogger } from '../src/log.js';
import type { FakeDiscord } from './support/fake-discord.js';
import { startFakeDiscord } from './support/fake-discord.js';
import type { FakeSlack } from './support/fake-slack.js';
import { startFakeSlack } from './support/fake-slack.js';
import { waitFor } from './support/fixtures.js';
import type { TestService } from './support/service.js';
import { startTestService } from './support/service.js';
import { BOT_TOKEN, SIGNING_SECRET } from './support/slack-harness.js';
import { sendSlashCommand } from './support/slack-signing.js';

const open: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const thing of open.reverse()) await thing.close();
});

function recordingLogger() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'info', format: 'pretty', write: (line) => void lines.push(line) }) };
}

async function health(service: TestService) {
  const response = await fetch(`${service.service.url}/healthz`);
  return { status: response.status, body: (await response.json()) as { status: string; platforms: object } };
}

async function slackService(fake: FakeSlack, log: ReturnType<typeof recordingLogger>['log']) {
  const service = await startTestService(
    { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: fake.apiUrl },
    log,
  );
  open.push(service);
  return service;
}

test("GIVEN Slack's Web API failing auth.test at start THEN the service starts without Slack, says so once, and attaches Slack when it answers", async () => {
  const fake = await startFakeSlack();
  open.push(fake);
  // Slack is down for the first two attempts (the app's own client would retry these for half an hour).
  fake.failNext('auth.test', { kind: 'http', status: 503, times: 2 });
  const { lines, log } = recordingLogger();
  const service = await slackService(fake, log);

  expect(await health(service)).toEqual({
    status: 200,
    body: { status: 'degraded', database: 'up', platforms: { slack: 'connecting' } },
  });
  const eventsUrl = `${service.service.url}/slack/events`;
  const early = await sendSlashCommand(
    eventsUrl,
    { command: '/reserve', triggerId: 'early' },
    { signingSecret: SIGNING_SECRET },
  );
  expect(early.status).toBe(503);
  expect(lines.filter((line) => /Slack cannot be reached/.test(line))).toEqual([
    expect.stringMatching(
      /warn {2}Slack cannot be reached \(.*503.*\); running without it and retrying in the background$/,
    ),
  ]);

  await waitFor(async () => (await health(service)).body.status === 'ok', 30_000);
  expect((await health(service)).body).toEqual({ status: 'ok', database: 'up', platforms: { slack: 'connected' } });
  expect(lines.some((line) => /Slack is connected now, after 2 failed attempt/.test(line))).toBe(true);
  const later = await sendSlashCommand(
    eventsUrl,
    { command: '/reserve', triggerId: 'later' },
    { signingSecret: SIGNING_SECRET },
  );
  expect(later.status).toBe(200);
  await fake.waitForCall('views.open', (call) => call.args.trigger_id === 'later');
}, 60_000);

test('GIVEN a Slack bot token Slack rejects THEN the service runs without Slack, names the setting, and does not retry', async () => {
  const fake = await startFakeSlack({ isValidToken: () => false });
  open.push(fake);
  const { lines, log } = recordingLogger();
  const service = await slackService(fake, log);

  expect(await health(service)).toEqual({
    status: 200,
    body: { status: 'degraded', database: 'up', platforms: { slack: 'failed' } },
  });
  expect(lines.filter((line) => / error /.test(line))).toEqual([
    expect.stringMatching(/Slack refused to connect: Slack answered invalid_auth .*check SLACK_BOT_TOKEN/),
  ]);
  expect(lines.join('\n')).not.toContain(BOT_TOKEN);
  expect(fake.callsTo('auth.test')).toHaveLength(1);
});

test("GIVEN Discord's gateway endpoint failing at start THEN the service starts without Discord and connects the bot when Discord answers", async () => {
  const fake: FakeDiscord = await startFakeDiscord();
  open.push(fake);
  // discord.js retries a 500 three times within one login: four failures fail the first attempt.
  fake.failNext({ method: 'GET', path: /^\/gateway\/bot$/, status: 500, times: 4 });
  const { lines, log } = recordingLogger();
  const service = await startTestService(
    { DISCORD_TOKEN: fake.token, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_URL: fake.restUrl },
    log,
  );
  open.push(service);

  expect(await health(service)).toEqual({
    status: 200,
    body: { status: 'degraded', database: 'up', platforms: { discord: 'connecting' } },
  });
  expect(lines.filter((line) => /Discord cannot be reached/.test(line))).toHaveLength(1);
  await fake.waitForIdentify(30_000);
  await waitFor(async () => (await health(service)).body.status === 'ok', 30_000);
  expect((await health(service)).body.platforms).toEqual({ discord: 'connected' });
}, 60_000);
