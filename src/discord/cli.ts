/**
 * `slotcast discord register [--guild ID]`: registers the slash commands from
 * manifests/discord-commands.json — in one guild (updates show at once) or globally — and prints
 * the invite URL with the permissions the bot needs. REST only: no gateway connection.
 */
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createDeliveryRest } from './client.js';
import { inviteUrl, registerCommands } from './manifest.js';

const USAGE = 'Usage: npx slotcast discord register [--guild ID]';

export async function discordCli(config: Config, _log: Logger, args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'register') {
    console.error(USAGE);
    return 2;
  }
  if (!config.discord) {
    console.error('Set DISCORD_TOKEN and DISCORD_APPLICATION_ID first (see docs/discord.md).');
    return 1;
  }
  let guildId: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--guild') guildId = rest[++i];
    else {
      console.error(`Unknown option ${rest[i]}\n${USAGE}`);
      return 2;
    }
  }
  if (guildId !== undefined && !/^\d{17,20}$/.test(guildId)) {
    console.error(`--guild needs a guild id (17-20 digits); got "${guildId}".\n${USAGE}`);
    return 2;
  }
  try {
    const count = await registerCommands(createDeliveryRest(config.discord), config.discord.applicationId, guildId);
    console.log(
      guildId
        ? `Registered ${count} command(s) in guild ${guildId}.`
        : `Registered ${count} command(s) globally (Discord may take up to an hour to show them everywhere).`,
    );
  } catch (error) {
    console.error(`Registering the commands failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  console.log(`Invite the bot with:\n  ${inviteUrl(config.discord.applicationId)}`);
  return 0;
}
