/**
 * Discord messages for each MessageModel event: embeds and buttons built as plain API JSON (so
 * they go unchanged through REST and through discord.js interaction replies). User text is
 * clipped to Discord's limits here, and every message carries `allowed_mentions: { parse: [] }`,
 * so a title like "@everyone" is shown, never pinged.
 */
import type { APIActionRowComponent, APIButtonComponent, APIEmbed, APIEmbedField } from 'discord.js';
import { ButtonStyle, ComponentType } from 'discord.js';
import type { ReservationCard } from '../chat/card.js';
import { cardOfMessage } from '../chat/card.js';
import type { CardAction, StreamAction } from '../domain/actions.js';
import { EXTEND_STEPS_MINUTES } from '../domain/actions.js';
import type { FieldChange } from '../domain/changes.js';
import type { MessagePayload } from '../domain/notifications.js';
import { holdsSlot } from '../domain/status.js';
import type { MessageModel } from '../notify/message.js';
import { FIELD_LABELS, headline } from '../notify/message.js';
import { attendanceLines, keyReplacedText, noShowText, refusalText, streamEndText } from '../notify/stream.js';
import type { ReservationRef } from './ids.js';
import { encodeId } from './ids.js';
import { clip, discordTime, userText } from './text.js';

export type ReservationView = MessagePayload['reservation'];
export type ButtonRow = APIActionRowComponent<APIButtonComponent>;

export interface DiscordMessage {
  content: string;
  embeds: APIEmbed[];
  components: ButtonRow[];
  allowed_mentions: { parse: [] };
}

export const NO_MENTIONS = { parse: [] as [] };

export const COLORS = {
  permitted: 0xf5a623,
  confirmed: 0x2ecc71,
  changed: 0x3498db,
  cancelled: 0xe74c3c,
  ended: 0x95a5a6,
  error: 0xe67e22,
} as const;

export function message(parts: Partial<Omit<DiscordMessage, 'allowed_mentions'>>): DiscordMessage {
  return {
    content: clip(parts.content ?? '', 2000),
    embeds: parts.embeds ?? [],
    components: parts.components ?? [],
    allowed_mentions: NO_MENTIONS,
  };
}

const field = (name: string, value: string, inline = false): APIEmbedField => ({
  name,
  value: clip(value || '—', 1024),
  inline,
});

export function when(view: { startsAt: Date | string; endsAt: Date | string }): string {
  return `${discordTime(view.startsAt)} – ${discordTime(view.endsAt, 't')} (${discordTime(view.startsAt, 'R')})`;
}

function organizerName(view: ReservationView): string {
  // A user mention renders as the name; allowed_mentions keeps it from pinging.
  return view.organizer.platform === 'discord' ? `<@${view.organizer.userId}>` : view.organizer.name;
}

export function button(
  label: string,
  style: ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Success | ButtonStyle.Danger,
  customId: string,
): APIButtonComponent {
  return { type: ComponentType.Button, style, label, custom_id: customId };
}

export function row(...buttons: APIButtonComponent[]): ButtonRow {
  return { type: ComponentType.ActionRow, components: buttons };
}

const ACTION_BUTTONS: Record<
  CardAction,
  { label: string; style: ButtonStyle.Success | ButtonStyle.Secondary | ButtonStyle.Danger }
> = {
  reconfirm: { label: 'Reconfirm', style: ButtonStyle.Success },
  change: { label: 'Change', style: ButtonStyle.Secondary },
  cancel: { label: 'Cancel', style: ButtonStyle.Danger },
};

/** The stream's buttons (issue 17); Replace asks before it acts. At most five buttons share a row with the card's. */
function streamButtons(
  action: StreamAction,
  ids: ReservationRef,
  label: (text: string) => string,
): APIButtonComponent[] {
  if (action === 'rotate_key')
    return [button(label('Replace stream key'), ButtonStyle.Danger, encodeId({ action: 'rotate-key', ...ids }))];
  return EXTEND_STEPS_MINUTES.map((minutes) =>
    button(label(`Extend +${minutes} min`), ButtonStyle.Secondary, encodeId({ action: 'extend', minutes, ...ids })),
  );
}

/** The card's buttons, `label` naming them (e.g. with the code, where several cards share a message). */
export function actionButtons(
  card: Pick<ReservationCard, 'id' | 'organizer' | 'actions' | 'streamActions'>,
  label: (text: string) => string = (text) => text,
): ButtonRow[] {
  const ids = { reservationId: card.id, guildId: card.organizer.tenantId };
  const buttons = [
    ...card.actions.map((action) =>
      button(label(ACTION_BUTTONS[action].label), ACTION_BUTTONS[action].style, encodeId({ action, ...ids })),
    ),
    ...(card.streamActions ?? []).flatMap((action) => streamButtons(action, ids, label)),
  ];
  return buttons.length > 0 ? [row(...buttons.slice(0, 5))] : [];
}

