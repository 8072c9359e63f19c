/**
 * E-mail for each message model: a subject, a plain-text part and an HTML part. User text is
 * escaped in HTML; the subject is one line by construction (titles cannot hold line breaks).
 */
import type { MessageModel } from '../message.js';
import { headline, isInvitation } from '../message.js';
import { describeChange, formatInstant, formatRange } from '../format.js';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

type Line = { label: string; value: string; link?: boolean };

function lines(message: MessageModel, timeZone: string): { intro: string; details: Line[]; after: string[] } {
  const r = message.reservation;
  const when: Line = { label: 'When', value: formatRange(r.startsAt, r.endsAt, timeZone) };
  const watch: Line[] = [
    { label: 'Watch at', value: r.playbackUrl, link: true },
    { label: 'Passcode', value: r.passcode },
  ];
  const by = `${message.actorName} on ${formatInstant(message.at, timeZone)}`;
  const base: Line[] = [{ label: 'Title', value: r.title }, when, { label: 'Server', value: r.serverName }];
  switch (message.event) {
    case 'permit_prompt':
      return {
        intro: `Your reservation ${r.code} is permitted. Reconfirm it by ${formatInstant(r.reconfirmDeadline, timeZone)}, or it lapses and the slot is freed.`,
        details: [
          ...base,
          { label: 'Reconfirm by', value: formatInstant(r.reconfirmDeadline, timeZone) },
          { label: 'Ingest URL', value: message.ingest?.url ?? '' },
          { label: 'Stream key', value: message.ingest?.streamKey ?? '' },
          ...watch,
        ],
        after: ['Keep the stream key to yourself: anyone holding it can stream in your slot.'],
      };
    case 'invitation_tentative':
      return {
        intro: `${r.organizer.name} plans a live stream and invites you. It is tentative until ${r.organizer.name} reconfirms it; you will hear either way.`,
        details: [...base, ...watch],
        after: [],
      };
    case 'invitation_confirmed':
      return { intro: `${r.organizer.name} invites you to a live stream.`, details: [...base, ...watch], after: [] };
    case 'change_notice':
      return {
        intro: `${r.title} was changed by ${by}.`,
        details: [...base, ...watch],
        after: ['What changed:', ...(message.changes ?? []).map((change) => `• ${describeChange(change, timeZone)}`)],
      };
    case 'cancellation_notice':
      return {
        intro: `${r.title} (${formatRange(r.startsAt, r.endsAt, timeZone)}) is cancelled${message.reason ? `: ${message.reason}` : '.'}`,
        details: [{ label: 'Cancelled by', value: by }],
        after: [],
      };
    case 'lapse_notice':
      return {
        intro: `${r.title} was not reconfirmed by ${formatInstant(r.reconfirmDeadline, timeZone)}, so it lapsed and the slot was freed.`,
        details: base,
        after: ['Request it again if you still need it.'],
      };
    case 'reconfirm_reminder':
      return {
        intro: `Reminder: reconfirm ${r.title} by ${formatInstant(r.reconfirmDeadline, timeZone)}, or it lapses.`,
        details: base,
        after: [],
      };
    case 'start_reminder':
      return { intro: `${r.title} starts soon.`, details: [...base, ...watch], after: [] };
    case 'delivery_failure_report':
      return {
        intro: `These invitees of ${r.title} could not be reached and will not be retried:`,
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

export function renderEmail(message: MessageModel, timeZone: string): RenderedEmail {
  const { intro, details, after } = lines(message, timeZone);
  const description =
    isInvitation(message.event) && message.reservation.description ? [message.reservation.description] : [];
  const text = [
    intro,
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
    `<p>${escapeHtml(intro)}</p>`,
    `<table>${rows}</table>`,
    ...description.map((paragraph) => `<p style="white-space:pre-wrap">${escapeHtml(paragraph)}</p>`),
    ...after.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`),
    `<p style="color:#666">Reservation ${escapeHtml(message.reservation.code)}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: headline(message), text, html };
}
