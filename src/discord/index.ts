/**
 * The Discord bot (issue 5). Until it is built, the service runs without Discord.
 */
import type { PlatformFactory } from '../platforms.js';

export const discordPlatform: PlatformFactory = async ({ config, log }) => {
  if (!config.discord) {
    log.info('Discord is not configured (set DISCORD_TOKEN and DISCORD_APPLICATION_ID): running without the Discord bot');
    return undefined;
  }
  log.warn('Discord settings are present but the Discord bot is not built yet');
  return undefined;
};
