/**
 * The Slack platform as the service builds it (real Bolt, real PostgreSQL), mounted on its own
 * HTTP server, with its Web API pointed at the fake Slack. For tests of the inbound flows.
 */
import { ChatFollower } from '../../src/chat/follow.js';
import { createChatPort } from '../../src/chat/port.js';
import type { AppDeps } from '../../src/app/deps.js';
import { loadConfig } from '../../src/config.js';
import { closeApp, createHttpApp, listen } from '../../src/http/app.js';
import type { Logger } from '../../src/log.js';
import { silentLogger } from '../../src/log.js';
import type { Platform } from '../../src/platforms.js';
import { slackPlatform } from '../../src/slack/index.js';
import type { ServerRow } from '../../src/store/servers.js';
import { ServerDirectory } from '../../src/store/servers.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from './fake-slack.js';
import { makeDeps } from './fixtures.js';
import { stateValue, type StateValues } from './slack-signing.js';

export const SIGNING_SECRET = 'slack-test-signing-secret';
export const BOT_TOKEN = 'xoxb-fake2';

/**
 * The real server directory, with reads a test can slow down (a slow database, to push work past
 * Slack's deadlines) or make fail once (a failing database). Reset both after the test.
 */
export class TestServerDirectory extends ServerDirectory {
  latencyMs = { find: 0, active: 0 };
  failNextRead: Error | undefined;

  override async find(idOrName: string): Promise<ServerRow | undefined> {
    await this.before(this.latencyMs.find);
    return super.find(idOrName);
  }

  override async active(): Promise<ServerRow[]> {
    await this.before(this.latencyMs.active);
    return super.active();
  }

  reset(): void {
    this.latencyMs = { find: 0, active: 0 };
    this.failNextRead = undefined;
  }

  private async before(latencyMs: number): Promise<void> {
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const error = this.failNextRead;
    this.failNextRead = undefined;
    if (error) throw error;
  }
}

export interface SlackHarness {
  fake: FakeSlack;
  db: TestDatabase;
  deps: ReturnType<typeof makeDeps>;
  servers: TestServerDirectory;
  platform: Platform;
  eventsUrl: string;
  sign: { signingSecret: string };
  close(): Promise<void>;
}

export async function startSlackHarness(
  options: { fake?: FakeSlackOptions; deps?: Partial<AppDeps>; env?: Record<string, string>; log?: Logger } = {},
): Promise<SlackHarness> {
  // The fake first: the app calls auth.test while it starts.
  const fake = await startFakeSlack(options.fake);
  const db = await createTestDatabase();
  const servers = new TestServerDirectory(db.pool);
  const deps = makeDeps(db, { servers, ...options.deps });
  const config = loadConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: fake.apiUrl,
    DATABASE_URL: db.url,
    PORT: '0',
    ...options.env,
  });
  // The Slack platform's own log (listener failures), for tests that wait on it.
  const platform = await slackPlatform({ config, chat: createChatPort(deps), log: options.log ?? silentLogger });
  if (!platform) throw new Error('the Slack platform did not start');
  const server = await createHttpApp(silentLogger);
  if (platform.routes) await server.register(platform.routes);
  const address = await listen(server, 0, '127.0.0.1');
  await platform.connect(() => {});
  // As in the service: the organizer's prompt follows every commit (src/chat/follow.ts).
  const follower = new ChatFollower(platform.followers!, db.url, silentLogger);
  await follower.start();
  return {
    fake,
    db,
    deps,
    servers,
    platform,
    eventsUrl: `http://127.0.0.1:${address.port}/slack/events`,
    sign: { signingSecret: SIGNING_SECRET },
    close: async () => {
      await follower.stop();
      await platform.stop();
      await closeApp(server);
      for (const transport of platform.transports) await transport.close?.();
      await fake.close();
      await db.drop();
    },
  };
}

export interface FormFields {
  title?: string;
  serverId?: string | null;
  /** Unix seconds. */
  startsAt?: number | null;
  endsAt?: number | null;
  emails?: string;
  channels?: string[];
  passcode?: string;
  description?: string;
}

/** The reservation modal's state as Slack reports it on submission (block_id → action_id → value). */
export function formValues(fields: FormFields): StateValues {
  return {
    title: { value: stateValue.text(fields.title ?? 'Launch stream') },
    server: { value: stateValue.select(fields.serverId ?? null) },
    starts_at: { value: stateValue.dateTime(fields.startsAt ?? null) },
    ends_at: { value: stateValue.dateTime(fields.endsAt ?? null) },
    emails: { value: stateValue.text(fields.emails ?? null) },
    channels: { value: stateValue.conversations(fields.channels ?? []) },
    passcode: { value: stateValue.text(fields.passcode ?? null) },
    description: { value: stateValue.text(fields.description ?? null) },
  };
}

/** Unix seconds `hours` from now, on a whole minute. */
export function inHours(hours: number): number {
  return Math.ceil((Date.now() + hours * 3_600_000) / 60_000) * 60;
}
