/**
 * Discord's answers as delivery results. A passing failure (rate limit, outage, network) is
 * retried; one that will never work by itself (no permission, unknown channel, DMs closed) fails
 * with a reason that tells the organizer what to do — and is never retried, since Discord bans
 * bots that keep sending requests it refuses.
 */
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';
import type { DeliveryResult } from '../notify/transport.js';

/** Discord's JSON error codes that Slotcast acts on. */
export const DiscordCode = {
  UnknownChannel: 10003,
  UnknownGuild: 10004,
  UnknownMessage: 10008,
  UnknownScheduledEvent: 10070,
  MissingAccess: 50001,
  CannotMessageUser: 50007,
  MissingPermissions: 50013,
  InvalidFormBody: 50035,
} as const;

export type Target =
  | { kind: 'channel'; channelId: string }
  | { kind: 'dm'; userId: string }
  | { kind: 'event'; guildId: string };

export function apiCode(error: unknown): number | string | undefined {
  return error instanceof DiscordAPIError ? error.code : undefined;
}

function where(target: Target): string {
  switch (target.kind) {
    case 'channel':
      return `channel <#${target.channelId}>`;
    case 'dm':
      return `a direct message to <@${target.userId}>`;
    case 'event':
      return 'scheduled events of the server';
  }
}

function missingPermission(target: Target): string {
  switch (target.kind) {
    case 'channel':
      return (
        `The bot may not post in <#${target.channelId}>: give its role View Channel, Send Messages, ` +
        'Embed Links and Read Message History there, or pick another channel.'
      );
    case 'dm':
      return 'The bot may not send you direct messages.';
    case 'event':
      return (
        'The bot may not create scheduled events in this server: give its role the Create Events permission ' +
        '(Server Settings → Roles), then change the reservation to try again.'
      );
  }
}

export function classify(error: unknown, target: Target): DeliveryResult {
  if (error instanceof RateLimitError) {
    return {
      status: 'retry',
      reason: 'rate limited by Discord',
      retryAfterMs: Math.max(error.retryAfter, error.timeToReset, 1000),
    };
  }
  if (error instanceof DiscordAPIError) {
    if (error.status === 429) return { status: 'retry', reason: 'rate limited by Discord' };
    if (error.status >= 500) return { status: 'retry', reason: `Discord answered ${error.status}` };
    if (error.status === 401)
      return { status: 'retry', reason: 'Discord rejected the bot token (check DISCORD_TOKEN)' };
    switch (error.code) {
      case DiscordCode.MissingPermissions:
        return { status: 'failed', reason: missingPermission(target) };
      case DiscordCode.MissingAccess:
        return {
          status: 'failed',
          reason: `The bot cannot see ${where(target)}: add it to the channel (or its category), or pick another channel.`,
        };
      case DiscordCode.UnknownChannel:
        return {
          status: 'failed',
          reason: `${target.kind === 'channel' ? `Channel ${target.channelId}` : 'The channel'} no longer exists; change the reservation's channels.`,
        };
      case DiscordCode.UnknownGuild:
        return { status: 'failed', reason: 'The bot is no longer in that server; invite it again.' };
      case DiscordCode.CannotMessageUser:
        return {
          status: 'failed',
          reason: 'Discord refuses direct messages from the bot to this user (DMs from server members are turned off).',
        };
      default:
        return {
          status: 'failed',
          reason: `Discord refused ${where(target)}: ${error.message} (code ${String(error.code)}).`,
        };
    }
  }
  if (error instanceof HTTPError) return { status: 'retry', reason: `Discord answered ${error.status}` };
  return {
    status: 'retry',
    reason: `could not reach Discord: ${error instanceof Error ? error.message : String(error)}`,
  };
}
