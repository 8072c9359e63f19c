/**
 * `/r/R-XXXX` and its forms: the reservation card, Reconfirm, Change, Cancel, and the stream's
 * Extend and Replace the stream key — the same use cases as the chat buttons, through the same
 * port. A reservation the session may not see is answered exactly like one that does not exist
 * (404), as the API and the chat front ends do.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cancelSchema, extendSchema } from '../app/commands.js';
import { THEN_RECONFIRM } from '../app/web-access.js';
import type { Refusal } from '../app/outcome.js';
import { cardFor } from '../chat/card.js';
import { chatChangeSchema, checkCommand } from '../chat/form.js';
import type { StoredReservation } from '../chat/port.js';
import { formatWallTime } from '../chat/times.js';
import { canonicalZone, instantOf } from '../chat/zones.js';
import { splitContacts } from '../domain/invitees.js';
import type { FieldError } from '../domain/policy.js';
import type { Actor } from '../domain/reservation.js';
import { STATUS_BY_REASON } from '../http/json.js';
import { messagePage } from './layout.js';
import type { AttendanceView, ChangeFormValues, Notice } from './pages/organizer.js';
import { changePage, organizerPage, pagePath } from './pages/organizer.js';
import type { WebContext } from './routes.js';
import { sendPage } from './routes.js';

type CodeRequest = FastifyRequest<{ Params: { code: string } }>;

/** What a redirect after a form says; fixed words, so nothing typed is reflected from the URL. */
const DONE: Record<string, Notice> = {
  reconfirmed: { kind: 'ok', text: 'Reconfirmed. The invitations are on their way.' },
  changed: { kind: 'ok', text: 'Changed. Everyone who was told of the reservation hears of the change.' },
  unchanged: { kind: 'ok', text: 'Nothing was different, so nothing changed.' },
  cancelled: { kind: 'ok', text: 'Cancelled. Everyone who was told of the reservation hears of it.' },
  extended: { kind: 'ok', text: 'Extended. Viewers see the new end, and invitees hear of it.' },
  key_replaced: {
    kind: 'ok',
    text: 'The stream key is replaced: whoever streamed with the old one was cut off. Give your encoder the new key below.',
  },
};

/**
 * What an e-mail's Reconfirm link lands on: the card, one press away from reconfirming, said so
 * only while the card offers Reconfirm (a later visit just shows the card).
 */
function askFor(
  ask: string | undefined,
  { actor, reservation, now }: { actor: Actor; reservation: StoredReservation; now: Date },
): Notice | undefined {
  if (ask !== THEN_RECONFIRM) return undefined;
  const card = cardFor(reservation, { reader: actor, place: 'direct_message', now });
  if (!card.actions.includes('reconfirm')) return undefined;
  return { kind: 'ok', text: 'You are signed in. Nothing is reconfirmed yet: press Reconfirm to reconfirm it.' };
}

/** datetime-local's "2026-12-10T19:00" in the zone it was typed in. */
const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

function readWallTime(text: string, zone: string): Date | undefined {
  const match = WALL_TIME.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second = 0] = match.slice(1).map((part) => Number(part ?? 0)) as number[];
  const instant = new Date(
    instantOf({ year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second }, zone),
  );
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}

const wallValue = (at: Date, zone: string) => formatWallTime(at, zone).replace(' ', 'T');

function currentValues(reservation: StoredReservation, zone: string): ChangeFormValues {
  return {
    title: reservation.title,
    startsAt: wallValue(reservation.startsAt, zone),
    endsAt: wallValue(reservation.endsAt, zone),
    emails: reservation.invitees.emails.join('\n'),
    passcode: reservation.passcode,
    description: reservation.description ?? '',
    zone,
  };
}

const field = (body: Record<string, unknown>, name: string): string =>
  typeof body[name] === 'string' ? (body[name] as string) : '';

