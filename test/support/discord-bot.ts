/**
 * The Discord bot under test: the real discord.js client (through discordPlatform) connected to
 * the fake Discord, real PostgreSQL behind the use cases. Until the delivery worker exists in a
 * test, `deliver` plays its part for Discord rows: it reads pending outbox rows, builds the
 * MessageModel the worker would, and hands it to the bot's Transport.
 */
import { ChatFollower } from '../../src/chat/follow.js';
import { createChatPort } from '../../src/chat/port.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppDeps } from '../../src/app/deps.js';
import { loadConfig } from '../../src/config.js';
import { discordPlatform } from '../../src/discord/index.js';
import type { NotificationChannel, NotificationEvent, MessagePayload } from '../../src/domain/notifications.js';
import type { Logger } from '../../src/log.js';
import type { Transport, DeliveryResult } from '../../src/notify/transport.js';
import { messageFromRow } from '../../src/jobs/delivery.js';
import type { MessageModel } from '../../src/notify/message.js';
import type { Platform } from '../../src/platforms.js';
import { findReservation } from '../../src/store/reservations.js';
import type { TestDatabase } from './database.js';
import { createTestDatabase } from './database.js';
import type { FakeDiscord, FakeDiscordOptions } from './fake-discord.js';
import { startFakeDiscord } from './fake-discord.js';
import { makeDeps } from './fixtures.js';

export interface DiscordBot {
  fake: FakeDiscord;
  db: TestDatabase;
  deps: ReturnType<typeof makeDeps>;
  platform: Platform;
  transport: Transport;
  guildId: string;
  /** Errors and warnings the bot logged, as `message {fields}` lines; most tests expect no errors. */
  logged: { errors: string[]; warnings: string[] };
  /** Delivers pending Discord outbox rows of a reservation (or all) like the worker would. */
  deliver(
    reservationId?: string,
  ): Promise<Array<{ id: string; event: string; channel: string; result: DeliveryResult }>>;
  stop(): Promise<void>;
}

export async function startDiscordBot(
  options: {
    fake?: FakeDiscordOptions;
    deps?: Partial<AppDeps>;
    env?: (fake: FakeDiscord) => Record<string, string>;
  } = {},
): Promise<DiscordBot> {
  const db = await createTestDatabase();
  const fake = await startFakeDiscord(options.fake);
  const logged = { errors: [] as string[], warnings: [] as string[] };
  const line = (message: string, fields?: Record<string, unknown>) => `${message} ${JSON.stringify(fields ?? {})}`;
  const log: Logger = {
    debug() {},
    info() {},
    warn: (message, fields) => void logged.warnings.push(line(message, fields)),
    error: (message, fields) => void logged.errors.push(line(message, fields)),
  };
  const deps = makeDeps(db, { log, ...options.deps });
  const config = loadConfig({
    DISCORD_TOKEN: fake.token,
    DISCORD_APPLICATION_ID: fake.applicationId,
    DISCORD_API_URL: fake.restUrl,
    DATABASE_URL: db.url,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'slotcast-discord-')),
    ...options.env?.(fake),
  });
  const platform = await discordPlatform({ config, chat: createChatPort(deps), log });
  if (!platform) throw new Error('discordPlatform returned nothing although Discord is configured');
  await platform.connect(() => {});
  // As in the service: the organizer's prompt follows every commit (src/chat/follow.ts).
  const follower = new ChatFollower(platform.followers!, db.url, log);
  await follower.start();
  const transport = platform.transports[0]!;

  async function deliver(reservationId?: string) {
    const rows = await db.prisma.notification.findMany({
      where: {
        status: 'pending',
        channel: { in: transport.handles as NotificationChannel[] },
        ...(reservationId ? { reservationId } : {}),
      },
      orderBy: { createdAt: 'asc' },
    });
    const results = [];
    for (const row of rows) {
      const result = await transport.send({ message: await modelOf(row), attempt: row.attempts + 1 });
      await db.prisma.notification.update({
        where: { id: row.id },
        data:
          result.status === 'delivered'
            ? { status: 'sent', providerMessageId: result.providerMessageId, sentAt: new Date() }
            : {
                attempts: { increment: 1 },
                lastError: result.reason,
                ...(result.status === 'failed' ? { status: 'failed' } : {}),
              },
      });
      results.push({ id: row.id, event: row.event, channel: row.channel, result });
    }
    return results;
  }

  async function modelOf(row: {
    id: string;
    event: NotificationEvent;
    channel: NotificationChannel;
    recipient: string;
    payload: unknown;
    reservationId: string;
  }): Promise<MessageModel> {
    const needsIngest = row.event === 'permit_prompt' && !transport.rendersPromptItself;
    const current = needsIngest ? await findReservation(db.pool, row.reservationId) : undefined;
    return messageFromRow({ ...row, payload: row.payload as MessagePayload }, current);
  }

  return {
    fake,
    db,
    deps,
    platform,
    transport,
    guildId: fake.guilds[0]!.id,
    logged,
    deliver,
    async stop() {
      await follower.stop();
      await platform.stop();
      await fake.close();
      await db.drop();
    },
  };
}
