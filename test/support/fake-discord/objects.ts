/**
 * The fake's world: snowflakes, the bot, guilds, channels, users, messages and scheduled events,
 * shaped like Discord API v10 objects so that discord.js builds its structures from them as it
 * would from Discord's own answers.
 */
import type { APIDMChannel, APIGuildScheduledEvent, APIMessage, APIRole, APIUser, RoleFlags } from 'discord.js';
import { ChannelType, PermissionFlagsBits } from 'discord.js';

const DISCORD_EPOCH = 1_420_070_400_000n;
let lastMs = 0n;
let increment = 0n;

/**
 * A valid snowflake, strictly greater than every one generated before in this process (ids are
 * compared and sorted by discord.js and by Discord's clients).
 */
export function snowflake(): string {
  let ms = BigInt(Date.now()) - DISCORD_EPOCH;
  if (ms <= lastMs) {
    ms = lastMs;
    increment += 1n;
    // 12 bits of increment per millisecond; borrow from the next millisecond if exhausted.
    if (increment > 0xfffn) {
      ms += 1n;
      increment = 0n;
    }
  } else {
    increment = 0n;
  }
  lastMs = ms;
  return ((ms << 22n) | (1n << 17n) | (1n << 12n) | increment).toString();
}

/** What a bot is usually granted in the guilds Slotcast serves. */
export const DEFAULT_BOT_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.CreateEvents |
  PermissionFlagsBits.ManageEvents;

/** What an ordinary member has: enough to run slash commands, nothing to manage. */
export const DEFAULT_MEMBER_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.UseApplicationCommands;

export interface FakeChannelOptions {
  id?: string;
  name?: string;
  /** Defaults to a text channel. */
  type?: ChannelType.GuildText | ChannelType.GuildVoice | ChannelType.GuildStageVoice | ChannelType.GuildAnnouncement;
}

export interface FakeGuildOptions {
  id?: string;
  name?: string;
  ownerId?: string;
  /** Defaults to one text channel named `general`. */
  channels?: FakeChannelOptions[];
  /** Permissions of the bot's managed role; defaults to {@link DEFAULT_BOT_PERMISSIONS}. */
  botPermissions?: bigint;
}

export interface FakeChannel {
  id: string;
  name: string;
  type: NonNullable<FakeChannelOptions['type']>;
  guildId: string;
}

export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
  channels: FakeChannel[];
  botRoleId: string;
  botPermissions: bigint;
  /** Ids of users seen as members (the bot, the owner, interaction authors). */
  memberIds: Set<string>;
}

export function makeUser(overrides: Partial<APIUser> = {}): APIUser {
  const id = overrides.id ?? snowflake();
  return {
    id,
    username: `user${id.slice(-4)}`,
    discriminator: '0',
    global_name: null,
    avatar: null,
    ...overrides,
  };
}

export function makeGuild(options: FakeGuildOptions, ownerId: string): FakeGuild {
  const id = options.id ?? snowflake();
  const seeds = options.channels ?? [{ name: 'general' }];
  return {
    id,
    name: options.name ?? 'Slotcast Test Guild',
    ownerId: options.ownerId ?? ownerId,
    channels: seeds.map((seed, index) => ({
      id: seed.id ?? snowflake(),
      name: seed.name ?? `channel-${index}`,
      type: seed.type ?? ChannelType.GuildText,
      guildId: id,
    })),
    botRoleId: snowflake(),
    botPermissions: options.botPermissions ?? DEFAULT_BOT_PERMISSIONS,
    memberIds: new Set(),
  };
}

export function channelJson(channel: FakeChannel, withGuildId = true): Record<string, unknown> {
  return {
    id: channel.id,
    type: channel.type,
    ...(withGuildId ? { guild_id: channel.guildId } : {}),
    name: channel.name,
    position: 0,
    permission_overwrites: [],
    parent_id: null,
    nsfw: false,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0,
  };
}

export function dmChannelJson(id: string, recipient: APIUser): APIDMChannel {
  return { id, type: ChannelType.DM, name: null, last_message_id: null, recipients: [recipient] };
}

function role(id: string, name: string, permissions: bigint, position: number, managed: boolean): APIRole {
  return {
    id,
    name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position,
    permissions: permissions.toString(),
    managed,
    mentionable: false,
    flags: 0 as RoleFlags,
  };
}

export function guildRoles(guild: FakeGuild): APIRole[] {
  return [
    // @everyone shares the guild's id.
    role(guild.id, '@everyone', DEFAULT_MEMBER_PERMISSIONS, 0, false),
    role(guild.botRoleId, 'Slotcast', guild.botPermissions, 1, true),
  ];
}

export function memberJson(guild: FakeGuild, user: APIUser, botUserId: string): Record<string, unknown> {
  return {
    user,
    nick: null,
    avatar: null,
    roles: user.id === botUserId ? [guild.botRoleId] : [],
    joined_at: new Date(0).toISOString(),
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
  };
}

/** The guild as GET /guilds/:id answers it (no channels or members: those come with GUILD_CREATE). */
export function guildJson(guild: FakeGuild): Record<string, unknown> {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_progress_bar_enabled: false,
    system_channel_id: guild.channels[0]?.id ?? null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    application_id: null,
    preferred_locale: 'en-US',
    features: [],
    roles: guildRoles(guild),
    emojis: [],
    stickers: [],
    max_members: 500_000,
    widget_enabled: false,
  };
}

export function guildCreateJson(
  guild: FakeGuild,
  members: APIUser[],
  botUserId: string,
  events: APIGuildScheduledEvent[],
): Record<string, unknown> {
  return {
    ...guildJson(guild),
    joined_at: new Date(0).toISOString(),
    large: false,
    unavailable: false,
    member_count: members.length,
    channels: guild.channels.map((channel) => channelJson(channel, false)),
    threads: [],
    members: members.map((user) => memberJson(guild, user, botUserId)),
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: events,
    soundboard_sounds: [],
  };
}

export interface MessageInput {
  content?: string;
  embeds?: unknown[];
  components?: unknown[];
  flags?: number;
  attachments?: unknown[];
}

export function makeMessage(
  channelId: string,
  author: APIUser,
  input: MessageInput,
  extra: Partial<APIMessage> = {},
): APIMessage {
  return {
    id: snowflake(),
    type: 0,
    channel_id: channelId,
    author,
    content: input.content ?? '',
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: (input.attachments ?? []) as APIMessage['attachments'],
    embeds: (input.embeds ?? []) as APIMessage['embeds'],
    components: (input.components ?? []) as APIMessage['components'],
    pinned: false,
    flags: input.flags ?? 0,
    ...extra,
  };
}

/** Applies an edit the way Discord does: only the fields present in the body change. */
export function editMessage(message: APIMessage, input: MessageInput, clearFlags = 0): APIMessage {
  const edited: APIMessage = { ...message, edited_timestamp: new Date().toISOString() };
  if (input.content !== undefined) edited.content = input.content ?? '';
  if (input.embeds !== undefined) edited.embeds = (input.embeds ?? []) as APIMessage['embeds'];
  if (input.components !== undefined) edited.components = (input.components ?? []) as APIMessage['components'];
  if (input.attachments !== undefined) edited.attachments = (input.attachments ?? []) as APIMessage['attachments'];
  edited.flags = (message.flags ?? 0) & ~clearFlags;
  return edited;
}
