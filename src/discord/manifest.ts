/**
 * The slash commands (manifests/discord-commands.json), their registration, and the invite URL
 * with exactly the permissions the bot uses.
 */
import { readFileSync } from 'node:fs';
import type { REST, RESTPutAPIApplicationCommandsJSONBody } from 'discord.js';
import { OAuth2Scopes, PermissionFlagsBits, PermissionsBitField, Routes } from 'discord.js';

export const COMMANDS_FILE = new URL('../../manifests/discord-commands.json', import.meta.url);

export function loadCommands(): RESTPutAPIApplicationCommandsJSONBody {
  const parsed: unknown = JSON.parse(readFileSync(COMMANDS_FILE, 'utf8'));
  if (!Array.isArray(parsed)) throw new Error('manifests/discord-commands.json must hold a list of commands');
  return parsed as RESTPutAPIApplicationCommandsJSONBody;
}

/**
 * Post in the invited channels and reply under its own messages (View Channel, Send Messages,
 * Embed Links, Read Message History) and manage its own scheduled events (Create Events). DMs
 * and interaction replies need no permission.
 */
export const BOT_PERMISSIONS = new PermissionsBitField([
  PermissionFlagsBits.ViewChannel,
  PermissionFlagsBits.SendMessages,
  PermissionFlagsBits.EmbedLinks,
  PermissionFlagsBits.ReadMessageHistory,
  PermissionFlagsBits.CreateEvents,
]);

export function inviteUrl(applicationId: string): string {
  const query = new URLSearchParams({
    client_id: applicationId,
    scope: [OAuth2Scopes.Bot, OAuth2Scopes.ApplicationsCommands].join(' '),
    permissions: BOT_PERMISSIONS.bitfield.toString(),
  });
  return `https://discord.com/oauth2/authorize?${query.toString()}`;
}

/** Bulk-overwrites the commands: in one guild (instant) or globally (Discord may take a while to show them). */
export async function registerCommands(rest: REST, applicationId: string, guildId?: string): Promise<number> {
  const commands = loadCommands();
  const route = guildId
    ? Routes.applicationGuildCommands(applicationId, guildId)
    : Routes.applicationCommands(applicationId);
  const registered = (await rest.put(route, { body: commands })) as unknown[];
  return registered.length;
}
