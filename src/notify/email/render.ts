/**
 * E-mail for each message model: a subject, a plain-text part and an HTML part, both opening
 * with the title as a heading and naming it again in the first sentence. User text is escaped in
 * HTML; the subject is one line by construction (titles cannot hold line breaks).
 */
import { describeChange, formatInstant, formatRange } from '../format.js';
import type { FieldChange } from '../../domain/changes.js';
import type { MessageModel } from '../message.js';
import { headline, isInvitation } from '../message.js';
import { attendanceLines, keyReplacedText, noShowText, refusalText, streamEndText } from '../stream.js';
import { stripBidiControls } from '../../domain/text.js';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

type Line = { label: string; value: string; link?: boolean };
/** A sentence in pieces: plain text, and the reservation's title, which each format marks its own way. */
type Sentence = Array<string | { title: string }>;

interface Layout {
  intro: Sentence;
  details: Line[];
  after: string[];
}

/**
 * Where and how to watch (claims 2 and 3). Built here only, so every message that carries it
 * says the same — and anything more a viewer needs (a personal link) has one place to go.
 */
function watchLines(message: MessageModel): Line[] {
  const r = message.reservation;
  const personal: Line[] = message.personalWatchUrl
    ? [{ label: 'Your personal link', value: message.personalWatchUrl, link: true }]
    : [];
  return [
    ...personal,
    { label: 'Watch at', value: r.playbackUrl, link: true },
    { label: 'Passcode', value: r.passcode },
  ];
}

/** Links into the service's web pages, for the organizer's own e-mails. */
export interface EmailLinks {
  /** The reservation's organizer page, PUBLIC_URL/r/R-XXXX (src/web): its card and buttons. */
  organizerPage?: string;
  /**
   * One-time sign-in links to that page (src/app/web-access.ts, issueMailedLinks): secrets of
   * the organizer's, made at delivery time for the permit prompt and the reconfirm reminder.
   */
  reconfirm?: string;
  manage?: string;
}

/** The organizer's way to the reservation's page, in the e-mails that ask them to act. */
function pageLines(links: EmailLinks): Line[] {
  if (links.manage)
    return [
      ...(links.reconfirm ? [{ label: 'Reconfirm', value: links.reconfirm, link: true }] : []),
      { label: 'Manage this reservation', value: links.manage, link: true },
    ];
  return links.organizerPage ? [{ label: 'Manage it at', value: links.organizerPage, link: true }] : [];
}

/** What the links do, said once under them. */
function pageWords(links: EmailLinks): string[] {
  if (links.manage)
    return [
      'Each link signs you in once, without a password, and opens the reservation’s page. Opening Reconfirm reconfirms nothing by itself: the page asks you to press Reconfirm.',
    ];
  return links.organizerPage ? ['The page above shows the reservation with its buttons.'] : [];
}

/**
 * A change as an invitee reads it. Server names are the operators' words (studio-a, a host):
 * mails that invitees get never show them, and a move to another server is said by what it
 * changes for a viewer — where to watch, given above.
 */
function changeLine(change: FieldChange, timeZone: string): string {
  return change.field === 'server'
    ? 'Where it streams: moved; watch at the link above.'
    : describeChange(change, timeZone);
}

