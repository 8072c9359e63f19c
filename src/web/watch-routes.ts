/**
 * The watch page's routes: the page, its passcode form, its state (polled by watch.js) and its
 * calendar entry. Credentials are checked by the streaming gate (src/stream/gate.ts) — the same
 * check, and the same count of wrong tries per address, as the stream itself — so the page shows
 * nothing of a reservation to someone who could not watch it.
 *
 * A personal link carries its token (`?t=`); a passcode, once typed, is kept in a signed
 * HttpOnly cookie for this reservation, so it is not retyped on every visit nor left in a URL.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { snapshotOf } from '../domain/notifications.js';
import type { WatchStatus } from '../domain/watch.js';
import { watchStatus } from '../domain/watch.js';
import type { ViewerCredentials } from '../domain/admission.js';
import { buildCalendar } from '../notify/email/ics.js';
import type { MessageModel } from '../notify/message.js';
import type { StoredReservation } from '../store/reservations.js';
import type { GateReservation } from '../store/streaming.js';
import type { StreamGate } from '../stream/gate.js';
import { messagePage } from './layout.js';
import type { WatchStateView } from './pages/watch.js';
import { describeState, passcodePage, watchPage } from './pages/watch.js';
import type { WebContext } from './routes.js';
import { sendPage } from './routes.js';

type WatchRequest = FastifyRequest<{ Params: { code: string }; Querystring: { t?: string; passcode?: string } }>;

const CODE = /^R-[A-Z0-9]{2,16}$/;
/** How long a typed passcode is remembered in this browser. */
const PASSCODE_COOKIE_SECONDS = 12 * 3600;

const passcodeCookie = (code: string) => `slotcast_watch_${code}`;

export interface WatchSettings {
  /** The streaming gate, once streaming runs (undefined with STREAMING=off). */
  gate(): StreamGate | undefined;
  /** The calendar ORGANIZER address, as in the e-mails (MAIL_FROM's address). */
  calendarFrom: string;
  /** The stream a server serves itself (nginx-rtmp's HLS) for this viewer; none for embedded. */
  media?(
    reservation: GateReservation,
    credentials: ViewerCredentials,
  ): { type: 'hls' | 'flv'; url: string } | undefined;
  /** Origins such media comes from (the page's CSP lets the player fetch from them). */
  mediaOrigins?(): string[];
}

type Checked =
  | { ok: true; reservation: GateReservation; credentials: ViewerCredentials; invitee: string | undefined }
  | { ok: false; reason: 'missing_credentials' | 'wrong_credentials' | 'too_many_tries' | 'streaming_off' };