function watchButton(view: ReservationView): ButtonRow[] {
  return /^https?:\/\//.test(view.playbackUrl) && view.playbackUrl.length <= 512
    ? [
        {
          type: ComponentType.ActionRow,
          components: [{ type: ComponentType.Button, style: ButtonStyle.Link, label: 'Watch', url: view.playbackUrl }],
        },
      ]
    : [];
}

const PROMPT_STATE: Record<
  ReservationView['status'],
  { title: string; color: number; line: (view: { reconfirmDeadline: Date | string }) => string }
> = {
  permitted: {
    title: 'Permitted',
    color: COLORS.permitted,
    line: (view) =>
      `Reconfirm before ${discordTime(view.reconfirmDeadline)} (${discordTime(view.reconfirmDeadline, 'R')}), or the slot is released.`,
  },
  confirmed: {
    title: 'Reconfirmed',
    color: COLORS.confirmed,
    line: () => 'Reconfirmed: the invitations have gone out.',
  },
  live: { title: 'Live', color: COLORS.confirmed, line: () => 'Your stream time has started.' },
  completed: { title: 'Completed', color: COLORS.ended, line: () => 'This reservation is over.' },
  cancelled: {
    title: 'Cancelled',
    color: COLORS.cancelled,
    line: () => 'This reservation was cancelled; the slot is free again.',
  },
  lapsed: {
    title: 'Lapsed',
    color: COLORS.ended,
    line: () => 'This reservation was not reconfirmed in time; the slot is free again.',
  },
};

type UserTextFields = { title: string; description: string | null; serverName: string; organizer: { name: string } };

function literal<T extends UserTextFields>(view: T): T {
  return {
    ...view,
    title: userText(view.title),
    description: view.description === null ? null : userText(view.description),
    serverName: userText(view.serverName),
    organizer: { ...view.organizer, name: userText(view.organizer.name) },
  };
}

/**
 * The organizer's DM (claim 6, docs/method.md): the permit prompt, re-rendered in place as the
 * reservation moves on. Where to watch only while it can still be streamed; the stream key where
 * the card holds it.
 */
export function promptMessage(card: ReservationCard): DiscordMessage {
  const view = literal(card);
  const state = PROMPT_STATE[view.status];
  const fields = [field('When', when(view)), field('Server', view.serverName, true), field('Code', view.code, true)];
  if (holdsSlot(view.status)) {
    fields.push(field('Playback URL', view.playbackUrl), field('Viewing passcode', `\`${view.passcode}\``, true));
  }
  if (view.ingest) {
    fields.push(
      field('Ingest URL', `\`${view.ingest.url}\``),
      field('Stream key (secret: only you see it)', `||\`${view.ingest.streamKey}\`||`),
    );
  }
  if (view.pageUrl) fields.push(field('On the web', `${view.pageUrl} (sign in with \`/reserve open\`)`));
  const embed: APIEmbed = {
    title: clip(`${state.title}: ${view.title}`, 256),
    description: state.line(view),
    color: state.color,
    fields,
    footer: { text: `Slotcast · ${view.code}` },
  };
  return message({
    content:
      view.status === 'permitted'
        ? clip(`Permitted: **${view.title}** — reconfirm by ${discordTime(view.reconfirmDeadline)}`, 2000)
        : '',
    embeds: [embed],
    components: actionButtons(view),
  });
}

/** A channel invitation (claims 1–3, docs/method.md): times, playback URL and passcode; marked when cancelled. */
export function invitationMessage(
  raw: ReservationView,
  options: { tentative?: boolean; cancelledReason?: string | null } = {},
): DiscordMessage {
  const view = literal(raw);
  const cancelled = options.cancelledReason !== undefined;
  const title = cancelled
    ? `~~${view.title}~~ — cancelled`
    : options.tentative
      ? `${view.title} (tentative)`
      : view.title;
  // No server: its name is the operator's word for a machine, not something a viewer acts on.
  const fields = [field('When', when(view)), field('Organizer', organizerName(view), true)];
  if (!cancelled)
    fields.push(field('Watch', view.playbackUrl), field('Viewing passcode', `\`${view.passcode}\``, true));
  const lines = [
    cancelled ? `**Cancelled.**${options.cancelledReason ? ` ${userText(options.cancelledReason)}` : ''}` : undefined,
    options.tentative && !cancelled ? '_Tentative until the organizer reconfirms._' : undefined,
    view.description ?? undefined,
  ].filter((line): line is string => Boolean(line));
  const embed: APIEmbed = {
    title: clip(title, 256),
    ...(lines.length > 0 ? { description: clip(lines.join('\n\n'), 4096) } : {}),
    color: cancelled ? COLORS.cancelled : options.tentative ? COLORS.permitted : COLORS.confirmed,
    fields,
    footer: { text: `Slotcast · ${view.code}` },
  };
  return message({
    content: clip(`📅 ${cancelled ? 'Cancelled' : 'Invitation'}: **${view.title}**`, 2000),
    embeds: [embed],
    components: cancelled ? [] : watchButton(view),
  });
}

