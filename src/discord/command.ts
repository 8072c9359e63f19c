/**
 * `/reserve new|timezone|list|open|help`, and autocomplete of servers and time zones.
 */
import type { AutocompleteInteraction, ChatInputCommandInteraction } from 'discord.js';
import { ButtonStyle, ComponentType, MessageFlags } from 'discord.js';
import { openLabel, openNotice } from '../chat/open.js';
import type { Actor } from '../domain/reservation.js';
import { actorOf } from './actor.js';
import { encodeId } from './ids.js';
import { requestModal } from './modal.js';
import { COLORS, message, row } from './render.js';
import type { DiscordContext } from './context.js';
import { asEdit, beforeModal, tell, TooSlow } from './respond.js';
import { formatClock } from '../chat/times.js';
import { DEFAULT_ZONE, zoneSchema } from '../chat/zones.js';
import { discordTime } from './text.js';
import { doneView, helpView, listView } from './views.js';

const MAX_CHOICES = 25;

export async function onCommand(context: DiscordContext, interaction: ChatInputCommandInteraction): Promise<void> {
  if (interaction.commandName !== 'reserve')
    return tell(interaction, doneView('Unknown command', 'Slotcast only knows `/reserve`.', COLORS.error));
  const actor = actorOf(interaction);
  if (!actor)
    return tell(
      interaction,
      doneView('Use a server', 'Reservations belong to a server: run `/reserve` in one of its channels.', COLORS.error),
    );
  switch (interaction.options.getSubcommand()) {
    case 'new':
      return openRequest(context, interaction, actor.tenantId);
    case 'timezone':
      return setZone(context, interaction, actor.tenantId);
    case 'open':
      return openWeb(context, interaction, actor);
    case 'list': {
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const reservations = await context.chat.upcoming(actor, 10);
      await interaction.editReply(asEdit(listView(reservations, actor, context.chat.clock())));
      return;
    }
    default:
      return tell(interaction, helpView());
  }
}

async function openRequest(
  context: DiscordContext,
  interaction: ChatInputCommandInteraction,
  guildId: string,
): Promise<void> {
  const server = interaction.options.getString('server', true).trim();
  const draft = context.drafts.put({
    id: interaction.id,
    kind: 'new',
    guildId,
    userId: interaction.user.id,
    server,
    ...optional('passcode', interaction.options.getString('passcode')),
    ...optional('description', interaction.options.getString('description')),
  });
  let zone = DEFAULT_ZONE;
  try {
    const [known, source] = await beforeModal(
      Promise.all([
        context.chat.server(server),
        context.chat.zone({ platform: 'discord', tenantId: guildId, userId: interaction.user.id }),
      ]),
      1500,
    );
    if (!known?.active) {
      return tell(
        interaction,
        doneView(
          'Unknown server',
          `There is no active server named "${server.slice(0, 64)}". Pick one from the list as you type.`,
          COLORS.error,
        ),
      );
    }
    zone = source.zone;
  } catch (error) {
    // Slow database: open the modal anyway; the submission is checked in full.
    if (!(error instanceof TooSlow)) throw error;
  }
  await interaction.showModal(requestModal(encodeId({ action: 'new-form', draftId: draft.id }), server, zone));
}

/** `/reserve open [reservation]`: a sign-in link to the web pages, in an ephemeral reply (it is the caller's alone). */
async function openWeb(context: DiscordContext, interaction: ChatInputCommandInteraction, actor: Actor): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const typed = interaction.options.getString('reservation')?.trim() || undefined;
  const outcome = await context.chat.openLink(actor, typed);
  if (!outcome.ok) {
    const code = (typed ?? '').replace(/[^\w-]/g, '').slice(0, 16);
    const text =
      outcome.reason === 'not_found'
        ? `No reservation you can see has the code \`${code}\`. \`/reserve list\` shows yours.`
        : outcome.message;
    await interaction.editReply(asEdit(doneView('No link', text, COLORS.error)));
    return;
  }
  const link = outcome.value;
  await interaction.editReply(
    asEdit(
      message({
        embeds: [
          {
            title: 'Your sign-in link',
            description: `[${openLabel(link)}](${link.url})\n\n${openNotice(discordTime(link.expiresAt, 't'))}`,
            color: COLORS.changed,
          },
        ],
        components: [
          row({ type: ComponentType.Button, style: ButtonStyle.Link, label: openLabel(link), url: link.url }),
        ],
      }),
    ),
  );
}

function optional<K extends string>(key: K, value: string | null): Partial<Record<K, string>> {
  const trimmed = value?.trim();
  return trimmed ? ({ [key]: trimmed } as Record<K, string>) : {};
}

async function setZone(
  context: DiscordContext,
  interaction: ChatInputCommandInteraction,
  guildId: string,
): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const typed = interaction.options.getString('zone');
  if (!typed) {
    const current = await context.chat.zone({ platform: 'discord', tenantId: guildId, userId: interaction.user.id });
    const from = { user: 'your setting', workspace: "the server's default", default: 'the default' }[current.from];
    await interaction.editReply(
      asEdit(
        doneView(
          'Your time zone',
          `Times you type are read in **${current.zone}** (${from}). Set yours with \`/reserve timezone Europe/Berlin\`.`,
          COLORS.changed,
        ),
      ),
    );
    return;
  }
  const parsed = zoneSchema.safeParse(typed);
  if (!parsed.success) {
    await interaction.editReply(
      asEdit(doneView('Unknown time zone', parsed.error.issues[0]?.message ?? 'Not a time zone.', COLORS.error)),
    );
    return;
  }
  await context.chat.saveZone({ platform: 'discord', tenantId: guildId, userId: interaction.user.id }, parsed.data);
  const clock = formatClock(context.chat.clock(), parsed.data);
  await interaction.editReply(
    asEdit(
      doneView(
        'Time zone saved',
        `Times you type are now read in **${parsed.data}**, where it is ${clock} (${discordTime(context.chat.clock(), 'F')} in yours).`,
        COLORS.confirmed,
      ),
    ),
  );
}

export async function onAutocomplete(context: DiscordContext, interaction: AutocompleteInteraction): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const typed = String(focused.value).trim().toLowerCase();
  if (focused.name === 'server') {
    const servers = await context.chat.servers();
    const choices = servers
      .filter((server) => server.name.toLowerCase().includes(typed))
      .slice(0, MAX_CHOICES)
      .map((server) => ({
        name: `${server.name}${server.capacity > 1 ? ` (${server.capacity} streams)` : ''}`.slice(0, 100),
        value: server.name,
      }));
    await interaction.respond(choices);
    return;
  }
  if (focused.name === 'zone') {
    const zones = [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])].filter((zone) =>
      zone.toLowerCase().includes(typed.replace(/\s+/g, '_')),
    );
    await interaction.respond(zones.slice(0, MAX_CHOICES).map((zone) => ({ name: zone, value: zone })));
    return;
  }
  await interaction.respond([]);
}
