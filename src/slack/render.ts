/**
 * Block Kit for Slotcast's messages: the organizer's reservation card (the permit prompt, kept up
 * to date in place, and App Home's entries), the invitation posted in channels, and the notices for
 * each MessageModel event. User text is escaped; times are date tokens. What a card holds — its
 * buttons, whether the stream key shows — is decided by the card model (src/chat/card.ts).
 */
import type { ReservationCard } from '../chat/card.js';
import { cardOfMessage } from '../chat/card.js';
import type { CardAction, StreamAction } from '../domain/actions.js';
import { EXTEND_STEPS_MINUTES } from '../domain/actions.js';
import type { FieldChange } from '../domain/changes.js';
import type { Invitees } from '../domain/reservation.js';
import type { MessageModel } from '../notify/message.js';
import { FIELD_LABELS, headline } from '../notify/message.js';
import type { Block, Button } from './blocks.js';
import { actions, button, context, fields, header, section } from './blocks.js';
import { ACTION, extendAction } from './ids.js';
import { attendanceLines, keyReplacedText, noShowText, refusalText, streamEndText } from '../notify/stream.js';
import { dateToken, escapeText, link, mentionChannel, mentionUser, rangeTokens } from './text.js';

export interface SlackMessage {
  /** Notification and screen-reader text; mrkdwn, escaped. */
  text: string;
  blocks: Block[];
}

function organizerName(organizer: ReservationCard['organizer']): string {
  return organizer.platform === 'slack' ? mentionUser(organizer.userId) : escapeText(organizer.name);
}

function statusLine(card: ReservationCard): string {
  switch (card.status) {
    case 'permitted':
      return `:hourglass_flowing_sand: *Permitted* — reconfirm before ${dateToken(card.reconfirmDeadline)}, or the slot is released.`;
    case 'confirmed':
      return ':white_check_mark: *Confirmed* — invitations have gone out.';
    case 'live':
      return ':red_circle: *Live now*';
    case 'completed':
      return ':checkered_flag: *Completed*';
    case 'cancelled':
      return `:x: *Cancelled*${card.cancelReason ? ` — ${escapeText(card.cancelReason)}` : ''}`;
    case 'lapsed':
      return ':hourglass: *Lapsed* — it was not reconfirmed in time, so the slot was released.';
  }
}

function inviteeList(invitees: Invitees): string {
  const shown = [...invitees.slackChannels.map(mentionChannel), ...invitees.emails.map(escapeText)];
  if (shown.length === 0) return '_nobody yet_';
  const max = 15;
  return shown.slice(0, max).join(', ') + (shown.length > max ? ` and ${shown.length - max} more` : '');
}

/** The organizer's card: the permit prompt, the App Home entry, the DM after an action. */
export function reservationCard(card: ReservationCard): SlackMessage {
  const blocks: Block[] = [
    header(card.title),
    section(statusLine(card)),
    fields([
      ['When', rangeTokens(card.startsAt, card.endsAt)],
      ['Server', escapeText(card.serverName)],
      ['Watch at', link(card.playbackUrl)],
      ['Viewing passcode', `\`${escapeText(card.passcode)}\``],
      ['Code', card.code],
      ...(card.invitees ? ([['Invitees', inviteeList(card.invitees)]] as Array<[string, string]>) : []),
    ]),
  ];
  if (card.ingest) {
    blocks.push(
      section(`*Stream to* \`${escapeText(card.ingest.url)}\`\n*Stream key* \`${escapeText(card.ingest.streamKey)}\``),
      context(':lock: Only you see the stream key. Anyone who has it can stream into your slot.'),
    );
  }
  if (card.description) blocks.push(section(escapeText(card.description)));
  if (card.actions.length + (card.streamActions?.length ?? 0) > 0) blocks.push(cardButtons(card));
  if (card.pageUrl)
    blocks.push(context(`:globe_with_meridians: ${link(card.pageUrl, 'On the web')} (sign in with \`/reserve open\`)`));
  return { text: `${escapeText(card.title)}: ${card.status}`, blocks };
}

