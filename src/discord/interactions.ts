/**
 * Routes every interaction to its handler and makes sure each gets an answer: an unexpected
 * error is logged (without secrets: ids and the error message only) and the user is told, so no
 * interaction is left with "The application did not respond".
 */
import type { Interaction } from 'discord.js';
import { onExtend, onOpenForm, onReconfirm, onReplaceKey } from './buttons.js';
import { onCancelSubmit, onChangeSubmit, onEdit, onRequestSubmit, onSlot } from './submissions.js';
import { decodeId } from './ids.js';
import { COLORS } from './render.js';
import { onAutocomplete, onCommand } from './command.js';
import type { DiscordContext } from './context.js';
import { tell } from './respond.js';
import { doneView } from './views.js';

const STALE = doneView('This button is no longer valid', 'Run `/reserve list` to see your reservations.', COLORS.error);
const FAILED = doneView(
  'Something went wrong',
  'Slotcast could not finish that. Nothing was booked twice; try again in a moment.',
  COLORS.error,
);

async function route(context: DiscordContext, interaction: Interaction): Promise<void> {
  if (interaction.isChatInputCommand()) return onCommand(context, interaction);
  if (interaction.isAutocomplete()) return onAutocomplete(context, interaction);
  if (interaction.isModalSubmit()) {
    const id = decodeId(interaction.customId);
    if (id?.action === 'new-form') return onRequestSubmit(context, interaction, id.draftId);
    if (id?.action === 'change-form') return onChangeSubmit(context, interaction, id);
    if (id?.action === 'cancel-form') return onCancelSubmit(context, interaction, id);
    return tell(interaction, STALE);
  }
  if (interaction.isButton()) {
    const id = decodeId(interaction.customId);
    switch (id?.action) {
      case 'reconfirm':
        return onReconfirm(context, interaction, id);
      case 'extend':
        return onExtend(context, interaction, id, id.minutes);
      case 'rotate-key':
      case 'rotate-key-confirmed':
        return onReplaceKey(context, interaction, id, id.action === 'rotate-key-confirmed');
      case 'change':
      case 'cancel':
        return onOpenForm(context, interaction, id, id.action);
      case 'edit':
        return onEdit(context, interaction, id.draftId);
      case 'slot':
        return onSlot(context, interaction, id.draftId, id.index);
      default:
        return tell(interaction, STALE);
    }
  }
}

export async function handleInteraction(context: DiscordContext, interaction: Interaction): Promise<void> {
  try {
    await route(context, interaction);
  } catch (error) {
    context.log.error('discord interaction failed', {
      interaction: interaction.id,
      type: interaction.type,
      customId: 'customId' in interaction ? interaction.customId : undefined,
      command: interaction.isCommand() || interaction.isAutocomplete() ? interaction.commandName : undefined,
      error: error instanceof Error ? error.message : String(error),
    });
    try {
      if (interaction.isAutocomplete()) {
        if (!interaction.responded) await interaction.respond([]);
      } else if (interaction.isRepliable()) {
        await tell(interaction, FAILED);
      }
    } catch {
      // Too late to answer (the interaction expired or was answered): the log has it.
    }
  }
}
