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
import { DEFAULT_LOCALE, STATUS_WORDS } from '../words.js';

export interface TimelineView {
  timeline: Timeline;
  date: CalendarDate;
  zone: string;
  /** Whether the zone came from the browser (tz=) or was a guess (chat setting, UTC). */
  zoneFromBrowser: boolean;
}

const percent = (fraction: number) => `${(fraction * 100).toFixed(3)}%`;
const place = (left: number, width: number) => `left:${percent(left)};width:${percent(width)}`;
/** As slotcast.css's `.lane > li` min-width. */
const MIN_BAR_WIDTH = '1.5rem';

// The timeline is drawn in the reader's zone (tz=, from the browser) and locale (Accept-Language).
const formatters = new Map<string, Intl.DateTimeFormat>();
function cached(locale: string, zone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${zone}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, { timeZone: zone, ...options });
    formatters.set(key, found);
  }
  return found;
}
const dayLabel = (at: Date, zone: string, locale: string) =>
  cached(locale, zone, { weekday: 'short', day: 'numeric', month: 'short' }).format(at);
const shortDayLabel = (at: Date, zone: string, locale: string) =>
  cached(locale, zone, { weekday: 'short', day: 'numeric' }).format(at);
const clock = (at: Date, zone: string, locale: string) =>
  cached(locale, zone, { hour: 'numeric', minute: '2-digit' }).format(at);

function span(start: Date, end: Date, zone: string, locale: string): string {
  const sameDay = dayLabel(start, zone, locale) === dayLabel(end, zone, locale);
  return sameDay
    ? `${dayLabel(start, zone, locale)} ${clock(start, zone, locale)}–${clock(end, zone, locale)}`
    : `${dayLabel(start, zone, locale)} ${clock(start, zone, locale)} – ${dayLabel(end, zone, locale)} ${clock(end, zone, locale)}`;
}

function barItem(bar: Bar, zone: string, locale: string): Html {
  const when = span(bar.start, bar.end, zone, locale);
  const status = STATUS_WORDS[bar.status];
  const buffer =
    bar.bufferWidth > 0 && bar.width > 0
      ? html`<span class="buffer" style="width:${percent(bar.bufferWidth / bar.width)}" aria-hidden="true"></span>`
      : '';
  // A short bar is drawn wider than its time (.lane > li's min-width): at the range's end it stays inside.
  const common = `left:min(${percent(bar.left)}, calc(100% - ${MIN_BAR_WIDTH}));width:${percent(bar.width)}`;
  if (bar.detail) {
    const { code, title } = bar.detail;
    return html`<li style="${common}"><a class="bar status-${bar.status}" href="/r/${code}" data-code="${code}" data-start="${bar.start.toISOString()}" title="${title} · ${status} · ${when}"><span class="label" aria-hidden="true">${title}</span><span class="sr">${title}, ${status}, ${when}</span>${buffer}</a></li>`;
  }
  return html`<li style="${common}"><div class="bar status-${bar.status} busy" data-busy data-start="${bar.start.toISOString()}" title="Busy · ${status} · ${when}"><span class="sr">Busy, ${status}, ${when}</span>${buffer}</div></li>`;
}

function gapItem(gap: Gap, zone: string, locale: string): Html {
  return html`<li class="gap" style="${place(gap.left, gap.width)}" data-gap><span class="sr">Free ${span(gap.start, gap.end, zone, locale)}</span></li>`;
}

function laneRow(server: ServerTimeline, lane: Lane, timeline: Timeline, zone: string, locale: string): Html {
  const name = server.lanes.length > 1 ? `Slot ${lane.index + 1}` : 'Stream';
  const items = [
    ...lane.gaps.map((gap) => gapItem(gap, zone, locale)),
    ...lane.bars.map((bar) => barItem(bar, zone, locale)),
  ];
  const now = timeline.now
    ? html`<li class="now" style="left:${percent(timeline.now.position)}" aria-hidden="true" data-now></li>`
    : '';
  return html`<div class="lane-wrap"><span class="lane-label">${name}</span>
<ul class="lane" data-server="${server.name}" data-lane="${lane.index}" aria-label="${server.name}, ${name.toLowerCase()}">${items}${now}</ul></div>`;
}