export function registerOrganizerRoutes(app: FastifyInstance, context: WebContext): void {
  const { chat } = context.port;

  const notFound = (request: FastifyRequest, reply: FastifyReply, code: string) =>
    sendPage(
      reply,
      404,
      messagePage(context.frame(request, reply), 'No such reservation', [
        `No reservation you can see has the code ${code.slice(0, 16)}.`,
        'The timeline shows the ones you can open.',
      ]),
    );

  /** The reservation for a signed-in request, or the page that says why not (already sent). */
  async function visible(
    request: CodeRequest,
    reply: FastifyReply,
  ): Promise<{ actor: Actor; reservation: StoredReservation } | undefined> {
    const actor = request.webActor;
    if (!actor) {
      context.signInPage(request, reply, request.params.code.replace(/[^\w-]/g, '').slice(0, 16));
      return undefined;
    }
    const found = await chat.find(actor, request.params.code);
    if (!found.ok) {
      notFound(request, reply, request.params.code);
      return undefined;
    }
    return { actor, reservation: found.value };
  }

  async function showCard(
    request: CodeRequest,
    reply: FastifyReply,
    actor: Actor,
    reservation: StoredReservation,
    status: number,
    notice?: Notice,
  ): Promise<FastifyReply> {
    // The organizer's own page is theirs alone, as their DM is: the stream key may show there
    // (mayShowStreamKey still decides: never to an admin, never once the slot is gone).
    const card = cardFor(reservation, { reader: actor, place: 'direct_message', now: chat.clock() });
    const [deliveries, zone, attendance] = await Promise.all([
      context.port.deliveries(reservation.id),
      context.zoneOf(actor),
      audience(reservation),
    ]);
    const view = { card, deliveries, zone, notice, attendance };
    return sendPage(reply, status, organizerPage(context.frame(request, reply), view));
  }

  /** While live, how many watch now (the count the watch page shows); after the stream, who watched. */
  async function audience(reservation: StoredReservation): Promise<AttendanceView | undefined> {
    if (reservation.status === 'live') {
      const gate = context.watch.gate();
      return gate ? { kind: 'live', watchingNow: await gate.viewersOf(reservation.id) } : undefined;
    }
    const report = await context.port.attendance(reservation);
    return report && { kind: 'over', report };
  }

  async function refused(
    request: CodeRequest,
    reply: FastifyReply,
    actor: Actor,
    refusal: Refusal,
  ): Promise<FastifyReply> {
    if (refusal.reason === 'not_found' || refusal.reason === 'forbidden')
      return notFound(request, reply, request.params.code);
    const current = await chat.find(actor, request.params.code);
    if (!current.ok) return notFound(request, reply, request.params.code);
    return showCard(request, reply, actor, current.value, STATUS_BY_REASON[refusal.reason], {
      kind: 'error',
      text: refusal.message,
    });
  }

  const done = (reply: FastifyReply, reservation: StoredReservation, what: keyof typeof DONE) =>
    reply.code(303).redirect(`${pagePath(reservation.code)}?done=${what}`);

  app.get<{ Params: { code: string }; Querystring: { done?: string; ask?: string } }>(
    '/r/:code',
    async (request, reply) => {
      const found = await visible(request, reply);
      if (!found) return reply;
      const notice = request.query.done
        ? DONE[request.query.done]
        : askFor(request.query.ask, { ...found, now: chat.clock() });
      return showCard(request, reply, found.actor, found.reservation, 200, notice);
    },
  );

  app.post<{ Params: { code: string } }>(
    '/r/:code/reconfirm',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const found = await visible(request, reply);
      if (!found) return reply;
      const outcome = await chat.reconfirm(found.actor, found.reservation.id);
      if (!outcome.ok) return refused(request, reply, found.actor, outcome);
      return done(reply, outcome.value, 'reconfirmed');
    },
  );

  app.post<{ Params: { code: string }; Body: Record<string, unknown> }>(
    '/r/:code/cancel',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const found = await visible(request, reply);
      if (!found) return reply;
      const body = request.body ?? {};
      const parsed = cancelSchema.safeParse(field(body, 'reason') ? { reason: field(body, 'reason') } : {});
      if (!parsed.success)
        return showCard(request, reply, found.actor, found.reservation, 422, {
          kind: 'error',
          text: parsed.error.issues[0]?.message ?? 'The reason cannot be used.',
        });
      const outcome = await chat.cancel(found.actor, found.reservation.id, parsed.data);
      if (!outcome.ok) return refused(request, reply, found.actor, outcome);
      return done(reply, outcome.value, 'cancelled');
    },
  );

  app.post<{ Params: { code: string }; Body: Record<string, unknown> }>(
    '/r/:code/extend',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const found = await visible(request, reply);
      if (!found) return reply;
      const minutes = field(request.body ?? {}, 'minutes');
      const parsed = extendSchema.safeParse({ minutes: /^\d{1,4}$/.test(minutes) ? Number(minutes) : minutes });
      if (!parsed.success)
        return showCard(request, reply, found.actor, found.reservation, 422, {
          kind: 'error',
          text: parsed.error.issues[0]?.message ?? 'Pick how long to extend by.',
        });
      const outcome = await chat.extend(found.actor, found.reservation.id, parsed.data);
      if (!outcome.ok) return refused(request, reply, found.actor, outcome);
      return done(reply, outcome.value, 'extended');
    },
  );

  app.post<{ Params: { code: string } }>(
    '/r/:code/rotate-key',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const found = await visible(request, reply);
      if (!found) return reply;
      const outcome = await chat.replaceKey(found.actor, found.reservation.id);
      if (!outcome.ok) return refused(request, reply, found.actor, outcome);
      return done(reply, outcome.value, 'key_replaced');
    },
  );

  app.get<{ Params: { code: string } }>('/r/:code/change', async (request, reply) => {
    const found = await visible(request, reply);
    if (!found) return reply;
    const { actor, reservation } = found;
    const card = cardFor(reservation, { reader: actor, place: 'direct_message', now: chat.clock() });
    if (!card.actions.includes('change'))
      return showCard(request, reply, actor, reservation, 409, {
        kind: 'error',
        text: `A ${reservation.status} reservation cannot be changed.`,
      });
    const zone = await context.zoneOf(actor);
    return sendPage(
      reply,
      200,
      changePage(context.frame(request, reply), {
        card,
        values: currentValues(reservation, zone),
        errors: [],
        instants: { startsAt: reservation.startsAt, endsAt: reservation.endsAt },
      }),
    );
  });

  app.post<{ Params: { code: string }; Body: Record<string, unknown> }>(
    '/r/:code/change',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const found = await visible(request, reply);
      if (!found) return reply;
      const { actor, reservation } = found;
      const body = request.body ?? {};
      const zone = canonicalZone(field(body, 'zone')) ?? (await context.zoneOf(actor));
      const values: ChangeFormValues = {
        title: field(body, 'title'),
        startsAt: field(body, 'startsAt'),
        endsAt: field(body, 'endsAt'),
        emails: field(body, 'emails'),
        passcode: field(body, 'passcode'),
        description: field(body, 'description'),
        zone,
      };
      const own: FieldError[] = [];
      const startsAt = readWallTime(values.startsAt, zone);
      const endsAt = readWallTime(values.endsAt, zone);
      if (!startsAt) own.push({ field: 'startsAt', message: 'Pick a start date and time.' });
      if (!endsAt) own.push({ field: 'endsAt', message: 'Pick an end date and time.' });
      const checked = checkCommand(
        chatChangeSchema,
        {
          title: values.title,
          description: values.description,
          passcode: values.passcode,
          emails: splitContacts(values.emails),
          ...(startsAt ? { startsAt } : {}),
          ...(endsAt ? { endsAt } : {}),
        },
        own,
      );
      const card = cardFor(reservation, { reader: actor, place: 'direct_message', now: chat.clock() });
      const again = (status: number, errors: FieldError[], notice?: Notice) =>
        sendPage(reply, status, changePage(context.frame(request, reply), { card, values, errors, notice }));
      if (!checked.ok) return again(422, checked.fields);
      const outcome = await chat.change(actor, reservation.id, checked.command);
      if (!outcome.ok) {
        if (outcome.reason === 'invalid') return again(422, outcome.fields);
        if (outcome.reason === 'not_found' || outcome.reason === 'forbidden')
          return notFound(request, reply, request.params.code);
        return again(STATUS_BY_REASON[outcome.reason], [], { kind: 'error', text: outcome.message });
      }
      const changed = outcome.value.version !== reservation.version;
      return done(reply, outcome.value, changed ? 'changed' : 'unchanged');
    },
  );
}
