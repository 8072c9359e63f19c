/**
 * REST routes for the resources Slotcast touches: the bot and its application, DMs, channel
 * messages, guilds, application commands and scheduled events.
 */
import type { APIGuildScheduledEvent, APIMessage } from 'discord.js';
import { GuildScheduledEventEntityType, GuildScheduledEventStatus, PermissionFlagsBits } from 'discord.js';
import type { MessageInput } from './objects.js';
import { dmChannelJson, editMessage, guildJson, makeMessage, memberJson, snowflake } from './objects.js';
import type { Reply, Route, RouteContext } from './reply.js';
import {
  apiError,
  bodyObject,
  invalidField,
  missingPermissions,
  noContent,
  ok,
  unknownChannel,
  unknownGuild,
  unknownMessage,
} from './reply.js';
import type { RecordedFile } from './world.js';

const route = (method: string, template: string, handle: (ctx: RouteContext) => Reply): Route => ({
  method,
  template,
  auth: true,
  handle,
});

/** The message fields of a create/edit body, with uploaded files turned into attachments. */
export function messageInput(body: unknown, files: RecordedFile[]): MessageInput {
  const input = bodyObject(body);
  const attachments = files.map((file) => {
    const id = snowflake();
    const url = `https://cdn.discordapp.com/attachments/0/${id}/${file.name}`;
    return { id, filename: file.name, size: file.size, content_type: file.contentType, url, proxy_url: url };
  });
  return {
    content: input.content as string | undefined,
    embeds: input.embeds as unknown[] | undefined,
    components: input.components as unknown[] | undefined,
    flags: input.flags as number | undefined,
    attachments: files.length > 0 ? attachments : (input.attachments as unknown[] | undefined),
  };
}