function layout(message: MessageModel, timeZone: string, links: EmailLinks): Layout {
  const r = message.reservation;
  const title = { title: r.title };
  const start = formatInstant(r.startsAt, timeZone);
  const range = formatRange(r.startsAt, r.endsAt, timeZone);
  const deadline = formatInstant(r.reconfirmDeadline, timeZone);
  const when: Line = { label: 'When', value: range };
  const server: Line = { label: 'Server', value: r.serverName };
  const by = `${message.actorName} on ${formatInstant(message.at, timeZone)}`;
  const organizer = r.organizer.name;
  switch (message.event) {
    case 'permit_prompt':
      return {
        intro: [
          'Your reservation of ',
          title,
          ` (${r.code}) is permitted. Reconfirm it by ${deadline}, or it lapses and the slot is freed.`,
        ],
        details: [
          when,
          server,
          { label: 'Reconfirm by', value: deadline },
          { label: 'Ingest URL', value: message.ingest?.url ?? '' },
          { label: 'Stream key', value: message.ingest?.streamKey ?? '' },
          ...watchLines(message),
          ...pageLines(links),
        ],
        after: ['Keep the stream key to yourself: anyone holding it can stream in your slot.', ...pageWords(links)],
      };
    case 'invitation_tentative':
      return {
        intro: [
          `${organizer} plans `,
          title,
          ` — live on ${start} — and invites you. It is tentative until ${organizer} reconfirms it; you will hear either way.`,
        ],
        details: [when, ...watchLines(message)],
        after: [],
      };
    case 'invitation_confirmed':
      return {
        intro: [`${organizer} invites you to `, title, ` — live on ${start}.`],
        details: [when, ...watchLines(message)],
        after: [],
      };
    case 'confirmation_notice':
      return {
        intro: [title, ` is reconfirmed by ${by} — live on ${start}. The invitations are on their way.`],
        details: [when, server, ...watchLines(message)],
        after: [],
      };
    case 'change_notice':
      return {
        intro: [title, ` was changed by ${by}.`],
        details: [when, ...watchLines(message)],
        after: ['What changed:', ...(message.changes ?? []).map((change) => `• ${changeLine(change, timeZone)}`)],
      };
    case 'cancellation_notice':
      return {
        intro: [title, ` (${range}) is cancelled${message.reason ? `: ${message.reason}` : '.'}`],
        details: [{ label: 'Cancelled by', value: by }],
        after: [],
      };
    case 'invitation_withdrawn':
      return {
        intro: [
          'You are no longer invited to ',
          title,
          ` (${range}): ${message.actorName} took you off the list. The stream itself goes ahead.`,
        ],
        details: [{ label: 'Changed by', value: by }],
        after: [],
      };
    case 'lapse_notice':
      return {
        intro: [title, ` was not reconfirmed by ${deadline}, so it lapsed and the slot was freed.`],
        details: [when, server],
        after: ['Request it again if you still need it.'],
      };
    case 'reconfirm_reminder':
      return {
        intro: ['Reminder: reconfirm ', title, ` by ${deadline}, or it lapses.`],
        details: [when, server, ...pageLines(links)],
        after: pageWords(links),
      };
    case 'start_reminder':
      return {
        intro: [title, ` starts soon — live on ${start}.`],
        details: [when, ...watchLines(message)],
        after: [],
      };
    case 'publish_refused':
      return {
        intro: [
          title,
          `: ${message.refusal ? refusalText(message.refusal, (iso) => formatInstant(iso, timeZone), r.reconfirmDeadline) : headline(message)}`,
        ],
        // A leaked key is replaced on the reservation's page.
        details: [when, server, ...(message.refusal?.reason === 'already_publishing' ? pageLines(links) : [])],
        after: [],
      };
    case 'stream_key_replaced':
      return {
        intro: [
          title,
          `: ${keyReplacedText((iso) => formatInstant(iso, timeZone), message.at.toISOString(), message.actorName)}`,
        ],
        details: [when, server, ...pageLines(links)],
        after: [],
      };
    case 'no_show_notice':
      return {
        intro: [title, `: ${noShowText(start)}`],
        details: [when, server, ...pageLines(links)],
        after: [],
      };
    case 'attendance_summary':
      return {
        intro: [title, `, live on ${start}, ${streamEndText(message)}. Who watched:`],
        details: [],
        after: message.attendance ? attendanceLines(message.attendance) : [],
      };
    case 'delivery_failure_report':
      return {
        intro: ['These invitees of ', title, ' could not be reached and will not be retried:'],
        details: (message.unreachable ?? []).map((entry) => ({
          label: `${entry.recipient} (${entry.channel})`,
          value: entry.reason,
        })),
        after: ['Check the addresses and channels, then change the reservation to invite them again.'],
      };
  }
}

const escapeHtml = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const asText = (sentence: Sentence) =>
  sentence.map((piece) => (typeof piece === 'string' ? piece : `*${piece.title}*`)).join('');
const asHtml = (sentence: Sentence) =>
  sentence
    .map((piece) =>
      typeof piece === 'string' ? escapeHtml(piece) : `<strong><bdi>${escapeHtml(piece.title)}</bdi></strong>`,
    )
    .join('');

/**
 * The message with the bidi controls taken out of what people typed or chat platforms named
 * (src/domain/text.ts): titles and the rest are refused with them now, but names come from Slack
 * and Discord, and rows from before the rule. In plain text nothing else could keep them from
 * reversing the e-mail's own words.
 */
function printable(message: MessageModel): MessageModel {
  const r = message.reservation;
  return {
    ...message,
    actorName: stripBidiControls(message.actorName),
    ...(message.reason ? { reason: stripBidiControls(message.reason) } : {}),
    reservation: {
      ...r,
      title: stripBidiControls(r.title),
      description: r.description === null ? null : stripBidiControls(r.description),
      organizer: { ...r.organizer, name: stripBidiControls(r.organizer.name) },
    },
  };
}

export function renderEmail(typed: MessageModel, timeZone: string, links: EmailLinks = {}): RenderedEmail {
  const message = printable(typed);
  const { intro, details, after } = layout(message, timeZone, links);
  const heading = message.reservation.title;
  const description =
    isInvitation(message.event) && message.reservation.description ? [message.reservation.description] : [];
  const text = [
    heading,
    '='.repeat(Math.min(heading.length, 72)),
    '',
    asText(intro),
    '',
    ...details.map((line) => `${line.label}: ${line.value}`),
    '',
    ...description,
    ...after,
    '',
    `Reservation ${message.reservation.code}`,
  ]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
  const rows = details
    .map((line) => {
      const value = line.link
        ? `<a href="${escapeHtml(line.value)}">${escapeHtml(line.value)}</a>`
        : escapeHtml(line.value);
      return `<tr><th align="left" style="padding:2px 12px 2px 0">${escapeHtml(line.label)}</th><td>${value}</td></tr>`;
    })
    .join('');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h1 dir="auto" style="font-size:1.4em">${escapeHtml(heading)}</h1>`,
    `<p>${asHtml(intro)}</p>`,
    rows ? `<table>${rows}</table>` : '',
    ...description.map((paragraph) => `<p dir="auto" style="white-space:pre-wrap">${escapeHtml(paragraph)}</p>`),
    ...after.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`),
    `<p style="color:#666">Reservation ${escapeHtml(message.reservation.code)}</p>`,
    '</body></html>',
  ]
    .filter(Boolean)
    .join('\n');
  return { subject: headline(message), text, html };
}
