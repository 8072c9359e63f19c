/**
 * The modals: request (title, start, end or duration, e-mails, channels), change (the same,
 * pre-filled, with the description instead of channels: it opens from a DM, where no channel can
 * be picked) and cancel (an optional reason). Discord allows five fields per modal; the request's
 * server, passcode and description are options of `/reserve new`.
 */
import type { ModalSubmitInteraction } from 'discord.js';
import {
  ChannelSelectMenuBuilder,
  ChannelType,
  ComponentType,
  LabelBuilder,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import type { FormValues } from './drafts.js';
import { clip } from './text.js';

const MAX_CHANNELS = 25;

function text(
  customId: string,
  style: TextInputStyle,
  options: { value?: string | undefined; required: boolean; max: number; placeholder?: string },
): TextInputBuilder {
  const input = new TextInputBuilder()
    .setCustomId(customId)
    .setStyle(style)
    .setRequired(options.required)
    .setMaxLength(options.max);
  if (options.placeholder) input.setPlaceholder(options.placeholder);
  if (options.value) input.setValue(clip(options.value, options.max));
  return input;
}

/** `zone` undefined: reopened without a database read, so the zone is not named. */
function timeLabels(values: Partial<FormValues>, zone: string | undefined): LabelBuilder[] {
  return [
    new LabelBuilder().setLabel('Title').setTextInputComponent(
      text('title', TextInputStyle.Short, {
        value: values.title,
        required: true,
        max: 200,
        placeholder: 'Quarterly all-hands',
      }),
    ),
    new LabelBuilder()
      .setLabel('Start')
      .setDescription(
        clip(
          zone
            ? `In your time zone, ${zone} (change it with /reserve timezone)`
            : 'In your time zone (see /reserve timezone)',
          100,
        ),
      )
      .setTextInputComponent(
        text('start', TextInputStyle.Short, {
          value: values.start,
          required: true,
          max: 100,
          placeholder: 'tomorrow 19:00 · 2026-12-01 19:00 · in 2 hours',
        }),
      ),
    new LabelBuilder().setLabel('End or duration').setTextInputComponent(
      text('end', TextInputStyle.Short, {
        value: values.end,
        required: true,
        max: 100,
        placeholder: '90m · 2h · 20:30',
      }),
    ),
    new LabelBuilder()
      .setLabel('Invitee e-mails')
      .setDescription('Separated by commas, spaces or new lines')
      .setTextInputComponent(
        text('emails', TextInputStyle.Paragraph, {
          value: values.emails,
          required: false,
          max: 4000,
          placeholder: 'ann@example.org, bob@example.org',
        }),
      ),
  ];
}

export function requestModal(
  customId: string,
  serverName: string,
  zone: string | undefined,
  values: Partial<FormValues> = {},
): ModalBuilder {
  const channels = new ChannelSelectMenuBuilder()
    .setCustomId('channels')
    .setChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement)
    .setMinValues(0)
    .setMaxValues(MAX_CHANNELS)
    .setRequired(false);
  if (values.channels?.length) channels.setDefaultChannels(values.channels.slice(0, MAX_CHANNELS));
  return new ModalBuilder()
    .setCustomId(customId)
    .setTitle(clip(`Reserve ${serverName}`, 45))
    .addLabelComponents(
      ...timeLabels(values, zone),
      new LabelBuilder()
        .setLabel('Channels to invite')
        .setDescription('They get the invitation when it goes out')
        .setChannelSelectMenuComponent(channels),
    );
}

export function changeModal(
  customId: string,
  code: string,
  zone: string | undefined,
  values: FormValues,
): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(customId)
    .setTitle(clip(`Change ${code}`, 45))
    .addLabelComponents(
      ...timeLabels(values, zone),
      new LabelBuilder()
        .setLabel('Description')
        .setTextInputComponent(
          text('description', TextInputStyle.Paragraph, { value: values.description, required: false, max: 3000 }),
        ),
    );
}

export function cancelModal(customId: string, code: string): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(customId)
    .setTitle(clip(`Cancel ${code}?`, 45))
    .addLabelComponents(
      new LabelBuilder()
        .setLabel('Reason (optional)')
        .setDescription('Invitees who were told see it in the cancellation notice')
        .setTextInputComponent(text('reason', TextInputStyle.Paragraph, { required: false, max: 500 })),
    );
}

/** A text field's value, '' when the field is absent (an older modal, an optional field left out). */
export function textValue(interaction: ModalSubmitInteraction, customId: string): string {
  const field = interaction.fields.fields.get(customId);
  return field?.type === ComponentType.TextInput ? field.value : '';
}

export function selectedChannels(interaction: ModalSubmitInteraction, customId: string): string[] | undefined {
  const field = interaction.fields.fields.get(customId);
  return field?.type === ComponentType.ChannelSelect ? [...(field.values ?? [])] : undefined;
}

export function readForm(interaction: ModalSubmitInteraction): FormValues {
  const channels = selectedChannels(interaction, 'channels');
  const description = interaction.fields.fields.has('description') ? textValue(interaction, 'description') : undefined;
  return {
    title: textValue(interaction, 'title'),
    start: textValue(interaction, 'start'),
    end: textValue(interaction, 'end'),
    emails: textValue(interaction, 'emails'),
    ...(description !== undefined ? { description } : {}),
    ...(channels ? { channels } : {}),
  };
}
