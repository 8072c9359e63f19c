/**
 * `/watch/R-XXXX`: where invitees watch (issue 11). With a personal link (`?t=`) or the passcode,
 * the page shows the stream's title, organizer, description, times in the viewer's zone and in
 * UTC, a countdown, and its state in plain words — kept current by watch.js polling the state
 * endpoint — and the player, which starts by itself when the stream goes live. Without
 * credentials it asks for the passcode, and says so when one is wrong, keeping what was typed.
 */
import type { WatchStatus } from '../../domain/watch.js';
import { formatInstantWithUtc } from '../../notify/format.js';
import { html, jsonBlock } from '../html.js';
import type { Frame } from '../layout.js';
import { csrfField, page } from '../layout.js';
import { timeTag } from '../words.js';

export interface WatchStateView extends WatchStatus {
  /** A few words: "Live now", "Starting soon", "Cancelled". */
  label: string;
  /** A sentence more, when there is one: the reason, the new time, what to expect. */
  detail: string;
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
  live: 'Live now',
  ended: 'Ended',
  cancelled: 'Cancelled',
  moved: 'Moved',
  lapsed: 'Called off',
};

/** The state in words; times in UTC (the page shows them in the viewer's zone beside it). */
export function describeState(
  status: WatchStatus,
  facts: { startsAt: Date; endsAt: Date; cancelReason: string | null; moved?: { from: Date; to: Date } | undefined },
  now: Date,
): { label: string; detail: string } {
  const utc = (at: Date) => formatInstantWithUtc(at, 'UTC');
  const label = LABELS[status.state];
  switch (status.state) {
    case 'scheduled':
      return {
        label,
        detail: status.tentative
          ? `Starts ${utc(facts.startsAt)}. Tentative: the organizer has yet to confirm it.`
          : `Starts ${utc(facts.startsAt)}. The player starts by itself when the stream does.`,
      };
    case 'moved':
      return {
        label,
        detail: `It now starts ${utc(facts.moved!.to)}, instead of ${utc(facts.moved!.from)}.`,
      };
    case 'starting_soon':
      return {
        label,
        detail:
          now.getTime() < facts.startsAt.getTime()
            ? `Starts ${utc(facts.startsAt)}. Keep this page open: the player starts by itself.`
            : 'Waiting for the stream to begin. Keep this page open: the player starts by itself.',
      };
    case 'live':
      return { label, detail: `Until ${utc(facts.endsAt)}.` };
    case 'ended':
      return { label, detail: 'The stream is over. Thank you for watching.' };
    case 'cancelled':
      return { label, detail: facts.cancelReason ? `Reason given: ${facts.cancelReason}` : 'No reason was given.' };
    case 'lapsed':
      return { label, detail: 'The organizer did not confirm it in time, so it will not take place.' };
  }
}

export function watchPage(frame: Frame, view: WatchPageView): string {
  const { state } = view;
  const config = {
    stateUrl: view.stateUrl,
    media: view.media ?? null,
    state,
  };
  const main = html`<h1>${view.title}</h1>
<p>By <strong>${view.organizerName}</strong></p>
<p class="state" role="status" aria-live="polite" aria-atomic="true"><span class="badge state-${state.state}" data-state="${state.state}">${state.label}</span>
<span data-state-detail>${state.detail}</span></p>
<p class="countdown" data-countdown="${view.startsAt.toISOString()}" ${state.state === 'scheduled' || state.state === 'moved' || state.state === 'starting_soon' ? '' : html`hidden`}></p>
<div class="player" data-player>
  <video id="video" playsinline muted aria-label="The stream of ${view.title}"></video>
  <div class="overlay" data-overlay>${state.playing ? 'Connecting…' : 'The player starts by itself when the stream goes live.'}</div>
</div>
<div class="controls" role="group" aria-label="Player">
  <button type="button" data-mute aria-pressed="true">Sound off</button>
  <label for="volume" class="inline">Volume</label>
  <input type="range" id="volume" min="0" max="1" step="0.05" value="1" data-volume>
  <button type="button" data-fullscreen>Full screen</button>
  <span data-viewers aria-live="off">${state.viewers === 1 ? '1 watching' : `${state.viewers} watching`}</span>
</div>
<dl class="facts">
<dt>Starts</dt><dd data-starts>${timeTag(view.startsAt, 'UTC')}</dd>
<dt>Ends</dt><dd data-ends>${timeTag(view.endsAt, 'UTC')}</dd>
<dt>Your time zone</dt><dd data-zone-name>UTC</dd>
</dl>
<p><a class="button" href="${view.calendarUrl}" download="${view.code}.ics">Add to calendar</a></p>
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