const CANCEL_CONFIRM = {
  title: { type: 'plain_text', text: 'Cancel this reservation?' },
  text: { type: 'mrkdwn', text: 'Everyone who was invited is told. You can give a reason next.' },
  confirm: { type: 'plain_text', text: 'Yes, cancel it' },
  deny: { type: 'plain_text', text: 'Keep it' },
  style: 'danger',
} as const;

const BUTTONS: Record<CardAction, (reservationId: string) => Button> = {
  reconfirm: (id) => button('Reconfirm', ACTION.reconfirm, id, { style: 'primary' }),
  change: (id) => button('Change', ACTION.change, id),
  cancel: (id) => button('Cancel', ACTION.cancel, id, { style: 'danger', confirm: CANCEL_CONFIRM }),
};

const ROTATE_CONFIRM = {
  title: { type: 'plain_text', text: 'Replace the stream key?' },
  text: {
    type: 'mrkdwn',
    text: 'Whoever streams with the current key is cut off at once, and it stops working. Your encoder then needs the new key.',
  },
  confirm: { type: 'plain_text', text: 'Replace it' },
  deny: { type: 'plain_text', text: 'Keep it' },
  style: 'danger',
} as const;

/** The stream's own buttons (issue 17). */
const STREAM_BUTTONS: Record<StreamAction, (reservationId: string) => Button[]> = {
  extend: (id) => EXTEND_STEPS_MINUTES.map((minutes) => button(`Extend by ${minutes} min`, extendAction(minutes), id)),
  rotate_key: (id) => [rotateKeyButton(id)],
};

export function rotateKeyButton(reservationId: string): Button {
  return button('Replace the stream key', ACTION.rotateKey, reservationId, {
    style: 'danger',
    confirm: ROTATE_CONFIRM,
  });
}

function cardButtons(card: ReservationCard): Block {
  // One block per reservation, so App Home can hold several cards without block_id clashes.
  return actions(`card_${card.id}`, [
    ...card.actions.map((action) => BUTTONS[action](card.id)),
    ...(card.streamActions ?? []).flatMap((action) => STREAM_BUTTONS[action](card.id)),
  ]);
}

/** The invitation posted in a channel (claims 2 and 3, docs/method.md: where to watch, and the passcode). */
export function invitationMessage(message: MessageModel): SlackMessage {
  const card = cardOfMessage(message, message.at);
  // A change notice refreshes the invitation too: then the reservation's status says which it is.
  const tentative =
    message.event === 'invitation_tentative' ||
    (message.event !== 'invitation_confirmed' && card.status === 'permitted');
  const lead = tentative
    ? `:calendar: *You're invited* (tentative: ${organizerName(card.organizer)} confirms by ${dateToken(card.reconfirmDeadline)})`
    : `:calendar: *You're invited* by ${organizerName(card.organizer)}`;
  const blocks: Block[] = [
    header(card.title),
    section(lead),
    fields([
      ['When', rangeTokens(card.startsAt, card.endsAt)],
      ['Watch at', link(card.playbackUrl)],
      ['Viewing passcode', `\`${escapeText(card.passcode)}\``],
      ['Code', card.code],
    ]),
  ];
  if (card.description) blocks.push(section(escapeText(card.description)));
  blocks.push(context('Times are shown in your own time zone.'));
  return { text: escapeText(headline(message)), blocks };
}

/** What the channel's invitation becomes once the reservation is cancelled or lapsed. */
export function cancelledInvitationMessage(message: MessageModel): SlackMessage {
  const card = cardOfMessage(message, message.at);
  const why = message.reason ? ` — ${escapeText(message.reason)}` : '';
  return {
    text: escapeText(headline(message)),
    blocks: [header(`Cancelled: ${card.title}`), section(`:x: ~${rangeTokens(card.startsAt, card.endsAt)}~${why}`)],
  };
}

/** Hidden from channels: who else is invited is the organizer's business. */
const INVITEE_FIELDS = new Set<FieldChange['field']>(['emails', 'slackChannels', 'discordChannels']);

