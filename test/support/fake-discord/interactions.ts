/**
 * Builders for the interaction payloads Discord dispatches (INTERACTION_CREATE): slash commands,
 * autocomplete, modal submits (Label-wrapped or legacy action-row fields) and button clicks, from
 * a guild member or from a DM with the bot.
 */
import { randomBytes } from 'node:crypto';
import type {
  APIApplicationCommandAutocompleteInteraction,
  APIApplicationCommandInteractionDataBasicOption,
  APIApplicationCommandInteractionDataOption,
  APIChatInputApplicationCommandInteraction,
  APIInteractionDataResolved,
  APIInteractionDataResolvedChannel,
  APIMessage,
  APIMessageComponentButtonInteraction,
  APIModalSubmitInteraction,
  APIModalSubmissionComponent,
  APIUser,
  InteractionType,
  Locale,
} from 'discord.js';
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ButtonStyle,
  ComponentType,
  InteractionContextType,
  InteractionType as Type,
  PermissionFlagsBits,
} from 'discord.js';
import type { FakeGuild } from './objects.js';
import { DEFAULT_MEMBER_PERMISSIONS, channelJson, dmChannelJson, makeMessage, snowflake } from './objects.js';
import type { FakeWorld } from './world.js';

/** Where an interaction happens and who triggers it. */
export interface InteractionContext {
  /** Defaults to the fake's default user (the owner of every configured guild). */
  user?: APIUser;
  /** In a DM with the bot: the payload then has `user` and no `member`. */
  dm?: boolean;
  /** Defaults to the first configured guild. */
  guildId?: string;
  /** Defaults to the guild's first channel, or the user's DM channel. */
  channelId?: string;
  /** The member's permissions in the channel; the guild owner has them all by default. */
  permissions?: bigint;
  locale?: `${Locale}`;
}

export type OptionValues = Record<string, string | number | boolean>;

export interface SlashCommandInput extends InteractionContext {
  name: string;
  group?: string;
  subcommand?: string;
  /** Values by option name (string, integer or number, boolean), or the raw options. */
  options?: OptionValues | APIApplicationCommandInteractionDataBasicOption[];
  resolved?: APIInteractionDataResolved;
}

export interface AutocompleteInput extends SlashCommandInput {
  /** The option being typed in; its value in `options` is the partial text (default ''). */
  focused: string;
}

export type ModalFieldInput =
  | { kind: 'text'; customId: string; value: string; wrapper: 'label' | 'actionRow' }
  | { kind: 'channelSelect'; customId: string; channelIds: string[] }
  | { kind: 'stringSelect'; customId: string; values: string[] };

/** A text input as submitted: inside a Label (type 18) by default, or a legacy action row (type 1). */
export function textField(customId: string, value: string, wrapper: 'label' | 'actionRow' = 'label'): ModalFieldInput {
  return { kind: 'text', customId, value, wrapper };
}

/** A channel select inside a Label; the channels must be known to the fake (they are resolved). */
export function channelSelectField(customId: string, channelIds: string[]): ModalFieldInput {
  return { kind: 'channelSelect', customId, channelIds };
}

export function stringSelectField(customId: string, values: string[]): ModalFieldInput {
  return { kind: 'stringSelect', customId, values };
}

export interface ModalSubmitInput extends InteractionContext {
  customId: string;
  fields: ModalFieldInput[];
  /** Set when the modal was opened from a button on this message. */
  message?: APIMessage;
}

export interface ButtonClickInput extends InteractionContext {
  customId: string;
  /** The message carrying the button; by default a bot message with just that button. */
  message?: APIMessage;
}

const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);
/** Discord's upload limit for a server without boosts. */
const ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

function basicOption(name: string, value: string | number | boolean): APIApplicationCommandInteractionDataBasicOption {
  if (typeof value === 'boolean') return { type: ApplicationCommandOptionType.Boolean, name, value };
  if (typeof value === 'string') return { type: ApplicationCommandOptionType.String, name, value };
  const type = Number.isInteger(value) ? ApplicationCommandOptionType.Integer : ApplicationCommandOptionType.Number;
  return { type, name, value };
}

