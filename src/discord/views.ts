/**
 * What the bot answers to interactions (ephemeral, except the DM prompt it edits): field errors,
 * refusals, free slots, the permitted echo, the list, help. Refusals arrive as values with a
 * stable `reason`; they are worded here, for Discord.
 */
import type { APIButtonComponent, APIEmbed } from 'discord.js';
import { ButtonStyle, ComponentType } from 'discord.js';
import type { Alternative, Refusal } from '../app/outcome.js';
import type { FieldError } from '../domain/policy.js';
import type { Actor } from '../domain/reservation.js';
import type { StoredReservation } from '../chat/port.js';
import { cardFor } from '../chat/card.js';
import { refusalText } from '../chat/refusals.js';
import { formatSlot } from '../chat/times.js';
import { ADMIN } from './context.js';
import { FIELD_NAMES } from './form.js';
import { encodeId } from './ids.js';
import type { ButtonRow, DiscordMessage } from './render.js';
import { actionButtons, COLORS, message, row, when } from './render.js';
import { clip, discordTime } from './text.js';

function embed(title: string, description: string, color: number): APIEmbed {
  return { title: clip(title, 256), description: clip(description, 4096), color };
}

export function problemsView(fields: readonly FieldError[], draftId: string | undefined): DiscordMessage {
  const lines = fields.map((error) => `• **${FIELD_NAMES[error.field] ?? error.field}**: ${error.message}`);
  const components = draftId
    ? [
        row({
          type: ComponentType.Button,
          style: ButtonStyle.Primary,
          label: 'Edit and try again',
          custom_id: encodeId({ action: 'edit', draftId }),
        }),
      ]
    : [];
  return message({
    embeds: [
      embed(
        fields.length === 1 ? 'One field needs attention' : `${fields.length} fields need attention`,
        lines.join('\n'),
        COLORS.error,
      ),
    ],
    components,
  });
}

const REFUSAL_TITLES: Record<Refusal['reason'], string> = {
  invalid: 'Some fields need attention',
  not_found: 'Not yours to change',
  forbidden: 'Not yours to change',
  unavailable: 'That time is taken',
  invalid_transition: 'Not possible any more',
  deadline_passed: 'Too late',
  idempotency_key_reused: 'Already submitted',
};

export function refusalView(refusal: Refusal): DiscordMessage {
  return message({ embeds: [embed(REFUSAL_TITLES[refusal.reason], refusalText(refusal, ADMIN), COLORS.error)] });
}

/** A slot as a button label, which cannot hold a Discord timestamp: written out in the user's zone. */
function slotLabel(alternative: Alternative, zone: string): string {
  return clip(`${formatSlot(alternative.startsAt, alternative.endsAt, zone)} · ${alternative.serverName}`, 80);
}

export function alternativesView(
  text: string,
  alternatives: readonly Alternative[],
  draftId: string,
  zone: string,
): DiscordMessage {
  const shown = alternatives.slice(0, 10);
  const lines = shown.map(
    (alternative) =>
      `• ${when({ startsAt: alternative.startsAt.toISOString(), endsAt: alternative.endsAt.toISOString() })} on **${alternative.serverName}**`,
  );
  const buttons: APIButtonComponent[] = shown.map((alternative, index) => ({
    type: ComponentType.Button,
    style: ButtonStyle.Primary,
    label: slotLabel(alternative, zone),
    custom_id: encodeId({ action: 'slot', draftId, index }),
  }));
  const rows: ButtonRow[] = [];
  for (let i = 0; i < buttons.length; i += 5) rows.push(row(...buttons.slice(i, i + 5)));
  rows.push(
    row({
      type: ComponentType.Button,
      style: ButtonStyle.Secondary,
      label: 'Edit and try again',
      custom_id: encodeId({ action: 'edit', draftId }),
    }),
  );
  const body =
    shown.length > 0
      ? `${text}\n\nFree instead (one click books it):\n${lines.join('\n')}`
      : `${text}\n\nNo free slot nearby; try another time.`;
  return message({ embeds: [embed('That time is taken', body, COLORS.error)], components: rows.slice(0, 5) });
}

/** The echo after a request: the times as understood, in every reader's zone. */
export function permittedView(reservation: StoredReservation, zone: string): DiscordMessage {
  const lines = [
    `**${reservation.title}** on **${reservation.server.name}** — \`${reservation.code}\``,
    `Start: ${discordTime(reservation.startsAt)}`,
    `End: ${discordTime(reservation.endsAt)}`,
    `Reconfirm before ${discordTime(reservation.reconfirmDeadline)} (${discordTime(reservation.reconfirmDeadline, 'R')}): the buttons are in your DMs.`,
    `_Times were read in ${zone}._`,
  ];
  return message({ embeds: [embed('Permitted', lines.join('\n'), COLORS.permitted)] });
}

export function changedView(reservation: StoredReservation, changed: boolean): DiscordMessage {
  const text = changed
    ? `\`${reservation.code}\` is now ${when(reservation)} on **${reservation.server.name}**.`
    : 'Nothing was different, so nothing changed.';
  return message({ embeds: [embed(changed ? 'Changed' : 'No change', text, COLORS.changed)] });
}

export function doneView(title: string, text: string, color: number = COLORS.confirmed): DiscordMessage {
  return message({ embeds: [embed(title, text, color)] });
}

/** `/reserve list`: one line per reservation, and the buttons of the first five (Discord allows five rows). */
export function listView(reservations: readonly StoredReservation[], actor: Actor, now: Date): DiscordMessage {
  if (reservations.length === 0)
    return doneView('No upcoming reservations', 'Request one with `/reserve new`.', COLORS.ended);
  const lines = reservations.map(
    (reservation) =>
      `\`${reservation.code}\` **${clip(reservation.title, 80)}** — ${when(reservation)} · ${reservation.server.name} · ${reservation.status}`,
  );
  const rows = reservations
    .slice(0, 5)
    .flatMap((reservation) =>
      actionButtons(
        cardFor(reservation, { reader: actor, place: 'shared', now }),
        (label) => `${label} ${reservation.code}`,
      ),
    );
  return message({ embeds: [embed('Upcoming reservations', lines.join('\n'), COLORS.changed)], components: rows });
}

export const HELP = [
  '**/reserve new** `server` — opens a form: title, start, end or duration, invitee e-mails, channels. ' +
    'Optional: `passcode` (else one is generated) and `description`.',
  'Times: `tomorrow 19:00`, `in 2 hours`, `next friday 7pm`, `2026-12-01 19:00` (your time zone) ' +
    'or with an offset, `2026-12-01T19:00+09:00`. End: a time (`20:30`) or a duration (`90m`, `2h`).',
  '**/reserve timezone** `zone` — the zone your times are read in, e.g. `Europe/Berlin`.',
  "**/reserve list** — your upcoming reservations (a server admin sees everyone's), with buttons to act on them.",
  '**/reserve open** `reservation` — a sign-in link to the web pages: the timeline of every server, or that ' +
    'reservation with its buttons. It works once, for a short while, and only you see it.',
  'When a request is permitted you get a DM with the ingest URL and stream key, and buttons **Reconfirm**, ' +
    '**Change**, **Cancel**. Reconfirm before the deadline, or the slot is released; invitations go out on ' +
    'reconfirmation.',
].join('\n\n');

export function helpView(): DiscordMessage {
  return message({ embeds: [embed('Slotcast: book streaming time', HELP, COLORS.changed)] });
}
