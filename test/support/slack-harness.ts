/**
 * The Slack platform as the service builds it (real Bolt, real PostgreSQL), mounted on its own
 * HTTP server, with its Web API pointed at the fake Slack. For tests of the inbound flows.
 */
import type { Server } from 'node:http';
import type { AppDeps } from '../../src/app/deps.js';
import { loadConfig } from '../../src/config.js';
import { closeServer, createHttpServer, listen } from '../../src/http/server.js';
import { silentLogger } from '../../src/log.js';
import type { Platform } from '../../src/platforms.js';
import { slackPlatform } from '../../src/slack/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from './fake-slack.js';
import { makeDeps } from './fixtures.js';
import { stateValue, type StateValues } from './slack-signing.js';

export const SIGNING_SECRET = 'slack-test-signing-secret';
export const BOT_TOKEN = 'xoxb-slack-test';

export interface SlackHarness {
  fake: FakeSlack;
  db: TestDatabase;
  deps: ReturnType<typeof makeDeps>;
  platform: Platform;
  eventsUrl: string;
  sign: { signingSecret: string };
  close(): Promise<void>;
}

export async function startSlackHarness(
  options: { fake?: FakeSlackOptions; deps?: Partial<AppDeps>; env?: Record<string, string> } = {},
): Promise<SlackHarness> {
  // The fake first: the app calls auth.test while it starts.
  const fake = await startFakeSlack(options.fake);
  const db = await createTestDatabase();
  const deps = makeDeps(db, options.deps);
  const config = loadConfig({
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: fake.apiUrl,
    DATABASE_URL: db.url,
    PORT: '0',
    ...options.env,
  });
  const platform = await slackPlatform({ config, deps, log: silentLogger });
  if (!platform) throw new Error('the Slack platform did not start');
  const server: Server = createHttpServer(platform.mounts, silentLogger);
  const address = await listen(server, 0, '127.0.0.1');
  await platform.start();
  return {
    fake,
    db,
    deps,
    platform,
    eventsUrl: `http://127.0.0.1:${address.port}/slack/events`,
    sign: { signingSecret: SIGNING_SECRET },
    close: async () => {
      await platform.stop();
      await closeServer(server);
      for (const channel of platform.channels) await channel.close?.();
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
