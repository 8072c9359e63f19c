/**
 * The modals: the reservation form (new and change), the cancel form, and the small views a
 * submission is answered with. block_ids are stable (see BLOCK) so field errors find their
 * inputs; private_metadata carries ids only.
 */
import type { types } from '@slack/bolt';
import type { Alternative } from '../app/outcome.js';
import type { StoredReservation } from '../store/reservations.js';
import type { ServerRow } from '../store/servers.js';
import type { Block } from './blocks.js';
import { context, divider, fields, plain, section } from './blocks.js';
import { dateToken, escapeText, rangeTokens, truncate } from './text.js';
import type { FormInput, ViewMetadata } from './form.js';
import { BLOCK, encodeMetadata, encodeSlot, INPUT } from './form.js';

export type ModalView = types.ModalView;

export const VIEW = {
  request: 'reserve_new',
  change: 'reserve_change',
  cancel: 'reserve_cancel',
  info: 'reserve_info',
} as const;
/** The action_id of a nearest-free-slot button. */
export const PICK_SLOT = 'pick_slot';

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

/** A view with a message and a Done button: what a submission is answered with. */
export function infoView(title: string, blocks: Block[]): ModalView {
  return { type: 'modal', callback_id: VIEW.info, title: plain(title, 24), close: plain('Done', 24), blocks };
}

/** The reply to a request: the times as understood, as date tokens, so a picker in the wrong zone shows at once. */
export function requestedView(reservation: StoredReservation): ModalView {
  return infoView('Requested', [
    section(
      `:white_check_mark: *${escapeText(reservation.title)}* is permitted on *${escapeText(reservation.server.name)}*.`,
    ),
    fields([
      ['Start', dateToken(reservation.startsAt)],
      ['End', dateToken(reservation.endsAt)],
      ['Reconfirm by', dateToken(reservation.reconfirmDeadline)],
      ['Code', reservation.code],
    ]),
    context(
      'These are the times as Slotcast understood them, shown in your time zone. If they are off, your device may be set to another zone than your Slack profile: use *Change* in the DM from Slotcast.',
    ),
    context('Your DM from Slotcast has the stream key and the *Reconfirm* button.'),
  ]);
}

export function changedView(reservation: StoredReservation, changed: boolean): ModalView {
  return infoView(changed ? 'Changed' : 'Nothing changed', [
    section(
      changed
        ? `:pencil2: *${escapeText(reservation.title)}* now runs ${rangeTokens(reservation.startsAt, reservation.endsAt)} on *${escapeText(reservation.server.name)}*. Everyone who had been told gets a change notice.`
        : `*${escapeText(reservation.title)}* already had these details; nothing was sent.`,
    ),
  ]);
}

export function messageView(title: string, text: string): ModalView {
  return infoView(title, [section(text)]);
}

export const workingView = (): ModalView => messageView('Working…', ':hourglass_flowing_sand: Checking availability…');

/** Opened at once on a button press, while the trigger_id is fresh; replaced when the reads are done. */
export const loadingView = (): ModalView =>
  messageView('Loading…', ':hourglass_flowing_sand: Loading the reservation…');

export const failedView = (): ModalView =>
  messageView(
    'Something went wrong',
    'Slotcast could not do that just now; it has been logged. Please try again in a minute.',
  );

export const noServersView = (): ModalView =>
  messageView(
    'No servers yet',
    'There is no distribution server to book yet. An operator adds one with `npx slotcast server add --name … --ingest … --playback …`.',
  );