/**
 * The axis: each label spans its own stretch of time (a day of the week, three hours of the day)
 * from the tick at its start, so a day's name sits over that day's bars — not on the midnight
 * between two days, where a Monday evening bar looked like Tuesday's. On a phone the day's
 * labels are every six hours and the week's are short ("Mon 7").
 */
function axis(view: TimelineView, locale: string): Html {
  const { timeline, zone } = view;
  const start = timeline.range.start.getTime();
  const end = timeline.range.end.getTime();
  const stretches: Array<{ from: number; to: number; text: string; short?: string; minor?: boolean }> = [];
  if (timeline.range.kind === 'week') {
    const days = daysOf('week', view.date, zone);
    days.forEach((day, index) => {
      const to = days[index + 1]?.start.getTime() ?? end;
      stretches.push({
        from: day.start.getTime(),
        to,
        text: dayLabel(day.start, zone, locale),
        short: shortDayLabel(day.start, zone, locale),
      });
    });
  } else {
    // Every three hours, on the hour as the zone's clock shows it (a day of 23 or 25 hours included).
    const hours: number[] = [];
    for (let at = start; at < end; at += 3_600_000) {
      const hhmm = formatClock(new Date(at), zone);
      if (hhmm.endsWith(':00') && Number(hhmm.slice(0, 2)) % 3 === 0) hours.push(at);
    }
    hours.forEach((at, index) => {
      stretches.push({
        from: at,
        to: hours[index + 1] ?? end,
        text: clock(new Date(at), zone, locale),
        minor: Number(formatClock(new Date(at), zone).slice(0, 2)) % 6 !== 0,
      });
    });
  }
  const width = end - start;
  return html`<div class="axis axis-${timeline.range.kind}" aria-hidden="true">${stretches.map(
    (stretch) =>
      html`<span class="${stretch.minor ? 'minor' : ''}" style="${place((stretch.from - start) / width, (stretch.to - stretch.from) / width)}" data-axis-from="${new Date(stretch.from).toISOString()}">${
        stretch.short
          ? html`<span class="long">${stretch.text}</span><span class="short">${stretch.short}</span>`
          : stretch.text
      }</span>`,
  )}</div>`;
}

function link(kind: 'day' | 'week', date: CalendarDate, zone: string, text: string, current = false): Html {
  const href = `/timeline?range=${kind}&date=${formatDate(date)}&tz=${encodeURIComponent(zone)}`;
  return html`<a href="${href}"${current ? html` aria-current="page"` : ''}>${text}</a>`;
}

export function timelinePage(frame: Frame, view: TimelineView): string {
  const { timeline, zone, date } = view;
  const locale = frame.locale ?? DEFAULT_LOCALE;
  const kind = timeline.range.kind;
  const { previous, next } = neighbours(kind, date);
  const heading =
    kind === 'day'
      ? cached(locale, zone, { dateStyle: 'full' }).format(timeline.range.start)
      : `Week of ${cached(locale, zone, { dateStyle: 'long' }).format(timeline.range.start)}`;
  const servers = timeline.servers.map(
    (server) => html`<section class="server-row" aria-labelledby="server-${server.id}">
<h2 id="server-${server.id}">${server.name} <span class="hint">${server.capacity === 1 ? 'one stream at a time' : `${server.capacity} streams at once`}</span></h2>
${server.lanes.map((lane) => laneRow(server, lane, timeline, zone, locale))}
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
    : html`<div class="timeline-scroll"><div class="timeline">${axis(view, locale)}${servers}</div></div>`
}`;
  return page(frame, { title: `Timeline: ${heading}`, main, wide: true, scripts: ['timeline.js'] });
}
