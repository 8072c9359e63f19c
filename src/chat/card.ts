/**
 * The reservation card every chat front end renders — Slack's Block Kit card and App Home, Discord's
 * DM prompt and `/reserve list`, later the web pages: the reservation's fields, the buttons it
 * offers now, and the stream key only where it may show. The rules are the domain's
 * (availableActions, mayShowStreamKey); a renderer only lays out what the card holds.
 */
import type { CardAction, StreamAction } from '../domain/actions.js';
import { availableActions, availableStreamActions } from '../domain/actions.js';
import type { MessagePayload } from '../domain/notifications.js';
import type { Invitees, Reservation } from '../domain/reservation.js';
import { ingestOf, playbackUrl } from '../domain/reservation.js';
import type { Place, Reader } from '../domain/stream-key.js';
import { mayShowStreamKey } from '../domain/stream-key.js';
import type { MessageModel } from '../notify/message.js';

/** The fields a message's snapshot has too (what invitees may read), with times as Dates. */
type Described = Omit<MessagePayload['reservation'], 'startsAt' | 'endsAt' | 'reconfirmDeadline' | 'version'>;

export interface ReservationCard extends Described {
  startsAt: Date;
  endsAt: Date;
  reconfirmDeadline: Date;
  /** Who is invited: known on cards drawn from the reservation itself, not on those from a message. */
  invitees?: Invitees;
  cancelReason: string | null;
  /** The buttons to show, in this order. */
  actions: CardAction[];
  /**
   * The stream's own controls — Extend, Replace the stream key — on cards drawn from the
   * reservation itself (a message's snapshot knows too little of its server to tell).
   */
  streamActions?: StreamAction[];
  /** Where to stream to. Secret: only on a card its reader may see it on. */
  ingest?: { url: string; streamKey: string };
  /** The reservation's page on the web (PUBLIC_URL/r/R-XXXX), on the organizer's prompt. */
  pageUrl?: string;
}

/** Who reads the card, where, and when (the buttons depend on the time: the deadline). */
export interface CardView {
  reader: Reader | undefined;
  place: Place;
  now: Date;
}

/** The card of a reservation as it is now. */
export function cardFor(reservation: Reservation & { streamKey: string }, view: CardView): ReservationCard {
  const { id, code, title, description, passcode, startsAt, endsAt, reconfirmDeadline, status } = reservation;
  const { platform, tenantId, userId, name } = reservation.organizer;
  return {
    id,
    code,
    title,
    description,
    passcode,
    startsAt,
    endsAt,
    reconfirmDeadline,
    status,
    serverName: reservation.server.name,
    playbackUrl: playbackUrl(reservation.server.playbackBaseUrl, code),
    organizer: { platform, tenantId, userId, name },
    invitees: reservation.invitees,
    cancelReason: reservation.cancelReason,
    actions: availableActions(reservation, view.now),
    streamActions: availableStreamActions(reservation, view.now),
    ...(mayShowStreamKey(reservation, view.reader, view.place) ? { ingest: ingestOf(reservation) } : {}),
  };
}

/**
 * The card of what a message says about a reservation (its frozen snapshot, times back to Dates).
 * Never with a stream key: no message holds one.
 */
export function cardOfMessage(message: Pick<MessageModel, 'reservation' | 'reason'>, now: Date): ReservationCard {
  const r: MessagePayload['reservation'] = message.reservation;
  const timing = { status: r.status, reconfirmDeadline: new Date(r.reconfirmDeadline) };
  return {
    id: r.id,
    code: r.code,
    title: r.title,
    description: r.description,
    serverName: r.serverName,
    playbackUrl: r.playbackUrl,
    passcode: r.passcode,
    startsAt: new Date(r.startsAt),
    endsAt: new Date(r.endsAt),
    reconfirmDeadline: timing.reconfirmDeadline,
    status: r.status,
    organizer: r.organizer,
    cancelReason: message.reason ?? null,
    actions: availableActions(timing, now),
  };
}
