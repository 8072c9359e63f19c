/**
 * Answering interactions: Discord wants a first response within 3 s and exactly one. Anything
 * touching the database is deferred first (an ephemeral "thinking…", or a silent update of the
 * message the button is on); a modal, which cannot follow a deferral, is opened only after reads
 * that are bounded by a timeout.
 */
import type {
  ButtonInteraction,
  InteractionEditReplyOptions,
  InteractionReplyOptions,
  ModalSubmitInteraction,
  RepliableInteraction,
} from 'discord.js';
import { MessageFlags } from 'discord.js';
import type { DiscordMessage } from './render.js';

export function asEdit(reply: DiscordMessage): InteractionEditReplyOptions {
  return { content: reply.content, embeds: reply.embeds, components: reply.components, allowedMentions: { parse: [] } };
}

export function asEphemeral(reply: DiscordMessage): InteractionReplyOptions & { flags: MessageFlags.Ephemeral } {
  return {
    ...(reply.content ? { content: reply.content } : {}),
    embeds: reply.embeds,
    components: reply.components,
    allowedMentions: { parse: [] },
    flags: MessageFlags.Ephemeral,
  };
}

/** How each interaction was deferred, so a later answer knows whether @original is the prompt. */
const deferredAs = new WeakMap<RepliableInteraction, 'prompt' | 'reply'>();

/** Answers ephemerally whatever state the interaction is in; never edits the prompt. */
export async function tell(interaction: RepliableInteraction, reply: DiscordMessage): Promise<void> {
  if (!interaction.deferred && !interaction.replied) await interaction.reply(asEphemeral(reply));
  else if (deferredAs.get(interaction) !== 'prompt' && !interaction.replied) await interaction.editReply(asEdit(reply));
  else await interaction.followUp(asEphemeral(reply));
}

/** A button or modal on the organizer's DM prompt: its answer edits that message in place. */
export function onPrompt(interaction: ButtonInteraction | ModalSubmitInteraction): boolean {
  if (interaction.inGuild()) return false;
  return interaction.isButton() || interaction.isFromMessage();
}

/** Defers the way the interaction will be answered: an update of the prompt, or an ephemeral reply. */
export async function defer(interaction: ButtonInteraction | ModalSubmitInteraction): Promise<'prompt' | 'reply'> {
  if (onPrompt(interaction)) {
    await interaction.deferUpdate();
    deferredAs.set(interaction, 'prompt');
    return 'prompt';
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  deferredAs.set(interaction, 'reply');
  return 'reply';
}

export class TooSlow extends Error {
  constructor() {
    super('timed out before the interaction deadline');
  }
}

/** Reads that must finish before a modal opens, within what is left of Discord's 3 s. */
export async function beforeModal<T>(work: Promise<T>, ms = 2000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TooSlow()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