function changeValue(field: FieldChange['field'], value: FieldChange['from']): string {
  if (value === null || (Array.isArray(value) && value.length === 0)) return '_none_';
  if (Array.isArray(value))
    return value.map((item) => (field === 'slackChannels' ? mentionChannel(item) : escapeText(item))).join(', ');
  if (field === 'startsAt' || field === 'endsAt') return dateToken(new Date(value));
  if (field === 'passcode') return `\`${escapeText(value)}\``;
  return escapeText(value);
}

export function changeLines(changes: readonly FieldChange[], audience: 'channel' | 'dm'): string {
  return changes
    .filter((change) => audience === 'dm' || !INVITEE_FIELDS.has(change.field))
    .map(
      (change) =>
        `• ${FIELD_LABELS[change.field]}: ${changeValue(change.field, change.from)} → ${changeValue(change.field, change.to)}`,
    )
    .join('\n');
}

/** A notice: threaded under the invitation (channels) or the card (DMs), or standing alone. */
export function noticeMessage(message: MessageModel, audience: 'channel' | 'dm'): SlackMessage {
  const title = `*${escapeText(message.reservation.title)}*`;
  const by = escapeText(message.actorName);
  const card = cardOfMessage(message, message.at);
  let text: string;
  switch (message.event) {
    case 'change_notice':
      text = `:pencil2: ${title} was changed by ${by}:\n${changeLines(message.changes ?? [], audience) || '• details updated'}`;
      break;
    case 'cancellation_notice':
      text = `:x: ${title} is cancelled (${by}).${message.reason ? ` ${escapeText(message.reason)}` : ''}`;
      break;
    case 'lapse_notice':
      text =
        `:hourglass: ${title} lapsed: it was not reconfirmed by ${dateToken(card.reconfirmDeadline)}, ` +
        'so the slot was released. Type `/reserve` to book again.';
      break;
    case 'reconfirm_reminder':
      text = `:bell: Reminder: reconfirm ${title} before ${dateToken(card.reconfirmDeadline)} with the *Reconfirm* button, or the slot is released.`;
      break;
    case 'start_reminder':
      text =
        `:alarm_clock: ${title} starts ${dateToken(card.startsAt, '{date_short_pretty} at {time}')}. ` +
        `Watch at ${link(card.playbackUrl)} with passcode \`${escapeText(card.passcode)}\`.`;
      break;
    case 'delivery_failure_report':
      text = `:warning: Some invitations for ${title} could not be delivered:\n${(message.unreachable ?? [])
        .map(
          (item) =>
            `• ${item.channel === 'slack_channel' ? mentionChannel(item.recipient) : escapeText(item.recipient)}: ${escapeText(item.reason)}`,
        )
        .join('\n')}`;
      break;
    case 'publish_refused':
      // The wording holds no user text (server names are letters, digits, spaces, dots, dashes),
      // so only the time tokens are markup.
      text = message.refusal
        ? `:no_entry: ${title}: ${refusalText(message.refusal, (iso) => dateToken(new Date(iso), '{time}'), card.reconfirmDeadline.toISOString())}`
        : escapeText(headline(message));
      break;
    case 'no_show_notice':
      text = `:warning: ${title}: ${escapeText(noShowText(dateToken(card.startsAt, '{time}')))}`;
      break;
    case 'stream_key_replaced':
      text = `:key: ${title}: ${keyReplacedText((iso) => dateToken(new Date(iso), '{time}'), message.at.toISOString(), by)}`;
      break;
    case 'attendance_summary':
      text = `:bar_chart: ${title} ${escapeText(streamEndText(message))}:\n${escapeText((message.attendance ? attendanceLines(message.attendance) : []).join('\n'))}`;
      break;
    default:
      text = escapeText(headline(message));
  }
  const blocks: Block[] = [section(text)];
  // A leaked key: the organizer can replace it from the notice itself.
  if (audience === 'dm' && message.event === 'publish_refused' && message.refusal?.reason === 'already_publishing')
    blocks.push(actions(`leak_${message.reservation.id}`, [rotateKeyButton(message.reservation.id)]));
  return { text: escapeText(headline(message)), blocks };
}