function changeValue(change: FieldChange, side: 'from' | 'to', audience: 'organizer' | 'invitees'): string {
  const value = change[side];
  if (value === null || (Array.isArray(value) && value.length === 0)) return '—';
  if (change.field === 'startsAt' || change.field === 'endsAt') return discordTime(String(value));
  // Invitees in a channel need not see who else was invited by e-mail.
  if (change.field === 'emails' && audience === 'invitees') return `${(value as string[]).length} address(es)`;
  if (change.field === 'discordChannels') return (value as string[]).map((id) => `<#${id}>`).join(', ');
  return clip(Array.isArray(value) ? value.join(', ') : value, 300);
}

export function describeChanges(changes: readonly FieldChange[], audience: 'organizer' | 'invitees'): string {
  return changes
    .map(
      (change) =>
        `**${FIELD_LABELS[change.field]}**: ${changeValue(change, 'from', audience)} → ${changeValue(change, 'to', audience)}`,
    )
    .join('\n');
}

/** A short message replying to the invitation or prompt: what happened and what to do now. */
export function noticeMessage(model: MessageModel, audience: 'organizer' | 'invitees', now: Date): DiscordMessage {
  const view = literal(model.reservation);
  const by = model.actorName ? ` by ${userText(model.actorName)}` : '';
  let description: string;
  let color: number = COLORS.changed;
  let components: ButtonRow[] = [];
  switch (model.event) {
    case 'change_notice':
      description = `Changed${by}:\n${describeChanges(model.changes ?? [], audience)}`;
      break;
    case 'cancellation_notice':
      description = `Cancelled${by}.${model.reason ? `\nReason: ${userText(model.reason)}` : ''}`;
      color = COLORS.cancelled;
      break;
    case 'lapse_notice':
      description = `Not reconfirmed by ${discordTime(view.reconfirmDeadline)}: the reservation lapsed and the slot is free again.`;
      color = COLORS.ended;
      break;
    case 'reconfirm_reminder':
      description = `Reconfirm before ${discordTime(view.reconfirmDeadline)} (${discordTime(view.reconfirmDeadline, 'R')}), or the slot is released.`;
      color = COLORS.permitted;
      components = actionButtons(cardOfMessage(model, now));
      break;
    case 'start_reminder':
      description = `Starts ${discordTime(view.startsAt, 'R')}. Watch at ${view.playbackUrl} — passcode \`${view.passcode}\``;
      color = COLORS.confirmed;
      components = watchButton(view);
      break;
    case 'delivery_failure_report':
      description = [
        'These could not be reached:',
        ...(model.unreachable ?? []).map(
          (entry) => `• ${contactLabel(entry.channel, entry.recipient)}: ${entry.reason}`,
        ),
      ].join('\n');
      color = COLORS.error;
      break;
    case 'publish_refused':
      description = model.refusal
        ? refusalText(model.refusal, (iso) => discordTime(iso, 't'), view.reconfirmDeadline)
        : headline(model);
      color = COLORS.error;
      // A leaked key: the organizer can replace it from the notice itself.
      if (audience === 'organizer' && model.refusal?.reason === 'already_publishing')
        components = [
          row(
            ...streamButtons(
              'rotate_key',
              { reservationId: model.reservation.id, guildId: model.reservation.organizer.tenantId },
              (text) => text,
            ),
          ),
        ];
      break;
    case 'stream_key_replaced':
      description = keyReplacedText((iso) => discordTime(iso, 't'), model.at.toISOString(), userText(model.actorName));
      color = COLORS.changed;
      break;
    case 'no_show_notice':
      description = noShowText(discordTime(view.startsAt, 't'));
      color = COLORS.error;
      break;
    case 'attendance_summary':
      description = model.attendance
        ? [`It ${streamEndText(model)}.`, ...attendanceLines(model.attendance)].join('\n')
        : headline(model);
      color = COLORS.ended;
      break;
    default:
      description = when(view);
  }
  const embed: APIEmbed = {
    title: clip(headline(model), 256),
    description: clip(description, 4096),
    color,
    footer: { text: `Slotcast · ${view.code}` },
  };
  return message({ content: clip(headline(model), 2000), embeds: [embed], components });
}

function contactLabel(channel: string, recipient: string): string {
  switch (channel) {
    case 'discord_channel':
      return `<#${recipient}>`;
    case 'discord_event':
      return 'the scheduled event in this server';
    case 'email':
      return recipient;
    default:
      return `${channel.replace('_', ' ')} ${recipient}`;
  }
}