function commandOptions(input: SlashCommandInput): APIApplicationCommandInteractionDataOption[] {
  const leaves = Array.isArray(input.options)
    ? input.options
    : Object.entries(input.options ?? {}).map(([name, value]) => basicOption(name, value));
  if (!input.subcommand) return leaves;
  const subcommand = {
    type: ApplicationCommandOptionType.Subcommand as const,
    name: input.subcommand,
    options: leaves,
  };
  if (!input.group) return [subcommand];
  return [{ type: ApplicationCommandOptionType.SubcommandGroup, name: input.group, options: [subcommand] }];
}

/** Marks the option named `focused` (at any depth) as the one being typed in. */
function focus(
  options: APIApplicationCommandInteractionDataOption[],
  focused: string,
): APIApplicationCommandInteractionDataOption[] {
  return options.map((option) => {
    if ('options' in option && option.options) {
      return {
        ...option,
        options: focus(option.options as APIApplicationCommandInteractionDataOption[], focused),
      } as APIApplicationCommandInteractionDataOption;
    }
    return option.name === focused
      ? ({ ...option, focused: true } as APIApplicationCommandInteractionDataOption)
      : option;
  });
}

export class InteractionBuilders {
  private readonly commandIds = new Map<string, string>();

  constructor(private readonly world: FakeWorld) {}

  slashCommand(input: SlashCommandInput): APIChatInputApplicationCommandInteraction {
    return {
      ...this.base(Type.ApplicationCommand, input).payload,
      data: {
        id: this.commandId(input),
        name: input.name,
        type: ApplicationCommandType.ChatInput,
        options: commandOptions(input),
        ...(input.resolved ? { resolved: input.resolved } : {}),
      },
    } as APIChatInputApplicationCommandInteraction;
  }

  autocomplete(input: AutocompleteInput): APIApplicationCommandAutocompleteInteraction {
    const values = Array.isArray(input.options) ? input.options : { [input.focused]: '', ...input.options };
    return {
      ...this.base(Type.ApplicationCommandAutocomplete, input).payload,
      data: {
        id: this.commandId(input),
        name: input.name,
        type: ApplicationCommandType.ChatInput,
        options: focus(commandOptions({ ...input, options: values }), input.focused),
      },
    } as APIApplicationCommandAutocompleteInteraction;
  }

  modalSubmit(input: ModalSubmitInput): APIModalSubmitInteraction {
    const base = this.base(Type.ModalSubmit, input);
    const { components, resolved } = this.modalComponents(input, base.permissions);
    return {
      ...base.payload,
      ...(input.message ? { message: input.message } : {}),
      data: { custom_id: input.customId, components, ...(resolved ? { resolved } : {}) },
    } as APIModalSubmitInteraction;
  }

  buttonClick(input: ButtonClickInput): APIMessageComponentButtonInteraction {
    const base = this.base(Type.MessageComponent, input);
    const message = input.message ?? this.messageWithButton(base.channelId, input.customId);
    return {
      ...base.payload,
      message,
      data: { custom_id: input.customId, component_type: ComponentType.Button },
    } as APIMessageComponentButtonInteraction;
  }

  /** Fields common to every interaction, for the guild or DM context asked for. */
  private base(type: InteractionType, context: InteractionContext) {
    const { world } = this;
    const user = context.user ?? world.defaultUser;
    world.addUser(user);
    const common = {
      id: snowflake(),
      application_id: world.applicationId,
      type,
      // Real tokens are long opaque strings; only their uniqueness matters here.
      token: `aW50ZXJhY3Rpb246${randomBytes(48).toString('base64url')}`,
      version: 1 as const,
      locale: context.locale ?? 'en-US',
      entitlements: [],
      attachment_size_limit: ATTACHMENT_SIZE_LIMIT,
    };
    if (context.dm) return this.dmBase(common, user);
    return this.guildBase(common, user, context);
  }

  private dmBase<T extends object>(common: T, user: APIUser) {
    const channelId = this.world.dmChannelFor(user.id);
    const payload = {
      ...common,
      user,
      channel: dmChannelJson(channelId, user),
      channel_id: channelId,
      app_permissions: (
        PermissionFlagsBits.ViewChannel |
        PermissionFlagsBits.SendMessages |
        PermissionFlagsBits.EmbedLinks
      ).toString(),
      // For a guild-installed app used in the bot's DM, Discord sends "0" as the guild owner.
      authorizing_integration_owners: { '0': '0' },
      context: InteractionContextType.BotDM,
    };
    return { payload, channelId, permissions: 0n };
  }