export function registerWatchRoutes(app: FastifyInstance, context: WebContext, settings: WatchSettings): void {
  const ipOf = (request: FastifyRequest) => request.ip.replace(/^::ffff:/, '');

  /** The credentials this request brings: the personal token, else the passcode typed before. */
  function credentialsOf(request: WatchRequest, code: string): ViewerCredentials {
    const token = typeof request.query.t === 'string' && request.query.t ? request.query.t : undefined;
    if (token) return { token };
    const cookie = request.cookies[passcodeCookie(code)];
    const passcode = cookie ? request.unsignCookie(cookie) : undefined;
    return passcode?.valid && passcode.value ? { passcode: passcode.value } : {};
  }

  async function check(request: FastifyRequest, code: string, credentials: ViewerCredentials): Promise<Checked> {
    const gate = settings.gate();
    if (!gate) return { ok: false, reason: 'streaming_off' };
    if (!credentials.token && !credentials.passcode) return { ok: false, reason: 'missing_credentials' };
    const { decision, reservation } = await gate.check({ code, credentials, ip: ipOf(request) });
    if (!reservation) {
      const reason = decision.admitted ? 'wrong_credentials' : decision.reason;
      return { ok: false, reason: reason === 'too_many_tries' ? reason : 'wrong_credentials' };
    }
    return {
      ok: true,
      reservation,
      credentials,
      invitee: decision.admitted && decision.invitee ? decision.invitee : undefined,
    };
  }

  async function stateOf(
    gated: GateReservation,
    now: Date,
  ): Promise<{ status: WatchStatus; view: WatchStateView; reservation: StoredReservation } | undefined> {
    const details = await context.port.watchDetails(gated.id);
    if (!details) return undefined;
    const { reservation, moved, firstPublishAt } = details;
    const facts = { ...reservation, bufferMs: gated.bufferMs, moved, firstPublishAt };
    const status = watchStatus(facts, now);
    const words = describeState(status, facts);
    return {
      status,
      reservation,
      view: {
        ...status,
        ...words,
        startsAt: reservation.startsAt.toISOString(),
        endsAt: reservation.endsAt.toISOString(),
        viewers: (await settings.gate()?.viewersOf(reservation.id)) ?? 0,
      },
    };
  }

  const query = (credentials: ViewerCredentials) =>
    credentials.token ? `?t=${encodeURIComponent(credentials.token)}` : '';

  function refusedPage(request: WatchRequest, reply: FastifyReply, code: string, checked: Checked, typed = '') {
    if (checked.ok) throw new Error('not a refusal');
    const frame = context.frame(request, reply);
    switch (checked.reason) {
      case 'streaming_off':
        return sendPage(
          reply,
          503,
          messagePage(frame, 'Streaming is off here', ['This service is not streaming right now.']),
        );
      case 'too_many_tries':
        return sendPage(
          reply,
          429,
          passcodePage(frame, {
            code,
            typed,
            error: 'Too many wrong tries from your address. Wait a minute, then try again.',
          }),
        );
      case 'missing_credentials':
        // The shared link: the page asks for the passcode (401, as the stream would answer).
        reply.header('www-authenticate', 'Passcode');
        return sendPage(reply, 401, passcodePage(frame, { code, typed }));
      case 'wrong_credentials':
        return sendPage(
          reply,
          403,
          passcodePage(frame, {
            code,
            typed,
            error: request.query.t
              ? 'This personal link does not open this stream (any more). Type the passcode from the invitation instead.'
              : `That passcode is not the one for ${code}. Check the invitation and try again.`,
          }),
        );
    }
  }

  const codeOf = (request: WatchRequest) => request.params.code.toUpperCase();

  app.get<{ Params: { code: string }; Querystring: { t?: string; passcode?: string } }>(
    '/watch/:code',
    async (request, reply) => {
      const code = codeOf(request);
      if (!CODE.test(code))
        return refusedPage(request, reply, code.slice(0, 16), { ok: false, reason: 'wrong_credentials' });
      // A passcode in the link (a shared link written by hand): take it as typed, then drop it from the URL.
      if (typeof request.query.passcode === 'string' && request.query.passcode) {
        return acceptPasscode(request, reply, code, request.query.passcode);
      }
      const checked = await check(request, code, credentialsOf(request, code));
      if (!checked.ok) return refusedPage(request, reply, code, checked);
      const now = context.port.chat.clock();
      const state = await stateOf(checked.reservation, now);
      if (!state) return refusedPage(request, reply, code, { ok: false, reason: 'wrong_credentials' });
      const { reservation } = state;
      const credential = checked.credentials.token
        ? `t=${encodeURIComponent(checked.credentials.token)}`
        : `passcode=${encodeURIComponent(checked.credentials.passcode ?? '')}`;
      return sendPage(
        reply,
        200,
        watchPage(context.frame(request, reply), {
          code,
          title: reservation.title,
          organizerName: reservation.organizer.name,
          description: reservation.description,
          startsAt: reservation.startsAt,
          endsAt: reservation.endsAt,
          state: state.view,
          stateUrl: `/watch/${code}/state${query(checked.credentials)}`,
          calendarUrl: `/watch/${code}/calendar.ics${query(checked.credentials)}`,
          media:
            checked.reservation.serverKind === 'embedded'
              ? { type: 'flv', url: `/live/${code}.flv?${credential}` }
              : settings.media?.(checked.reservation, checked.credentials),
        }),
      );
    },
  );

  async function acceptPasscode(request: WatchRequest, reply: FastifyReply, code: string, typed: string) {
    const checked = await check(request, code, { passcode: typed });
    if (!checked.ok) return refusedPage(request, reply, code, checked, typed.slice(0, 64));
    reply.setCookie(passcodeCookie(code), typed.trim(), {
      path: '/watch/',
      httpOnly: true,
      sameSite: 'lax',
      secure: context.secure,
      signed: true,
      maxAge: PASSCODE_COOKIE_SECONDS,
    });
    return reply.code(303).header('cache-control', 'no-store').redirect(`/watch/${code}`);
  }

  app.post<{ Params: { code: string }; Querystring: { t?: string }; Body: Record<string, unknown> }>(
    '/watch/:code',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const code = codeOf(request);
      const typed = typeof request.body?.passcode === 'string' ? request.body.passcode : '';
      if (!typed.trim())
        return sendPage(
          reply,
          422,
          passcodePage(context.frame(request, reply), {
            code: code.slice(0, 16),
            typed: '',
            error: 'Type the passcode.',
          }),
        );
      if (!CODE.test(code))
        return refusedPage(request, reply, code.slice(0, 16), { ok: false, reason: 'wrong_credentials' }, typed);
      return acceptPasscode(request, reply, code, typed);
    },
  );

  app.get<{ Params: { code: string }; Querystring: { t?: string } }>('/watch/:code/state', async (request, reply) => {
    const code = codeOf(request);
    const checked = CODE.test(code)
      ? await check(request, code, credentialsOf(request, code))
      : ({ ok: false, reason: 'wrong_credentials' } as const);
    reply.header('cache-control', 'no-store');
    if (!checked.ok) {
      const status = { streaming_off: 503, too_many_tries: 429, missing_credentials: 401, wrong_credentials: 403 }[
        checked.reason
      ];
      return reply.code(status).send({ error: { code: checked.reason, message: 'Open the watch page again.' } });
    }
    const state = await stateOf(checked.reservation, context.port.chat.clock());
    if (!state)
      return reply.code(403).send({ error: { code: 'wrong_credentials', message: 'Open the watch page again.' } });
    return reply.send(state.view);
  });

  app.get<{ Params: { code: string }; Querystring: { t?: string } }>(
    '/watch/:code/calendar.ics',
    async (request, reply) => {
      const code = codeOf(request);
      const checked = CODE.test(code)
        ? await check(request, code, credentialsOf(request, code))
        : ({ ok: false, reason: 'wrong_credentials' } as const);
      if (!checked.ok) return refusedPage(request, reply, code.slice(0, 16), checked);
      const details = await context.port.watchDetails(checked.reservation.id);
      if (!details) return refusedPage(request, reply, code, { ok: false, reason: 'wrong_credentials' });
      const calendar = buildCalendar(calendarMessage(details.reservation, checked.invitee, context.port.chat.clock()), {
        name: details.reservation.organizer.name,
        email: settings.calendarFrom,
      });
      return reply
        .header('content-type', `text/calendar; charset=utf-8; method=${calendar!.method}`)
        .header('content-disposition', `attachment; filename="${code}.ics"`)
        .header('cache-control', 'no-store')
        .send(calendar!.content);
    },
  );
}

/**
 * The calendar entry the invitation e-mail carries, as it is now: the same UID, SEQUENCE the
 * current version, tentative while permitted, a CANCEL once it will not take place.
 */
function calendarMessage(reservation: StoredReservation, invitee: string | undefined, now: Date): MessageModel {
  const over = reservation.status === 'cancelled' || reservation.status === 'lapsed';
  return {
    notificationId: `watch-${reservation.id}`,
    event: over
      ? 'cancellation_notice'
      : reservation.status === 'permitted'
        ? 'invitation_tentative'
        : 'invitation_confirmed',
    recipient: { channel: 'email', recipient: invitee ?? '' },
    reservation: snapshotOf(reservation),
    actorName: reservation.organizer.name,
    at: now,
    calendar: over ? 'cancel' : 'request',
    ...(over ? { reason: reservation.cancelReason } : {}),
  };
}
