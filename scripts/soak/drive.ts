/**
 * What the soak does through the balancer while faults are injected: streams booked, reconfirmed,
 * changed, published (with reconnects and a second publisher now and then), watched (HLS from
 * nginx, HTTP-FLV from the embedded servers), cancelled while live or left to end; slots that lapse;
 * and a churn of far-ahead bookings fighting over the same few slots, changed and cancelled.
 * Everything it did is recorded for the checks (scripts/soak/checks.ts).
 */
import { randomUUID } from 'node:crypto';
import { viewerToken } from '../../src/domain/viewer-token.js';
import type { Fleet, FleetNginxRtmp, Instance } from '../../test/support/fleet.js';
import type { HlsViewer } from '../../test/support/hls-viewer.js';
import { watchHls } from '../../test/support/hls-viewer.js';
import type { FlvViewerRun, Limit } from './media.js';
import { publishLoop, sleep, watchFlv } from './media.js';

/** The nginx-rtmp server's name, and both kinds' set-up/teardown buffer. */
export const STUDIO = 'studio';
export const BUFFER_SECONDS = 10;

export interface ViewerRecord {
  kind: 'hls' | 'flv';
  from: string;
  /** Whether it received stream data (segments, FLV bytes). */
  watched: boolean;
}

export interface StreamRecord {
  id: string;
  code: string;
  server: string;
  startsAt: number;
  endsAt: number;
  plan: string;
  /** When the cancel was answered (the audit entry has the commit's time). */
  cancelledAt?: number;
  publisherStarts: number;
  /** When each of the organizer's ffmpeg processes ended (not the second publisher's). */
  publisherExits: Array<{ at: number; ours: boolean }>;
  viewers: ViewerRecord[];
}

export interface DriveRecord {
  streams: StreamRecord[];
  /** Near-term slots never reconfirmed: they must lapse. */
  lapses: string[];
  /** API answers by route and status. */
  api: Map<string, number>;
  /** API calls that got no answer or a 5xx and were tried again. */
  retries: number;
  churn: { booked: number; unavailable: number; changed: number; cancelled: number; reconfirmed: number };
}

export interface DriveContext {
  fleet: Fleet;
  rtmp: FleetNginxRtmp;
  /** EMBEDDED_NAME of each instance, by its index. */
  embeddedNames: string[];
  sample: string;
  publishers: Limit;
  viewers: Limit;
  /** When to stop starting new work (ms since the epoch). */
  until: number;
  record: DriveRecord;
  /** Set on Ctrl-C: every loop ends soon. */
  aborted: () => boolean;
}

export function newRecord(): DriveRecord {
  return {
    streams: [],
    lapses: [],
    api: new Map(),
    retries: 0,
    churn: { booked: 0, unavailable: 0, changed: 0, cancelled: 0, reconfirmed: 0 },
  };
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;
const invitees = (count: number) =>
  Array.from({ length: count }, () => `viewer${1 + Math.floor(Math.random() * 12)}@example.org`).filter(
    (email, index, all) => all.indexOf(email) === index,
  );

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the API's answers, read as each step needs them
  body: Record<string, any>;
}

/**
 * The REST API through the balancer, as the fleet's admin. A 5xx or no answer (an instance killed
 * mid-call, the database restarting) is tried again, up to 8 times a second apart; bookings carry
 * an Idempotency-Key so a retried one is booked once.
 */
