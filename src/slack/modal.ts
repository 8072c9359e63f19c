/**
 * The modals: the reservation form (new and change) and the cancel form. block_ids are stable (see
 * BLOCK) so field errors find their inputs; private_metadata carries ids only.
 */
import type { types } from '@slack/bolt';
import type { Alternative } from '../app/outcome.js';
import type { StoredReservation } from '../chat/port.js';
import type { ServerRow } from '../chat/port.js';
import type { Block } from './blocks.js';
import { divider, plain, section } from './blocks.js';
import { escapeText, rangeTokens, truncate } from './text.js';
import type { FormInput } from './form.js';
import type { ViewMetadata } from './ids.js';
import { BLOCK, encodeMetadata, encodeSlot, INPUT, PICK_SLOT, VIEW } from './ids.js';

export type ModalView = types.ModalView;

// Slack's limit for static_select options; beyond it an external select would be needed.
const MAX_OPTIONS = 100;

export interface FormOptions {
  mode: 'request' | 'change';
  servers: readonly ServerRow[];
  form?: Partial<FormInput>;
  /** mrkdwn shown above the inputs: why the last try was refused. */
  banner?: string;
  alternatives?: readonly Alternative[];
  metadata?: ViewMetadata;
}

function serverOption(server: ServerRow): types.PlainTextOption {
  const streams = `${server.capacity} stream${server.capacity === 1 ? '' : 's'} at once`;
  return { text: plain(`${truncate(server.name, 50)} · ${streams}`, 75), value: server.id };
}

function input(
  blockId: string,
  label: string,
  element: types.InputBlockElement,
  extra: Partial<types.InputBlock> = {},
): Block {
  return { type: 'input', block_id: blockId, label: plain(label, 2000), element, ...extra };
}

export function reservationForm(options: FormOptions): ModalView {
  const form = options.form ?? {};
  const shown = options.servers.slice(0, MAX_OPTIONS).map(serverOption);
  const selected = shown.find((option) => option.value === form.serverId);
  const blocks: Block[] = [];
  if (options.banner) blocks.push(section(options.banner));
  for (const [index, slot] of (options.alternatives ?? []).entries()) {
    const label = slot.kind === 'same_server_other_time' ? 'Another time' : 'Another server';
    blocks.push(
      section(`${label}: *${escapeText(slot.serverName)}*, ${rangeTokens(slot.startsAt, slot.endsAt)}`, {
        block_id: `slot_${index}`,
        accessory: {
          type: 'button',
          action_id: PICK_SLOT,
          text: plain('Book this', 75),
          value: encodeSlot({
            serverId: slot.serverId,
            startsAt: slot.startsAt.getTime() / 1000,
            endsAt: slot.endsAt.getTime() / 1000,
          }),
        },
      }),
    );
  }
  if (blocks.length > 0) blocks.push(divider());
  blocks.push(
    input(BLOCK.title, 'Title', {
      type: 'plain_text_input',
      action_id: INPUT,
      max_length: 200,
      ...(form.title ? { initial_value: form.title } : {}),
    }),
    input(BLOCK.server, 'Server', {
      type: 'static_select',
      action_id: INPUT,
      placeholder: plain('Pick a distribution server'),
      options: shown,
      ...(selected ? { initial_option: selected } : {}),
    }),
    input(BLOCK.startsAt, 'Start', {
      type: 'datetimepicker',
      action_id: INPUT,
      ...(form.startsAt ? { initial_date_time: form.startsAt } : {}),
    }),
    input(BLOCK.endsAt, 'End', {
      type: 'datetimepicker',
      action_id: INPUT,
      ...(form.endsAt ? { initial_date_time: form.endsAt } : {}),
    }),
    input(
      BLOCK.emails,
      'Invite by e-mail',
      {
        type: 'plain_text_input',
        action_id: INPUT,
        multiline: true,
        placeholder: plain('ann@example.org, bob@example.org'),
        ...(form.emailsText ? { initial_value: form.emailsText } : {}),
      },
      {
        optional: true,
        hint: plain(
          'Separate addresses with commas, spaces or new lines. Each gets an e-mail with a calendar invitation.',
        ),
      },
    ),
    input(
      BLOCK.channels,
      'Invite channels',
      {
        type: 'multi_conversations_select',
        action_id: INPUT,
        placeholder: plain('Channels to post the invitation in'),
        filter: { include: ['public', 'private'], exclude_bot_users: true },
        ...(form.channels && form.channels.length > 0 ? { initial_conversations: form.channels } : {}),
      },
      { optional: true, hint: plain('Slotcast must be a member of private channels (/invite @Slotcast there).') },
    ),
    input(
      BLOCK.passcode,
      'Viewing passcode',
      {
        type: 'plain_text_input',
        action_id: INPUT,
        max_length: 64,
        ...(form.passcode ? { initial_value: form.passcode } : {}),
      },
      {
        optional: true,
        hint: plain(
          options.mode === 'request'
            ? 'Viewers type it to watch. Leave empty and a strong one is generated.'
            : 'Leave empty to keep the current one.',
        ),
      },
    ),
    input(
      BLOCK.description,
      'Description',
      {
        type: 'plain_text_input',
        action_id: INPUT,
        multiline: true,
        max_length: 3000,
        ...(form.description ? { initial_value: form.description } : {}),
      },
      { optional: true },
    ),
  );
  return {
    type: 'modal',
    callback_id: options.mode === 'request' ? VIEW.request : VIEW.change,
    title: plain(options.mode === 'request' ? 'New reservation' : 'Change reservation', 24),
    submit: plain(options.mode === 'request' ? 'Request' : 'Save changes', 24),
    close: plain('Close', 24),
    private_metadata: encodeMetadata(options.metadata ?? {}),
    blocks,
  };
}

/** The form filled in with a reservation's current values, for Change. */
export function formFromReservation(reservation: StoredReservation): Partial<FormInput> {
  return {
    title: reservation.title,
    serverId: reservation.server.id,
    startsAt: Math.floor(reservation.startsAt.getTime() / 1000),
    endsAt: Math.floor(reservation.endsAt.getTime() / 1000),
    emailsText: reservation.invitees.emails.join('\n'),
    channels: reservation.invitees.slackChannels,
    passcode: reservation.passcode,
    description: reservation.description ?? '',
  };
}

export function cancelForm(reservation: StoredReservation, metadata: ViewMetadata): ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.cancel,
    title: plain('Cancel reservation', 24),
    submit: plain('Cancel reservation', 24),
    close: plain('Keep it', 24),
    private_metadata: encodeMetadata(metadata),
    blocks: [
      section(
        `Cancel *${escapeText(reservation.title)}*, ${rangeTokens(reservation.startsAt, reservation.endsAt)}? Everyone invited is told.`,
      ),
      input(
        BLOCK.reason,
        'Reason (optional)',
        { type: 'plain_text_input', action_id: INPUT, multiline: true, max_length: 500 },
        { optional: true, hint: plain('Shown to the invitees.') },
      ),
    ],
  };
}
