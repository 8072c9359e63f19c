/**
 * The Discord bot (issue 5): `/reserve` with a modal, the organizer's DM prompt with buttons,
 * channel invitations and guild scheduled events. Runs when DISCORD_TOKEN and
 * DISCORD_APPLICATION_ID are set; without them the service runs without Discord and says so once.
 */
import { once } from 'node:events';
import { Events } from 'discord.js';
import type { PlatformFactory } from '../platforms.js';
import { PlatformRefused } from '../platforms.js';
import { createDiscordTransport, setEventStatus } from './transport.js';
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

  let connected = false;
  // After the first READY, discord.js reconnects by itself; /healthz follows it.
  let report: (state: 'connecting' | 'connected') => void = () => {};
  client.on(Events.ShardReconnecting, () => connected && report('connecting'));
  client.on(Events.ShardResume, () => connected && report('connected'));
  client.on(Events.ShardReady, () => connected && report('connected'));

  return {
    name: 'discord',
    label: 'Discord',
    transports: [createDiscordTransport({ rest, recorded, prompts, log, clock: chat.clock })],
    // The guild event follows the stream: started when it goes live, completed when it is over.
    followers: [
      prompts,
      chat.followEvents(recorded, (guildId, eventId, status) => setEventStatus(rest, guildId, eventId, status)),
    ],
    async connect(reportState) {
      report = reportState;
      const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(READY_TIMEOUT_MS) });
      // A failed login rejects below; the pending wait must not become an unhandled rejection.
      ready.catch(() => undefined);
      try {
        await client.login(settings.token);
        await ready;
      } catch (error) {
        // login() destroys the client when it fails; a READY that never came leaves it to us.
        await client.destroy();
        const code = (error as { code?: string }).code;
        if (code === 'TokenInvalid')
          throw new PlatformRefused('Discord rejected the bot token', 'check DISCORD_TOKEN and restart');
        if (code === 'DisallowedIntents')
          throw new PlatformRefused(
            'Discord refused the gateway intents',
            'enable the intents in the Discord developer portal and restart',
          );
        throw error;
      }
      connected = true;
      log.info('Discord bot connected', { user: client.user?.tag, guilds: client.guilds.cache.size });
      if (settings.guildId) {
        // The bot works without them (they may be registered already); say so, but stay connected.
        await registerCommands(client.rest, settings.applicationId, settings.guildId).then(
          (count) => log.info('Discord commands registered in the guild', { guild: settings.guildId, commands: count }),
          (error: unknown) =>
            log.warn('registering the Discord commands in the guild failed; run `npx slotcast discord register`', {
              guild: settings.guildId,
              error: (error as Error).message,
            }),
        );
      }
    },
    async stop() {
      await client.destroy();
    },
  };
};
