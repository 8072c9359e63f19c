/**
 * The Discord bot (issue 5): `/reserve` with a modal, the organizer's DM prompt with buttons,
 * channel invitations and guild scheduled events. Runs when DISCORD_TOKEN and
 * DISCORD_APPLICATION_ID are set; without them the service runs without Discord and says so once.
 */
import { once } from 'node:events';
import { Events } from 'discord.js';
import type { PlatformFactory } from '../platforms.js';
import { createDiscordTransport } from './transport.js';
import { createClient, createDeliveryRest } from './client.js';
import { registerCommands } from './manifest.js';
import { Drafts } from './drafts.js';
import { handleInteraction } from './interactions.js';
import { DiscordMessages } from './messages.js';
import { promptMessage } from './render.js';

const READY_TIMEOUT_MS = 30_000;

export const discordPlatform: PlatformFactory = async ({ config, chat, log }) => {
  const settings = config.discord;
  if (!settings) {
    log.info(
      'Discord is not configured (set DISCORD_TOKEN and DISCORD_APPLICATION_ID): running without the Discord bot',
    );
    return undefined;
  }
  const client = createClient(settings);
  const rest = createDeliveryRest(settings);
  // One set of recorded messages for deliveries and buttons: both keep the same DM prompt current.
  const { recorded, prompts } = chat.messages(new DiscordMessages(rest), promptMessage);
  const context = { chat, drafts: new Drafts(), log, prompts };
  client.on(Events.InteractionCreate, (interaction) => void handleInteraction(context, interaction));
  client.on(Events.Error, (error) => log.error('discord client error', { error: error.message }));

  return {
    name: 'discord',
    mounts: [],
    transports: [createDiscordTransport({ rest, recorded, prompts, log, clock: chat.clock })],
    redrawPrompt: async (reservationId) => void (await prompts.redraw(reservationId)),
    async start() {
      const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
      // A failed login rejects below; the pending wait must not become an unhandled rejection.
      ready.catch(() => undefined);
      await client.login(settings.token);
      await ready;
      log.info('Discord bot connected', { user: client.user?.tag, guilds: client.guilds.cache.size });
      if (settings.guildId) {
        const count = await registerCommands(client.rest, settings.applicationId, settings.guildId);
        log.info('Discord commands registered in the guild', { guild: settings.guildId, commands: count });
      }
    },
    async stop() {
      await client.destroy();
    },
  };
};
