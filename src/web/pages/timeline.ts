/**
 * `/timeline`: every server's lanes over a day or a week, reservations as bars coloured (and
 * labelled) by status, the free time a new booking could take, and "now". The viewer's own
 * reservations (and, for admins, those they may act on) are links to their pages; anyone else's
 * is a busy block that names nothing — the domain decided which is which (src/domain/timeline.ts).
 */
import type { Bar, Gap, Lane, ServerTimeline, Timeline } from '../../domain/timeline.js';
import { formatClock } from '../../chat/times.js';
import type { Html } from '../html.js';
import { html } from '../html.js';
import type { Frame } from '../layout.js';
import { page } from '../layout.js';
import type { CalendarDate } from '../range.js';
import { daysOf, formatDate, neighbours } from '../range.js';
import { STATUS_WORDS } from '../words.js';

export interface TimelineView {
  timeline: Timeline;
  date: CalendarDate;
  zone: string;
  /** Whether the zone came from the browser (tz=) or was a guess (chat setting, UTC). */
  zoneFromBrowser: boolean;
}

const percent = (fraction: number) => `${(fraction * 100).toFixed(3)}%`;
const place = (left: number, width: number) => `left:${percent(left)};width:${percent(width)}`;

const dayLabel = (at: Date, zone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'short' }).format(at);

function span(start: Date, end: Date, zone: string): string {
  const sameDay = dayLabel(start, zone) === dayLabel(end, zone);
  return sameDay
    ? `${dayLabel(start, zone)} ${formatClock(start, zone)}–${formatClock(end, zone)}`
    : `${dayLabel(start, zone)} ${formatClock(start, zone)} – ${dayLabel(end, zone)} ${formatClock(end, zone)}`;
}

function barItem(bar: Bar, zone: string): Html {
  const when = span(bar.start, bar.end, zone);
  const status = STATUS_WORDS[bar.status];
  const buffer =
    bar.bufferWidth > 0 && bar.width > 0
      ? html`<span class="buffer" style="width:${percent(bar.bufferWidth / bar.width)}" aria-hidden="true"></span>`
      : '';
  const common = `${place(bar.left, bar.width)}`;
  if (bar.detail) {
    const { code, title } = bar.detail;
    return html`<li style="${common}"><a class="bar status-${bar.status}" href="/r/${code}" data-code="${code}" data-start="${bar.start.toISOString()}" title="${title} · ${status} · ${when}"><span aria-hidden="true">${title}</span><span class="sr">${title}, ${status}, ${when}</span>${buffer}</a></li>`;
  }
  return html`<li style="${common}"><div class="bar status-${bar.status} busy" data-busy data-start="${bar.start.toISOString()}" title="Busy · ${status} · ${when}"><span class="sr">Busy, ${status}, ${when}</span>${buffer}</div></li>`;
}

function gapItem(gap: Gap, zone: string): Html {
  return html`<li class="gap" style="${place(gap.left, gap.width)}" data-gap><span class="sr">Free ${span(gap.start, gap.end, zone)}</span></li>`;
}

function laneRow(server: ServerTimeline, lane: Lane, timeline: Timeline, zone: string): Html {
  const name = server.lanes.length > 1 ? `Slot ${lane.index + 1}` : 'Stream';
  const items = [...lane.gaps.map((gap) => gapItem(gap, zone)), ...lane.bars.map((bar) => barItem(bar, zone))];
  const now = timeline.now
    ? html`<li class="now" style="left:${percent(timeline.now.position)}" aria-hidden="true" data-now></li>`
    : '';
  return html`<div class="lane-wrap"><span class="lane-label">${name}</span>
<ul class="lane" data-server="${server.name}" data-lane="${lane.index}" aria-label="${server.name}, ${name.toLowerCase()}">${items}${now}</ul></div>`;
}

function axis(view: TimelineView): Html {
  const { timeline, zone } = view;
  const start = timeline.range.start.getTime();
  const span = timeline.range.end.getTime() - start;
  const labels: Array<{ at: number; text: string }> = [];
  if (timeline.range.kind === 'week') {
    for (const day of daysOf('week', view.date, zone))
      labels.push({ at: day.start.getTime(), text: dayLabel(day.start, zone) });
  } else {
    // Every three hours, on the hour as the zone's clock shows it.
    for (let at = start; at < start + span; at += 3_600_000) {
      const clock = formatClock(new Date(at), zone);
      if (clock.endsWith(':00') && Number(clock.slice(0, 2)) % 3 === 0) labels.push({ at, text: clock });
    }
  }
  return html`<div class="axis" aria-hidden="true">${labels.map(
    (label) => html`<span style="left:${percent((label.at - start) / span)}">${label.text}</span>`,
  )}</div>`;
}

function link(kind: 'day' | 'week', date: CalendarDate, zone: string, text: string, current = false): Html {
  const href = `/timeline?range=${kind}&date=${formatDate(date)}&tz=${encodeURIComponent(zone)}`;
  return html`<a href="${href}"${current ? html` aria-current="page"` : ''}>${text}</a>`;
}

export function timelinePage(frame: Frame, view: TimelineView): string {
  const { timeline, zone, date } = view;
  const kind = timeline.range.kind;
  const { previous, next } = neighbours(kind, date);
  const heading =
    kind === 'day'
      ? new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'full' }).format(timeline.range.start)
      : `Week of ${new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'long' }).format(timeline.range.start)}`;
  const servers = timeline.servers.map(
    (server) => html`<section class="server-row" aria-labelledby="server-${server.id}">
<h2 id="server-${server.id}">${server.name} <span class="hint">${server.capacity === 1 ? 'one stream at a time' : `${server.capacity} streams at once`}</span></h2>
${server.lanes.map((lane) => laneRow(server, lane, timeline, zone))}
</section>`,
  );
  const legend = (['permitted', 'confirmed', 'live', 'completed'] as const).map(
    (status) => html`<span class="badge status-${status}">${STATUS_WORDS[status]}</span>`,
  );
  const main = html`<h1>Timeline: ${heading}</h1>
<p class="hint">Times in <span data-rendered-zone="${zone}" data-zone-from-browser="${view.zoneFromBrowser ? 'yes' : 'no'}">${zone}</span>. Your own reservations are links to their pages; other people's show only that the slot is busy.</p>
<nav class="timeline-nav" aria-label="Days and weeks">
${link(kind, previous, zone, kind === 'day' ? '← Previous day' : '← Previous week')}
${link(kind, next, zone, kind === 'day' ? 'Next day →' : 'Next week →')}
${link('day', date, zone, 'Day', kind === 'day')}
${link('week', date, zone, 'Week', kind === 'week')}
</nav>
<div class="legend" aria-hidden="true">${legend}<span class="badge status-busy">Someone else's</span><span class="badge" style="background:var(--gap)">Free</span></div>
${
  timeline.servers.length === 0
    ? html`<p>No distribution servers yet. An operator adds them with <code>npx slotcast server add</code>.</p>`
    : html`<div class="timeline-scroll"><div class="timeline">${axis(view)}${servers}</div></div>`
}`;
  return page(frame, { title: `Timeline: ${heading}`, main, wide: true, scripts: ['timeline.js'] });
}
