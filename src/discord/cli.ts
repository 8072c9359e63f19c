/**
 * `slotcast discord register [--guild ID]` (issue 5): registers the slash commands and prints the
 * invite URL. Until the bot is built, it says so.
 */
import type { Config } from '../config.js';
import type { Logger } from '../log.js';

export async function discordCli(_config: Config, _log: Logger, _args: string[]): Promise<number> {
  console.error('The Discord bot is not built yet.');
  return 1;
}
