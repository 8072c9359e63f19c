/**
 * `/r/R-XXXX`: the reservation card on the web — the same card model as the Slack and Discord
 * prompts (src/chat/card.ts), so the same buttons at the same moments and the stream key only
 * where mayShowStreamKey allows. Each button is a form posting to a route that calls the same use
 * case as the chat buttons. Also who is invited and what became of their messages (the outbox).
 */
import type { AttendanceReport } from '../../app/watch.js';
import type { ReservationCard } from '../../chat/card.js';
import type { CardAction, StreamAction } from '../../domain/actions.js';
import { EXTEND_STEPS_MINUTES } from '../../domain/actions.js';
import type { NotificationChannel, NotificationEvent } from '../../domain/notifications.js';
import type { FieldError } from '../../domain/policy.js';
import type { ContactDelivery } from '../../store/deliveries.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import type { Frame } from '../layout.js';
import { csrfField, page } from '../layout.js';
import { STATUS_WORDS, statusBadge, timeTag } from '../words.js';

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

/** What the organizer is shown of the audience: after the stream, who watched; while live, how many now. */
export type AttendanceView = { kind: 'over'; report: AttendanceReport } | { kind: 'live'; watchingNow: number };

export interface OrganizerView {
  card: ReservationCard;
  deliveries: ContactDelivery[];
  /** Where times are written before the browser rewrites them. */
  zone: string;
  notice?: Notice | undefined;
  attendance?: AttendanceView | undefined;
}

export const pagePath = (code: string) => `/r/${encodeURIComponent(code)}`;

function statusLine(card: ReservationCard, zone: string): Html {
  switch (card.status) {
    case 'permitted':
      return html`Reconfirm by ${timeTag(card.reconfirmDeadline, zone)}, or the slot is released. Invitations go out when you reconfirm.`;
    case 'confirmed':
      return html`Invitations have gone out.`;
    case 'live':
      return html`Live now.`;
    case 'completed':
      return html`The stream has ended.`;
    case 'cancelled':
      return html`Cancelled${card.cancelReason ? html`: ${card.cancelReason}` : '.'}`;
    case 'lapsed':
      return html`It was not reconfirmed in time, so the slot was released.`;
  }
}

const EVENT_NOUNS: Partial<Record<NotificationEvent, string>> = {
  invitation_tentative: 'Tentative invitation',
  invitation_confirmed: 'Invitation',
  change_notice: 'Change notice',
  cancellation_notice: 'Cancellation',
  lapse_notice: 'Lapse notice',
  start_reminder: 'Reminder',
  invitation_withdrawn: 'Withdrawal',
};

const CHANNEL_WORDS: Partial<Record<NotificationChannel, string>> = {
  email: 'E-mail',
  slack_channel: 'Slack channel',
  discord_channel: 'Discord channel',
};

function deliveryWords(delivery: ContactDelivery | undefined, zone: string): Html {
  if (!delivery) return html`Not invited yet`;
  const what = EVENT_NOUNS[delivery.event] ?? 'Message';
  switch (delivery.status) {
    case 'sent':
      return html`${what} sent ${timeTag(delivery.at, zone)}`;
    case 'failed':
      return html`<strong>${what} failed</strong>: ${delivery.lastError ?? 'no reason given'}`;
    case 'pending':
      return delivery.lastError
        ? html`${what} not delivered yet (attempt ${delivery.attempts}): ${delivery.lastError}. Retrying.`
        : html`${what} being sent`;
  }
}

/**
 * An address the table may wrap before its @, never just anywhere inside it ("ann@exa/mple.org"
 * at 390 px): the <wbr> is its one break (besides a hyphen, where a line may break anyway).
 */
function contactAddress(address: string): Html {
  const at = address.lastIndexOf('@');
  return at > 0
    ? html`<span class="address">${address.slice(0, at)}<wbr>${address.slice(at)}</span>`
    : html`<span class="address">${address}</span>`;
}

