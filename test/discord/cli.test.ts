/**
 * `slotcast discord register [--guild ID]` against the fake Discord's REST API.
 */
import { jest } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { discordCli } from '../../src/discord/cli.js';
import { BOT_PERMISSIONS, loadCommands } from '../../src/discord/manifest.js';
import { silentLogger } from '../../src/log.js';
import type { FakeDiscord } from '../support/fake-discord.js';
import { startFakeDiscord } from '../support/fake-discord.js';

let fake: FakeDiscord;
let printed: string[];

beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(() => fake?.close());
beforeEach(() => {
  printed = [];
  jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
});
afterEach(() => jest.restoreAllMocks());

const config = () =>
  loadConfig({ DISCORD_TOKEN: fake.token, DISCORD_APPLICATION_ID: fake.applicationId, DISCORD_API_URL: fake.restUrl });

describe('slotcast discord register', () => {
  test("GIVEN --guild THEN the manifest's commands are registered in that guild and the invite URL is printed", async () => {
    const guildId = fake.guilds[0]!.id;
    expect(await discordCli(config(), silentLogger, ['register', '--guild', guildId])).toBe(0);
    const put = await fake.waitForCall(
      'PUT',
      new RegExp(`^/applications/${fake.applicationId}/guilds/${guildId}/commands$`),
    );
    expect(put.body).toEqual(loadCommands());
    expect((put.body as Array<{ name: string }>).map((command) => command.name)).toEqual(['reserve']);
    const url = new URL(printed.join('\n').match(/https:\/\/discord\.com\/oauth2\/authorize\S+/)?.[0] ?? 'http://none');
    expect(url.searchParams.get('client_id')).toBe(fake.applicationId);
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    // View Channel, Send Messages, Embed Links, Read Message History, Create Events: nothing more.
    expect(url.searchParams.get('permissions')).toBe(BOT_PERMISSIONS.bitfield.toString());
    expect(BOT_PERMISSIONS.toArray().sort()).toEqual([
      'CreateEvents',
      'EmbedLinks',
      'ReadMessageHistory',
      'SendMessages',
      'ViewChannel',
    ]);
  });

  test('GIVEN no guild THEN the commands are registered globally', async () => {
    expect(await discordCli(config(), silentLogger, ['register'])).toBe(0);
    await fake.waitForCall('PUT', new RegExp(`^/applications/${fake.applicationId}/commands$`));
    expect(printed.join('\n')).toContain('globally');
  });

  test('GIVEN no Discord settings or a bad option THEN it says what to do and fails', async () => {
    expect(await discordCli(loadConfig({}), silentLogger, ['register'])).toBe(1);
    expect(printed.join('\n')).toContain('DISCORD_TOKEN');
    expect(await discordCli(config(), silentLogger, ['register', '--guild', 'abc'])).toBe(2);
    expect(await discordCli(config(), silentLogger, ['unregister'])).toBe(2);
  });
});