  private guildBase<T extends object>(common: T, user: APIUser, context: InteractionContext) {
    const guild = this.guildFor(context);
    const channel = context.channelId
      ? guild.channels.find((candidate) => candidate.id === context.channelId)
      : guild.channels[0];
    if (!channel)
      throw new Error(`fake Discord: guild ${guild.id} has no channel ${context.channelId ?? '(none configured)'}`);
    guild.memberIds.add(user.id);
    const permissions =
      context.permissions ?? (user.id === guild.ownerId ? ALL_PERMISSIONS : DEFAULT_MEMBER_PERMISSIONS);
    const payload = {
      ...common,
      guild_id: guild.id,
      guild: { id: guild.id, features: [], locale: 'en-US' },
      guild_locale: 'en-US',
      member: {
        user,
        roles: [],
        nick: null,
        avatar: null,
        joined_at: new Date(0).toISOString(),
        premium_since: null,
        deaf: false,
        mute: false,
        flags: 0,
        pending: false,
        communication_disabled_until: null,
        permissions: permissions.toString(),
      },
      channel: { ...channelJson(channel), permissions: permissions.toString() },
      channel_id: channel.id,
      app_permissions: guild.botPermissions.toString(),
      authorizing_integration_owners: { '0': guild.id },
      context: InteractionContextType.Guild,
    };
    return { payload, channelId: channel.id, permissions };
  }

  private guildFor(context: InteractionContext): FakeGuild {
    const guild = context.guildId ? this.world.guild(context.guildId) : this.world.guilds[0];
    if (!guild) throw new Error(`fake Discord: no guild ${context.guildId ?? '(none configured)'}`);
    return guild;
  }

  /** The command's id: the one from the last bulk overwrite if registered, else a stable made-up one. */
  private commandId({ name, dm, guildId }: SlashCommandInput): string {
    const guildCommands = dm ? [] : (this.world.commands.get(guildId ?? this.world.guilds[0]?.id ?? '') ?? []);
    const registered = [...guildCommands, ...(this.world.commands.get('global') ?? [])];
    const known = registered.find((command) => command.name === name)?.id;
    if (typeof known === 'string') return known;
    const id = this.commandIds.get(name) ?? snowflake();
    this.commandIds.set(name, id);
    return id;
  }

  /** Components as Discord submits them, numbered in order, with selected channels resolved. */
  private modalComponents(input: ModalSubmitInput, permissions: bigint) {
    let nextId = 1;
    const channels: Record<string, APIInteractionDataResolvedChannel> = {};
    const components = input.fields.map((field): APIModalSubmissionComponent => {
      const outerId = nextId++;
      const innerId = nextId++;
      if (field.kind === 'text') {
        const textInput = {
          type: ComponentType.TextInput as const,
          id: innerId,
          custom_id: field.customId,
          value: field.value,
        };
        return field.wrapper === 'actionRow'
          ? { type: ComponentType.ActionRow, id: outerId, components: [textInput] }
          : { type: ComponentType.Label, id: outerId, component: textInput };
      }
      if (field.kind === 'stringSelect') {
        const select = {
          type: ComponentType.StringSelect as const,
          id: innerId,
          custom_id: field.customId,
          values: field.values,
        };
        return { type: ComponentType.Label, id: outerId, component: select };
      }
      for (const channelId of field.channelIds) channels[channelId] = this.resolvedChannel(channelId, permissions);
      const select = {
        type: ComponentType.ChannelSelect as const,
        id: innerId,
        custom_id: field.customId,
        values: field.channelIds,
      };
      return { type: ComponentType.Label, id: outerId, component: select };
    });
    const resolved = Object.keys(channels).length > 0 ? { channels } : undefined;
    return { components, resolved };
  }

  private resolvedChannel(channelId: string, permissions: bigint): APIInteractionDataResolvedChannel {
    const channel = this.world.guildChannel(channelId);
    if (!channel) throw new Error(`fake Discord: channel ${channelId} is not in any configured guild`);
    return {
      id: channel.id,
      name: channel.name,
      type: channel.type,
      permissions: permissions.toString(),
    } as APIInteractionDataResolvedChannel;
  }

  private messageWithButton(channelId: string, customId: string): APIMessage {
    const button = { type: ComponentType.Button, style: ButtonStyle.Primary, label: customId, custom_id: customId };
    const message = makeMessage(channelId, this.world.bot, {
      content: 'Pick one',
      components: [{ type: ComponentType.ActionRow, components: [button] }],
    });
    this.world.messages.set(message.id, message);
    return message;
  }
}