function inviteeTable(card: ReservationCard, deliveries: readonly ContactDelivery[], zone: string): Html {
  const invitees = card.invitees ?? { emails: [], slackChannels: [], discordChannels: [] };
  const contacts: Array<{ channel: NotificationChannel; recipient: string }> = [
    ...invitees.emails.map((recipient) => ({ channel: 'email' as const, recipient })),
    ...invitees.slackChannels.map((recipient) => ({ channel: 'slack_channel' as const, recipient })),
    ...invitees.discordChannels.map((recipient) => ({ channel: 'discord_channel' as const, recipient })),
  ];
  if (contacts.length === 0) return html`<p>Nobody is invited yet. Change the reservation to invite people.</p>`;
  const rows = contacts.map((contact) => {
    const delivery = deliveries.find((d) => d.channel === contact.channel && d.recipient === contact.recipient);
    return html`<tr data-delivery="${delivery?.status ?? 'none'}"><td>${contactAddress(contact.recipient)}</td><td data-label="By">${CHANNEL_WORDS[contact.channel] ?? contact.channel}</td><td data-label="Latest message">${deliveryWords(delivery, zone)}</td></tr>`;
  });
  return html`<table class="stack"><caption class="sr">Invitees and their messages</caption>
<thead><tr><th scope="col">Invitee</th><th scope="col">By</th><th scope="col">Latest message</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function actionForms(card: ReservationCard, csrf: string | undefined): Html {
  const path = pagePath(card.code);
  const forms: Record<CardAction, Html> = {
    reconfirm: html`<form method="post" action="${path}/reconfirm">${csrfField(csrf)}<button type="submit" class="primary">Reconfirm</button></form>`,
    change: html`<a class="button" href="${path}/change">Change…</a>`,
    cancel: html`<details><summary class="button">Cancel…</summary>
<form method="post" action="${path}/cancel">${csrfField(csrf)}
<label for="reason">Reason <span class="hint">Optional; everyone who was told of the reservation reads it.</span></label>
<textarea id="reason" name="reason" maxlength="500" rows="3"></textarea>
<p><button type="submit" class="danger">Cancel the reservation</button></p>
</form></details>`,
  };
  if (card.actions.length === 0) return html``;
  return html`<section aria-labelledby="actions-heading"><h2 id="actions-heading">What you can do</h2>
<div class="actions">${card.actions.map((action) => forms[action])}</div></section>`;
}

const viewers = (n: number) => `${n} ${n === 1 ? 'viewer' : 'viewers'}`;

/** "under a minute", "12 min", "1 h 5 min": how long someone watched, to the minute. */
export function watchedFor(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${minutes} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/**
 * Each e-mail invitee, with how long they watched with their personal link or that they did not
 * join; an address a change removed after it watched is listed too. Passcode viewers share one
 * passcode, so they are counted, never named.
 */
function watchedTable(report: AttendanceReport, invited: readonly string[]): Html {
  const joined = new Map(report.watched.map((entry) => [entry.invitee, entry.watchedMs]));
  const addresses = [...invited, ...report.watched.map((entry) => entry.invitee).filter((a) => !invited.includes(a))];
  if (addresses.length === 0) return html``;
  const rows = addresses.map((address) => {
    const ms = joined.get(address);
    return ms === undefined
      ? html`<tr data-watched="no"><td>${contactAddress(address)}</td><td data-label="Watched">did not join</td></tr>`
      : html`<tr data-watched="yes"><td>${contactAddress(address)}</td><td data-label="Watched">${watchedFor(ms)}</td></tr>`;
  });
  return html`<table class="stack"><caption class="sr">Invitees and how long they watched</caption>
<thead><tr><th scope="col">Invitee</th><th scope="col">Watched</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

/** The stream's own controls (issue 17): extend it while it runs, replace a leaked key. */
function streamForms(card: ReservationCard, csrf: string | undefined): Html {
  const path = pagePath(card.code);
  const forms: Record<StreamAction, Html> = {
    extend: html`<form method="post" action="${path}/extend" data-stream-action="extend">${csrfField(csrf)}
<p class="hint" id="extend-hint">The end moves later if the slot after it is free; invitees hear of the new end.</p>
<div class="actions">${EXTEND_STEPS_MINUTES.map(
      (minutes) =>
        html`<button type="submit" name="minutes" value="${String(minutes)}" aria-describedby="extend-hint">Extend by ${String(minutes)} min</button>`,
    )}</div></form>`,
    rotate_key: html`<details data-stream-action="rotate_key"><summary class="button">Replace the stream key…</summary>
<form method="post" action="${path}/rotate-key">${csrfField(csrf)}
<p class="hint">If someone else streams with your key, it has leaked: a new key stops them at once, and the old one no longer works. Your encoder then needs the new key.</p>
<p><button type="submit" class="danger">Replace the stream key</button></p>
</form></details>`,
  };
  const shown = card.streamActions ?? [];
  if (shown.length === 0) return html``;
  return html`<section aria-labelledby="stream-actions-heading"><h2 id="stream-actions-heading">The stream</h2>
${shown.map((action) => forms[action])}</section>`;
}

function attendanceSection(attendance: AttendanceView | undefined, invited: readonly string[]): Html {
  if (!attendance) return html``;
  if (attendance.kind === 'live')
    return html`<section aria-labelledby="attendance-heading"><h2 id="attendance-heading">Who is watching</h2>
<p data-attendance="now">${attendance.watchingNow === 0 ? 'Nobody is watching yet.' : `${viewers(attendance.watchingNow)} watching now.`}</p></section>`;
  const { report } = attendance;
  return html`<section aria-labelledby="attendance-heading"><h2 id="attendance-heading">Who watched</h2>
<dl class="facts"><dt>Viewers</dt><dd data-attendance="viewers">${report.viewers === 0 ? 'Nobody watched.' : report.viewers}</dd>
<dt>Most at the same time</dt><dd data-attendance="peak">${report.peakConcurrent}</dd>
<dt>With the passcode</dt><dd data-attendance="passcode">${report.passcodeViewers === 0 ? 'nobody' : viewers(report.passcodeViewers)} <span class="hint">Counted once per address; the passcode is shared, so they are not named.</span></dd></dl>
${watchedTable(report, invited)}</section>`;
}

export function organizerPage(frame: Frame, view: OrganizerView): string {
  const { card, zone } = view;
  const notice = view.notice
    ? html`<div class="notice ${view.notice.kind}" role="${view.notice.kind === 'error' ? 'alert' : 'status'}">${view.notice.text}</div>`
    : '';
  const ingest = card.ingest
    ? html`<section aria-labelledby="ingest-heading" class="panel"><h2 id="ingest-heading">Where to stream</h2>
<dl class="facts"><dt>Ingest URL</dt><dd><code data-ingest-url>${card.ingest.url}</code></dd>
<dt>Stream key</dt><dd><details><summary>Show the stream key</summary><code data-stream-key>${card.ingest.streamKey}</code></details></dd></dl>
<p class="hint">Only you see the stream key: anyone who has it can stream into your slot.</p></section>`
    : '';
  const main = html`${notice}
<p><a href="/timeline">← Timeline</a></p>
<h1>${card.title}</h1>
<p>${statusBadge(card.status)} <span data-status-line>${statusLine(card, zone)}</span></p>
<dl class="facts">
<dt>Starts</dt><dd>${timeTag(card.startsAt, zone)}</dd>
<dt>Ends</dt><dd>${timeTag(card.endsAt, zone)}</dd>
<dt>Server</dt><dd>${card.serverName}</dd>
<dt>Code</dt><dd><code>${card.code}</code></dd>
<dt>Watch page</dt><dd><a href="${card.playbackUrl}">${card.playbackUrl}</a></dd>
<dt>Viewing passcode</dt><dd><code>${card.passcode}</code></dd>
</dl>
${card.description ? html`<p class="description">${card.description}</p>` : ''}
${attendanceSection(view.attendance, card.invitees?.emails ?? [])}
${ingest}
${actionForms(card, frame.csrf)}
${streamForms(card, frame.csrf)}
<section aria-labelledby="invitees-heading"><h2 id="invitees-heading">Invitees</h2>
${inviteeTable(card, view.deliveries, zone)}</section>`;
  return page(frame, { title: `${card.title} (${STATUS_WORDS[card.status]})`, main });
}

const FIELD_LABELS: Record<keyof ChangeFormValues, string> = {
  title: 'Title',
  startsAt: 'Starts',
  endsAt: 'Ends',
  emails: "Invitees' e-mail addresses",
  passcode: 'Viewing passcode',
  description: 'Description',
  zone: 'Time zone',
};

/**
 * What needs attention, at the top of the form: each field's error as a link to that field (on
 * a phone the field may be a screen away), and errors of no one field as they are. FIELD_LABELS
 * is in the form's order.
 */
function errorSummary(errors: readonly FieldError[]): Html {
  if (errors.length === 0) return html``;
  const count = errors.length === 1 ? 'One field needs attention:' : `${errors.length} fields need attention:`;
  // In the form's own order; errors of no one field first.
  const order = Object.keys(FIELD_LABELS);
  const place = (error: FieldError) => order.indexOf(FIELD_OF[error.field] ?? '');
  const items = [...errors]
    .sort((a, b) => place(a) - place(b))
    .map((error) => {
      const field = FIELD_OF[error.field];
      return field && field !== 'zone'
        ? html`<li><a href="#${field}">${FIELD_LABELS[field]}: ${error.message}</a></li>`
        : html`<li>${error.message}</li>`;
    });
  return html`<div class="notice error error-summary" role="alert"><p>${count}</p><ul>${items}</ul></div>`;
}

/** The Change form's fields as typed (or as they are now), to show again with the errors. */
export interface ChangeFormValues {
  title: string;
  startsAt: string;
  endsAt: string;
  emails: string;
  passcode: string;
  description: string;
  zone: string;
}

const FIELD_OF: Record<string, keyof ChangeFormValues> = {
  title: 'title',
  startsAt: 'startsAt',
  endsAt: 'endsAt',
  emails: 'emails',
  passcode: 'passcode',
  description: 'description',
  zone: 'zone',
};

export function changePage(
  frame: Frame,
  view: {
    card: ReservationCard;
    values: ChangeFormValues;
    errors: FieldError[];
    notice?: Notice | undefined;
    /** The instants the time fields show, when they are the reservation's own (organizer.js moves them to the browser's zone). */
    instants?: { startsAt: Date; endsAt: Date } | undefined;
  },
): string {
  const { card, values, errors } = view;
  const errorFor = (field: keyof ChangeFormValues) => {
    const messages = errors.filter((error) => FIELD_OF[error.field] === field).map((error) => error.message);
    return messages.length > 0 ? html`<span class="field-error" id="${field}-error">${messages.join(' ')}</span>` : '';
  };
  const described = (field: keyof ChangeFormValues, hint?: string) => {
    const ids = [hint ? `${field}-hint` : '', errorFor(field) ? `${field}-error` : ''].filter(Boolean).join(' ');
    return html`id="${field}" name="${field}"${ids ? html` aria-describedby="${ids}"` : ''}${errorFor(field) ? html` aria-invalid="true"` : ''}`;
  };
  const path = pagePath(card.code);
  const main = html`<p><a href="${path}">← ${card.title}</a></p>
<h1>Change ${card.title}</h1>
${errorSummary(errors)}
${view.notice ? html`<div class="notice ${view.notice.kind}" role="alert">${view.notice.text}</div>` : ''}
<form method="post" action="${path}/change" novalidate>
${csrfField(frame.csrf)}
<input type="hidden" name="zone" value="${values.zone}" data-browser-zone>
<label for="title">Title</label>
<input ${described('title')} value="${values.title}" maxlength="200" required>${errorFor('title')}
<label for="startsAt">Starts <span class="hint" id="startsAt-hint">In <span data-zone-name>${values.zone}</span></span></label>
<input type="datetime-local" ${described('startsAt', 'hint')} value="${values.startsAt}"${view.instants ? html` data-instant="${view.instants.startsAt.toISOString()}"` : ''} required>${errorFor('startsAt')}
<label for="endsAt">Ends</label>
<input type="datetime-local" ${described('endsAt')} value="${values.endsAt}"${view.instants ? html` data-instant="${view.instants.endsAt.toISOString()}"` : ''} required>${errorFor('endsAt')}
<label for="emails">Invitees' e-mail addresses <span class="hint" id="emails-hint">One per line or separated by commas.</span></label>
<textarea ${described('emails', 'hint')} rows="4">${values.emails}</textarea>${errorFor('emails')}
<label for="passcode">Viewing passcode</label>
<input ${described('passcode')} value="${values.passcode}" autocomplete="off">${errorFor('passcode')}
<label for="description">Description</label>
<textarea ${described('description')} rows="4" maxlength="3000">${values.description}</textarea>${errorFor('description')}
<p class="actions"><button type="submit" class="primary">Save the change</button> <a class="button" href="${path}">Keep it as it is</a></p>
</form>`;
  return page(frame, { title: `Change ${card.title}`, main, scripts: ['organizer.js'] });
}
