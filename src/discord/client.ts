/**
 * The discord.js client and the REST client of the notification channel.
 *
 * - Gateway intents: Guilds (guild and channel structures for interactions) and DirectMessages
 *   (the DM channel the prompt lives in). Interactions themselves need no intent.
 * - `DISCORD_API_URL` replaces the REST base (proxies, tests); the gateway URL comes from
 *   GET /gateway/bot as usual.
 * - Mentions are off by default on everything the client sends.
 */
import type { RateLimitData } from 'discord.js';
import { Client, GatewayIntentBits, REST } from 'discord.js';
import type { Config } from '../config.js';

type DiscordSettings = NonNullable<Config['discord']>;

/** Longer waits than this are handed back to the delivery worker as `retry` rather than waited out. */
const LONGEST_WAIT_MS = 10_000;

function restOptions(settings: DiscordSettings) {
  return settings.apiUrl ? { api: settings.apiUrl.replace(/\/+$/, '') } : {};
}

export function createClient(settings: DiscordSettings): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.DirectMessages],
    rest: restOptions(settings),
    allowedMentions: { parse: [] },
  });
}

/**
 * Delivery works without the gateway (a `slotcast worker` process never logs in), so it has a
 * REST client of its own, with the token set up front.
 */
export function createDeliveryRest(settings: DiscordSettings): REST {
  return new REST({
    ...restOptions(settings),
    rejectOnRateLimit: (limit: RateLimitData) => Math.max(limit.retryAfter, limit.timeToReset) > LONGEST_WAIT_MS,
  }).setToken(settings.token);
}