async function api(ctx: DriveContext, method: string, path: string, body?: unknown, key?: string): Promise<Answer> {
  const route = `${method} ${path.replace(/[0-9a-f-]{36}/, ':id')}`;
  let answer: Answer = { status: 0, body: {} };
  for (let attempt = 0; attempt < 8; attempt++) {
    if (attempt > 0) {
      ctx.record.retries++;
      await sleep(1_000);
    }
    try {
      const response = await fetch(`${ctx.fleet.balancer.url}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ctx.fleet.token}`,
          'content-type': 'application/json',
          ...(key ? { 'idempotency-key': key } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      let parsed: Answer['body'] = {};
      try {
        parsed = text ? (JSON.parse(text) as Answer['body']) : {};
      } catch {
        parsed = { text: text.slice(0, 200) };
      }
      answer = { status: response.status, body: parsed };
      if (response.status < 500) break;
    } catch {
      answer = { status: 0, body: {} };
    }
  }
  const counted = `${route} ${answer.status}`;
  ctx.record.api.set(counted, (ctx.record.api.get(counted) ?? 0) + 1);
  return answer;
}

interface Booking {
  id: string;
  code: string;
  passcode: string;
  ingest: string;
  emails: string[];
}

async function book(ctx: DriveContext, server: string, startsAt: number, endsAt: number, emails: string[]) {
  const answer = await api(
    ctx,
    'POST',
    '/reservations',
    {
      server,
      title: 'Soak',
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(endsAt).toISOString(),
      emails,
    },
    randomUUID(),
  );
  if (answer.status !== 201) return undefined;
  const { id, code, passcode, ingest } = answer.body.reservation;
  return { id, code, passcode, ingest: `${ingest.url}/${ingest.streamKey}`, emails } as Booking;
}

async function waitUntil(ctx: DriveContext, at: number): Promise<void> {
  while (Date.now() < at && !ctx.aborted()) await sleep(Math.min(500, Math.max(at - Date.now(), 1)));
}

let nextAddress = 0;
/** A loopback address of the viewer's own (127.0.2.x–127.0.9.x): limits per address stay per viewer. */
function viewerAddress(): string {
  nextAddress = (nextAddress + 1) % 2000;
  return `127.0.${2 + Math.floor(nextAddress / 250)}.${1 + (nextAddress % 250)}`;
}

/**
 * One stream, start to end: book on `server` (nginx-rtmp or an embedded server), maybe change it,
 * reconfirm, publish in the window, watch, maybe reconnect or send a second publisher with the same
 * key, and cancel it while live or let the window end cut it.
 */
async function streamScenario(ctx: DriveContext, server: string): Promise<void> {
  const embedded = server !== STUDIO;
  const lead = 12_000;
  const length = 40_000 + Math.floor(Math.random() * 30_000);
  const startsAt = Date.now() + lead;
  const booking = await book(ctx, server, startsAt, startsAt + length, invitees(1 + Math.floor(Math.random() * 3)));
  if (!booking) return;
  const plan = [
    Math.random() < 0.35 ? 'cancel-live' : 'to-end',
    Math.random() < 0.4 ? 'reconnect' : '',
    Math.random() < 0.25 ? 'second-publisher' : '',
    Math.random() < 0.3 ? 'change' : '',
  ]
    .filter(Boolean)
    .join('+');
  const stream: StreamRecord = {
    id: booking.id,
    code: booking.code,
    server,
    startsAt,
    endsAt: startsAt + length,
    plan,
    publisherStarts: 0,
    publisherExits: [],
    viewers: [],
  };
  ctx.record.streams.push(stream);
  if (plan.includes('change')) {
    const emails = invitees(2);
    const changed = await api(ctx, 'PATCH', `/reservations/${booking.id}`, { title: 'Soak (changed)', emails });
    if (changed.status === 200) booking.emails = emails;
  }
  await api(ctx, 'POST', `/reservations/${booking.id}/reconfirm`);
  const closesAt = stream.endsAt + BUFFER_SECONDS * 1_000;
  const keepOn = () => stream.cancelledAt === undefined && Date.now() < closesAt - 500 && !ctx.aborted();
  await waitUntil(ctx, startsAt - BUFFER_SECONDS * 1_000 + 1_000);
  if (!ctx.publishers.tryTake()) return;
  const publisher = publishLoop(ctx.sample, booking.ingest, keepOn);
  const hls: HlsViewer[] = [];
  const flv: FlvViewerRun[] = [];
  let taken = 0;
  try {
    await sleep(5_000);
    if (plan.includes('second-publisher') && ctx.publishers.tryTake()) {
      const second = publishLoop(ctx.sample, booking.ingest, () => false);
      await sleep(5_000);
      await second.stop();
      ctx.publishers.give();
    }
    const key = await ctx.fleet.db.prisma.serviceSecret.findUniqueOrThrow({ where: { name: 'viewer_token' } });
    const wanted = 1 + Math.floor(Math.random() * 3);
    const owner = embedded ? ctx.fleet.instances[ctx.embeddedNames.indexOf(server)] : undefined;
    for (let i = 0; i < wanted && ctx.viewers.tryTake(); i++) {
      taken++;
      const from = viewerAddress();
      const email = booking.emails[i];
      const credential = email ? `t=${viewerToken(key.value, booking.id, email)}` : `passcode=${booking.passcode}`;
      if (embedded) {
        flv.push(watchFlv(`${(owner as Instance).url}/live/${booking.code}.flv?${credential}`, from));
        stream.viewers.push({ kind: 'flv', from, watched: false });
      } else {
        const segment = email ? `t.${credential.slice(2)}` : `p.${Buffer.from(booking.passcode).toString('base64url')}`;
        hls.push(watchHls((file) => ctx.rtmp.hls(booking.code, segment, file), from, 1_000));
        stream.viewers.push({ kind: 'hls', from, watched: false });
      }
    }
    const live = Date.now();
    const span = closesAt - live;
    if (plan.includes('reconnect')) {
      await waitUntil(ctx, live + span * 0.3);
      publisher.kick();
    }
    if (plan.includes('cancel-live')) {
      await waitUntil(ctx, live + span * 0.5);
      const cancelled = await api(ctx, 'POST', `/reservations/${booking.id}/cancel`, { reason: 'soak' });
      stream.cancelledAt = Date.now();
      if (cancelled.status !== 200) stream.plan += `+cancel-answered-${cancelled.status}`;
      await sleep(3_000);
    } else {
      // Viewers leave just before the window ends, as people do when the talk is over.
      await waitUntil(ctx, closesAt - 2_000);
    }
  } finally {
    for (const viewer of hls) await viewer.stop();
    for (const viewer of flv) await viewer.stop();
    let index = 0;
    for (const viewer of stream.viewers) {
      viewer.watched =
        viewer.kind === 'hls' ? (hls[index]?.segments() ?? 0) > 0 : (flv[index - hls.length]?.bytes ?? 0) > 0;
      index++;
    }
    for (let i = 0; i < taken; i++) ctx.viewers.give();
    if (stream.cancelledAt === undefined) await waitUntil(ctx, closesAt + 2_000);
    await publisher.stop();
    stream.publisherStarts = publisher.starts;
    stream.publisherExits = publisher.exits;
    ctx.publishers.give();
  }
}

/** A near-term slot never reconfirmed: it lapses at its start (the deadline); a publish meanwhile is refused. */
async function lapseScenario(ctx: DriveContext, server: string): Promise<void> {
  const startsAt = Date.now() + 15_000;
  const booking = await book(ctx, server, startsAt, startsAt + 30_000, invitees(1));
  if (!booking) return;
  ctx.record.lapses.push(booking.id);
  if (!ctx.publishers.tryTake()) return;
  const publisher = publishLoop(ctx.sample, booking.ingest, () => false);
  await sleep(3_000);
  await publisher.stop();
  ctx.publishers.give();
}

/**
 * Far-ahead bookings (tomorrow, on a handful of hour slots, so they collide and the exclusion
 * decides), then changed, cancelled or reconfirmed — or left to lapse 15 minutes on.
 */
async function churn(ctx: DriveContext): Promise<void> {
  const base = new Date();
  base.setUTCHours(0, 0, 0, 0);
  const tomorrow = base.getTime() + 36 * 3_600_000;
  for (let round = 0; round < 10_000 && Date.now() < ctx.until && !ctx.aborted(); round++) {
    const slot = tomorrow + Math.floor(Math.random() * 8) * 3_600_000;
    const server = Math.random() < 0.6 ? STUDIO : pick(ctx.embeddedNames);
    const booking = await book(ctx, server, slot, slot + 3_000_000, invitees(1 + Math.floor(Math.random() * 3)));
    if (!booking) ctx.record.churn.unavailable++;
    else {
      ctx.record.churn.booked++;
      const next = Math.random();
      if (next < 0.3) {
        const moved = slot + 30 * 60_000;
        const answer = await api(ctx, 'PATCH', `/reservations/${booking.id}`, {
          startsAt: new Date(moved).toISOString(),
          endsAt: new Date(moved + 3_000_000).toISOString(),
        });
        if (answer.status === 200) ctx.record.churn.changed++;
      } else if (next < 0.6) {
        if ((await api(ctx, 'POST', `/reservations/${booking.id}/cancel`, { reason: 'churn' })).status === 200)
          ctx.record.churn.cancelled++;
      } else if (next < 0.85) {
        if ((await api(ctx, 'POST', `/reservations/${booking.id}/reconfirm`)).status === 200)
          ctx.record.churn.reconfirmed++;
      }
    }
    await sleep(1_500 + Math.random() * 2_000);
  }
}

/**
 * Streams on every server kind, a few at a time (≤ `streams` at once, each one publisher and up to
 * three viewers), and a lapse now and then, until `ctx.until`; then waits for the last to finish.
 */
export async function drive(ctx: DriveContext, streams = 4): Promise<void> {
  const running = new Set<Promise<void>>();
  const churns = [churn(ctx), churn(ctx)];
  const servers = [STUDIO, STUDIO, ...ctx.embeddedNames];
  let turn = 0;
  for (let round = 0; round < 100_000 && Date.now() < ctx.until && !ctx.aborted(); round++) {
    if (running.size < streams) {
      turn++;
      const server = servers[turn % servers.length]!;
      const work = (turn % 6 === 0 ? lapseScenario(ctx, server) : streamScenario(ctx, server)).catch((error) => {
        console.error(`soak: a scenario failed: ${(error as Error).message}`);
      });
      running.add(work);
      void work.then(() => running.delete(work));
    }
    await sleep(3_000 + Math.random() * 2_000);
  }
  await Promise.all([...running, ...churns]);
}