/** Discord refuses empty messages and content over 2000 characters. */
export function validateMessage(input: MessageInput): Reply | undefined {
  const empty = !input.content && !input.embeds?.length && !input.components?.length && !input.attachments?.length;
  if (empty) return apiError(400, 50006, 'Cannot send an empty message');
  if ((input.content?.length ?? 0) > 2000) {
    return invalidField('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
  }
  return undefined;
}

function createMessage({ world, params, body, files }: RouteContext): Reply {
  if (!world.channelExists(params.channel_id ?? '')) return unknownChannel();
  const input = messageInput(body, files);
  const invalid = validateMessage(input);
  if (invalid) return invalid;
  const message = makeMessage(params.channel_id ?? '', world.bot, input);
  world.messages.set(message.id, message);
  return ok(message);
}

function findChannelMessage({ world, params }: RouteContext): APIMessage | undefined {
  const message = world.messages.get(params.message_id ?? '');
  return message?.channel_id === params.channel_id ? message : undefined;
}

function editChannelMessage(ctx: RouteContext): Reply {
  const message = findChannelMessage(ctx);
  if (!message) return unknownMessage();
  const edited = editMessage(message, messageInput(ctx.body, ctx.files));
  ctx.world.messages.set(edited.id, edited);
  return ok(edited);
}

function bulkOverwriteCommands({ world, params, body }: RouteContext): Reply {
  const guildId = params.guild_id;
  const commands = (Array.isArray(body) ? body : []).map((command: Record<string, unknown>) => ({
    id: snowflake(),
    application_id: world.applicationId,
    version: snowflake(),
    type: 1,
    options: [],
    default_member_permissions: null,
    nsfw: false,
    description_localizations: null,
    name_localizations: null,
    ...command,
    ...(guildId ? { guild_id: guildId } : {}),
  }));
  world.commands.set(guildId ?? 'global', commands);
  return ok(commands);
}

const MAX_LOCATION = 100;

/** The checks Discord makes on a scheduled event, in the order it reports them. */
function validateScheduledEvent(event: APIGuildScheduledEvent): Reply | undefined {
  if (!event.name) return invalidField('name', 'BASE_TYPE_REQUIRED', 'This field is required');
  if (!event.scheduled_start_time)
    return invalidField('scheduled_start_time', 'BASE_TYPE_REQUIRED', 'This field is required');
  if (event.entity_type === GuildScheduledEventEntityType.External) {
    const location = event.entity_metadata?.location;
    if (!location) return invalidField('entity_metadata.location', 'BASE_TYPE_REQUIRED', 'This field is required');
    if (location.length > MAX_LOCATION) {
      return invalidField(
        'entity_metadata.location',
        'BASE_TYPE_MAX_LENGTH',
        `Must be ${MAX_LOCATION} or fewer in length.`,
      );
    }
    if (!event.scheduled_end_time)
      return invalidField('scheduled_end_time', 'BASE_TYPE_REQUIRED', 'This field is required');
  } else if (!event.channel_id) {
    return invalidField('channel_id', 'BASE_TYPE_REQUIRED', 'This field is required');
  }
  return undefined;
}

function canManageEvents(permissions: bigint): boolean {
  return (permissions & (PermissionFlagsBits.CreateEvents | PermissionFlagsBits.ManageEvents)) !== 0n;
}

function createScheduledEvent({ world, params, body }: RouteContext): Reply {
  const guild = world.guild(params.guild_id ?? '');
  if (!guild) return unknownGuild();
  if (!canManageEvents(guild.botPermissions)) return missingPermissions();
  const input = bodyObject(body);
  const event = {
    id: snowflake(),
    guild_id: guild.id,
    channel_id: null,
    creator_id: world.bot.id,
    creator: world.bot,
    description: null,
    scheduled_end_time: null,
    privacy_level: 2,
    status: GuildScheduledEventStatus.Scheduled,
    entity_id: null,
    entity_metadata: null,
    user_count: 0,
    image: null,
    recurrence_rule: null,
    ...input,
  } as unknown as APIGuildScheduledEvent;
  const invalid = validateScheduledEvent(event);
  if (invalid) return invalid;
  const pending = world.scheduledEventsOf(guild.id).filter((other) => other.status <= GuildScheduledEventStatus.Active);
  if (pending.length >= 100) {
    return apiError(400, 30038, 'Maximum number of uncompleted guild scheduled events reached (100)');
  }
  world.scheduledEvents.set(event.id, event);
  return ok(event);
}

function findScheduledEvent({ world, params }: RouteContext): APIGuildScheduledEvent | undefined {
  const event = world.scheduledEvents.get(params.event_id ?? '');
  return event?.guild_id === params.guild_id ? event : undefined;
}

const unknownEvent = (): Reply => apiError(404, 10070, 'Unknown Guild Scheduled Event');

/** Discord's one-way street: scheduled → active or cancelled; active → completed; nothing after. */
const STATUS_CHANGES: Record<GuildScheduledEventStatus, GuildScheduledEventStatus[]> = {
  [GuildScheduledEventStatus.Scheduled]: [GuildScheduledEventStatus.Active, GuildScheduledEventStatus.Canceled],
  [GuildScheduledEventStatus.Active]: [GuildScheduledEventStatus.Completed],
  [GuildScheduledEventStatus.Completed]: [],
  [GuildScheduledEventStatus.Canceled]: [],
};

function editScheduledEvent(ctx: RouteContext): Reply {
  const event = findScheduledEvent(ctx);
  if (!event) return unknownEvent();
  if (!canManageEvents(ctx.world.guild(event.guild_id)?.botPermissions ?? 0n)) return missingPermissions();
  const edited = { ...event, ...bodyObject(ctx.body) } as APIGuildScheduledEvent;
  if (edited.status !== event.status && !STATUS_CHANGES[event.status].includes(edited.status))
    return invalidField('status', 'GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION', 'Invalid status transition');
  const invalid = validateScheduledEvent(edited);
  if (invalid) return invalid;
  ctx.world.scheduledEvents.set(edited.id, edited);
  return ok(edited);
}

export const resourceRoutes: Route[] = [
  route('GET', '/gateway/bot', ({ gatewayUrl }) =>
    ok({
      url: gatewayUrl,
      shards: 1,
      session_start_limit: { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 1 },
    }),
  ),
  route('GET', '/users/@me', ({ world }) => ok(world.bot)),
  route('GET', '/users/:user_id', ({ world, params }) => ok(world.user(params.user_id ?? ''))),
  route('GET', '/applications/@me', ({ world }) =>
    ok({
      id: world.applicationId,
      name: world.bot.username,
      icon: null,
      description: '',
      bot_public: false,
      bot_require_code_grant: false,
      verify_key: 'f'.repeat(64),
      flags: 0,
      team: null,
      owner: world.defaultUser,
      bot: world.bot,
    }),
  ),
  route('POST', '/users/@me/channels', ({ world, body }) => {
    const recipient = world.user(String(bodyObject(body).recipient_id ?? ''));
    return ok(dmChannelJson(world.dmChannelFor(recipient.id), recipient));
  }),
  route('GET', '/channels/:channel_id', ({ world, params }) => {
    const channel = world.channelJson(params.channel_id ?? '');
    return channel ? ok(channel) : unknownChannel();
  }),
  route('POST', '/channels/:channel_id/messages', createMessage),
  route('GET', '/channels/:channel_id/messages/:message_id', (ctx) => {
    const message = findChannelMessage(ctx);
    return message ? ok(message) : unknownMessage();
  }),
  route('PATCH', '/channels/:channel_id/messages/:message_id', editChannelMessage),
  route('DELETE', '/channels/:channel_id/messages/:message_id', (ctx) => {
    const message = findChannelMessage(ctx);
    if (!message) return unknownMessage();
    ctx.world.messages.delete(message.id);
    return noContent();
  }),
  route('GET', '/guilds/:guild_id', ({ world, params }) => {
    const guild = world.guild(params.guild_id ?? '');
    return guild ? ok(guildJson(guild)) : unknownGuild();
  }),
  route('GET', '/guilds/:guild_id/members/:user_id', ({ world, params }) => {
    const guild = world.guild(params.guild_id ?? '');
    if (!guild) return unknownGuild();
    const userId = params.user_id ?? '';
    if (!guild.memberIds.has(userId)) return apiError(404, 10007, 'Unknown Member');
    return ok(memberJson(guild, world.user(userId), world.bot.id));
  }),
  route('GET', '/applications/:application_id/commands', ({ world }) => ok(world.commands.get('global') ?? [])),
  route('PUT', '/applications/:application_id/commands', bulkOverwriteCommands),
  route('GET', '/applications/:application_id/guilds/:guild_id/commands', ({ world, params }) =>
    ok(world.commands.get(params.guild_id ?? '') ?? []),
  ),
  route('PUT', '/applications/:application_id/guilds/:guild_id/commands', bulkOverwriteCommands),
  route('GET', '/guilds/:guild_id/scheduled-events', ({ world, params }) => {
    return world.guild(params.guild_id ?? '') ? ok(world.scheduledEventsOf(params.guild_id ?? '')) : unknownGuild();
  }),
  route('POST', '/guilds/:guild_id/scheduled-events', createScheduledEvent),
  route('GET', '/guilds/:guild_id/scheduled-events/:event_id', (ctx) => {
    const event = findScheduledEvent(ctx);
    return event ? ok(event) : unknownEvent();
  }),
  route('PATCH', '/guilds/:guild_id/scheduled-events/:event_id', editScheduledEvent),
  route('DELETE', '/guilds/:guild_id/scheduled-events/:event_id', (ctx) => {
    const event = findScheduledEvent(ctx);
    if (!event) return unknownEvent();
    ctx.world.scheduledEvents.delete(event.id);
    return noContent();
  }),
];
