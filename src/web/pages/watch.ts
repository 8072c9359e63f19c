/**
 * `/watch/R-XXXX`: where invitees watch (issue 11). With a personal link (`?t=`) or the passcode,
 * the page shows the stream's title, organizer, description, times in the viewer's zone and in
 * UTC, a countdown, and its state in plain words — kept current by watch.js polling the state
 * endpoint — and the player, which starts by itself when the stream goes live. Once the stream is
 * over (ended, cancelled, called off) the player and the calendar link leave the page. Without
 * credentials it asks for the passcode, and says so when one is wrong, keeping what was typed.
 */
import type { WatchStatus } from '../../domain/watch.js';
import { isOver } from '../../domain/watch.js';
import type { Html } from '../html.js';
import { html, jsonBlock } from '../html.js';
import type { Frame } from '../layout.js';
import { csrfField, page } from '../layout.js';
import { timeTag } from '../words.js';

/** A sentence whose moments stay moments, so the page writes them as it writes every other. */
export type Words = Array<string | { at: string }>;

export interface WatchStateView extends WatchStatus {
  /** A few words: "Live now", "Starting soon", "Cancelled". */
  label: string;
  /** A sentence more, when there is one: the reason, the new time, what to expect. */
  detail: Words;
  startsAt: string;
  endsAt: string;
  viewers: number;
}

export interface WatchPageView {
  code: string;
  title: string;
  organizerName: string;
  description: string | null;
  startsAt: Date;
  endsAt: Date;
  state: WatchStateView;
  /** Where the page polls its state, credentials included. */
  stateUrl: string;
  calendarUrl: string;
  /** What the player plays once live. */
  media: { type: 'flv' | 'hls'; url: string } | undefined;
}

const LABELS: Record<WatchStatus['state'], string> = {
  scheduled: 'Scheduled',
  starting_soon: 'Starting soon',
  late: 'Starting late',
  live: 'Live now',
  ending: 'Ending',
  ended: 'Ended',
  cancelled: 'Cancelled',
  moved: 'Moved',
  lapsed: 'Called off',
};

export interface DescribedFacts {
  startsAt: Date;
  endsAt: Date;
  bufferMs: number;
  cancelReason: string | null;
  cancelledAt: Date | null;
  moved?: { from: Date; to: Date } | undefined;
  /** When the stream first began, if it ever did. */
  firstPublishAt?: Date | undefined;
}

const moment = (at: Date) => ({ at: at.toISOString() });

/** "less than a minute", "1 minute", "12 minutes", "2 hours 5 minutes". */
export function lasted(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes < 1) return 'less than a minute';
  if (minutes < 90) return plural(minutes, 'minute');
  const rest = minutes % 60;
  return `${plural(Math.floor(minutes / 60), 'hour')}${rest ? ` ${plural(rest, 'minute')}` : ''}`;
}

/** The state in words, with the reservation as it is now (an extended end shows at the next poll). */
export function describeState(status: WatchStatus, facts: DescribedFacts): { label: string; detail: Words } {
  const label = LABELS[status.state];
  const ran = facts.firstPublishAt;
  switch (status.state) {
    case 'scheduled':
      return {
        label,
        detail: [
          'Starts ',
          moment(facts.startsAt),
          status.tentative
            ? '. Tentative: the organizer has yet to confirm it.'
            : '. The player starts by itself when the stream does.',
        ],
      };
    case 'moved':
      return {
        label,
        detail: ['It now starts ', moment(facts.moved!.to), ', instead of ', moment(facts.moved!.from), '.'],
      };
    case 'starting_soon':
      // Only before the start: once it has passed, the state is 'late'.
      return {
        label,
        detail: ['Starts ', moment(facts.startsAt), '. Keep this page open: the player starts by itself.'],
      };
    case 'late':
      return {
        label,
        detail: [
          'It was due to start ',
          moment(facts.startsAt),
          ' and has not begun yet. Keep this page open: the player starts by itself.',
        ],
      };
    case 'live':
      return { label, detail: ['Until ', moment(facts.endsAt), '.'] };
    case 'ending':
      return {
        label,
        detail: [
          'Its booked time is over: the stream stops by ',
          moment(new Date(facts.endsAt.getTime() + facts.bufferMs)),
          ' at the latest.',
        ],
      };
    case 'ended':
      return {
        label,
        detail: ran
          ? ['The stream is over. Thank you for watching.']
          : ['The stream did not take place: nobody streamed in its time.'],
      };
    case 'cancelled': {
      const reason = facts.cancelReason ? `Reason given: ${facts.cancelReason}` : 'No reason was given.';
      return ran && facts.cancelledAt && facts.cancelledAt.getTime() >= ran.getTime()
        ? {
            label,
            detail: [
              `The organizer cancelled it after ${lasted(facts.cancelledAt.getTime() - ran.getTime())} of streaming. ${reason}`,
            ],
          }
        : { label, detail: [`It will not take place. ${reason}`] };
    }
    case 'lapsed':
      return { label, detail: ['The organizer did not confirm it in time, so it will not take place.'] };
  }
}

