/**
 * Everything the fake remembers between requests, shared by the REST routes, the gateway and the
 * interaction builders, plus the event bus the `waitFor…` helpers listen on.
 */
import { EventEmitter } from 'node:events';
import type { APIGuildScheduledEvent, APIInteraction, APIMessage, APIUser } from 'discord.js';
import type { FakeChannel, FakeGuild, FakeGuildOptions } from './objects.js';
import { channelJson, dmChannelJson, makeGuild, makeUser, snowflake } from './objects.js';

/** One REST request as the fake saw it, and what it answered. */
export interface RecordedCall {
  /** Position in `calls`, so a test can ask for calls made after a given point. */
  seq: number;
  method: string;
  /** Path without the `/api/v10` prefix or the query, e.g. `/channels/123/messages`. */
  path: string;
  /** The matched route template, e.g. `/channels/:channel_id/messages`; null when nothing matched. */
  route: string | null;
  params: Record<string, string>;
  query: Record<string, string>;
  /** Parsed JSON body; for multipart/form-data, the parsed `payload_json` part. */
  body: unknown;
  files: RecordedFile[];
  headers: Record<string, string | string[] | undefined>;
  status: number;
  response: unknown;
}

export interface RecordedFile {
  field: string;
  name: string;
  contentType: string;
  size: number;
}

/** The body an interaction was answered with at `/interactions/:id/:token/callback`. */
export interface InteractionCallbackBody {
  type: number;
  data?: Record<string, unknown>;
}

export interface InteractionRecord {
  payload: APIInteraction;
  dispatchedAt: number;
  response?: InteractionCallbackBody;
  /** The message `@original` refers to once the interaction has been answered with a message. */
  original?: APIMessage;
}

export interface WorldOptions {
  token: string;
  botUsername: string;
  guilds: FakeGuildOptions[];
}

export class FakeWorld {
  readonly emitter = new EventEmitter();
  readonly token: string;
  readonly bot: APIUser;
  /** A bot's application shares its id with the bot user. */
  readonly applicationId: string;
  /** The user interactions come from unless a builder is told otherwise (owner of every guild). */
  readonly defaultUser: APIUser;
  readonly guilds: FakeGuild[];
  readonly users = new Map<string, APIUser>();
  /** DM channel id → recipient id. */
  readonly dmChannels = new Map<string, string>();
  readonly messages = new Map<string, APIMessage>();
  readonly scheduledEvents = new Map<string, APIGuildScheduledEvent>();
  /** `global` or a guild id → the commands last bulk-overwritten there. */
  readonly commands = new Map<string, Record<string, unknown>[]>();
  readonly interactions = new Map<string, InteractionRecord>();
  readonly calls: RecordedCall[] = [];

  constructor(options: WorldOptions) {
    // Many waiters on one bus is normal in a busy test; they all clean up after themselves.
    this.emitter.setMaxListeners(0);
    this.token = options.token;
    this.bot = this.addUser(makeUser({ username: options.botUsername, bot: true, verified: true }));
    this.applicationId = this.bot.id;
    this.defaultUser = this.addUser(makeUser({ username: 'organizer', global_name: 'Organizer' }));
    this.guilds = options.guilds.map((seed) => {
      const guild = makeGuild(seed, this.defaultUser.id);
      guild.memberIds.add(this.bot.id).add(guild.ownerId);
      return guild;
    });
  }

  addUser(user: APIUser): APIUser {
    this.users.set(user.id, user);
    return user;
  }

  /** A user by id; Discord knows every user, so an unknown id gets a plausible made-up one. */
  user(id: string): APIUser {
    return this.users.get(id) ?? this.addUser(makeUser({ id }));
  }

  guild(id: string): FakeGuild | undefined {
    return this.guilds.find((guild) => guild.id === id);
  }

  guildChannel(id: string): FakeChannel | undefined {
    for (const guild of this.guilds) {
      const channel = guild.channels.find((candidate) => candidate.id === id);
      if (channel) return channel;
    }
    return undefined;
  }

  /** The channel as GET /channels/:id answers it, or undefined when no such channel exists. */
  channelJson(id: string): Record<string, unknown> | undefined {
    const channel = this.guildChannel(id);
    if (channel) return channelJson(channel);
    const recipientId = this.dmChannels.get(id);
    return recipientId ? { ...dmChannelJson(id, this.user(recipientId)) } : undefined;
  }

  /** Discord keeps one DM channel per user and answers every "open DM" with the same one. */
  dmChannelFor(userId: string): string {
    for (const [channelId, recipientId] of this.dmChannels) if (recipientId === userId) return channelId;
    const channelId = snowflake();
    this.dmChannels.set(channelId, userId);
    return channelId;
  }

  channelExists(id: string): boolean {
    return this.guildChannel(id) !== undefined || this.dmChannels.has(id);
  }

  /** Messages posted in a channel, oldest first. */
  messagesIn(channelId: string): APIMessage[] {
    return [...this.messages.values()].filter((message) => message.channel_id === channelId);
  }

  scheduledEventsOf(guildId: string): APIGuildScheduledEvent[] {
    return [...this.scheduledEvents.values()].filter((event) => event.guild_id === guildId);
  }

  /** Finds the interaction a webhook/callback token belongs to. */
  interactionByToken(token: string): InteractionRecord | undefined {
    for (const record of this.interactions.values()) if (record.payload.token === token) return record;
    return undefined;
  }
}