/** Words as markup: the text escaped, each moment a <time> time.js rewrites. */
export function wordsMarkup(words: Words, zone: string, locale: string | undefined): Html {
  return html`${words.map((word) => (typeof word === 'string' ? word : timeTag(new Date(word.at), zone, locale)))}`;
}

export function watchPage(frame: Frame, view: WatchPageView): string {
  const { state } = view;
  const config = {
    stateUrl: view.stateUrl,
    media: view.media ?? null,
    state,
  };
  // The page's zone before time.js rewrites it: a viewer is nobody the service knows.
  const when = (at: Date) => timeTag(at, 'UTC', frame.locale);
  const over = isOver(state.state);
  const main = html`<h1>${view.title}</h1>
<p>By <strong>${view.organizerName}</strong></p>
<p class="state" role="status" aria-live="polite" aria-atomic="true"><span class="badge state-${state.state}" data-state="${state.state}">${state.label}</span>
<span data-state-detail>${wordsMarkup(state.detail, 'UTC', frame.locale)}</span></p>
<p class="countdown" data-countdown="${view.startsAt.toISOString()}" ${state.state === 'scheduled' || state.state === 'moved' || state.state === 'starting_soon' ? '' : html`hidden`}></p>
<section class="watch" data-watch aria-label="Player"${over ? html` hidden` : ''}>
<div class="player" data-player>
  <video id="video" playsinline muted aria-label="The stream of ${view.title}"></video>
  <div class="overlay" data-overlay>${state.playing ? 'Connecting…' : 'The player starts by itself when the stream goes live.'}</div>
</div>
<div class="controls" role="group" aria-label="Player controls">
  <button type="button" data-mute aria-pressed="true">Sound off</button>
  <label for="volume" class="inline">Volume</label>
  <input type="range" id="volume" min="0" max="1" step="0.05" value="1" data-volume>
  <button type="button" data-fullscreen>Full screen</button>
  <span data-viewers aria-live="off">${state.viewers === 1 ? '1 watching' : `${state.viewers} watching`}</span>
</div>
</section>
<dl class="facts">
<dt>Starts</dt><dd data-starts>${when(view.startsAt)}</dd>
<dt>Ends</dt><dd data-ends>${when(view.endsAt)}</dd>
<dt>Your time zone</dt><dd data-zone-name>UTC</dd>
</dl>
<p data-calendar${over ? html` hidden` : ''}><a class="button" href="${view.calendarUrl}" download="${view.code}.ics">Add to calendar</a></p>
${view.description ? html`<h2>About</h2><p class="description">${view.description}</p>` : ''}
<script type="application/json" id="watch-config">${jsonBlock(config)}</script>`;
  return page(frame, {
    title: `${view.title} — ${state.label}`,
    main,
    scripts: view.media?.type === 'hls' ? ['hls.min.js', 'watch.js'] : ['mpegts.js', 'watch.js'],
  });
}

export interface PasscodeView {
  code: string;
  typed: string;
  error?: string | undefined;
}

export function passcodePage(frame: Frame, view: PasscodeView): string {
  const main = html`<h1>Watch ${view.code}</h1>
<p>Type the viewing passcode from your invitation. (A personal link from an e-mail invitation needs none.)</p>
${view.error ? html`<div class="notice error" role="alert" id="passcode-error">${view.error}</div>` : ''}
<form method="post" action="/watch/${view.code}">
${csrfField(frame.csrf)}
<label for="passcode">Passcode</label>
<input id="passcode" name="passcode" value="${view.typed}" autocomplete="off" autocapitalize="characters" spellcheck="false" required${view.error ? html` aria-invalid="true" aria-describedby="passcode-error"` : ''}>
<p><button type="submit" class="primary">Watch</button></p>
</form>`;
  return page(frame, { title: `Watch ${view.code}`, main });
}
