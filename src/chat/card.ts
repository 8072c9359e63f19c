/**
 * The reservation card every chat front end renders — Slack's Block Kit card and App Home, Discord's
 * DM prompt and `/reserve list`, later the web pages: the reservation's fields, the buttons it
 * offers now, and the stream key only where it may show. The rules are the domain's
 * (availableActions, mayShowStreamKey); a renderer only lays out what the card holds.
 */
import type { CardAction } from '../domain/actions.js';
import { availableActions } from '../domain/actions.js';
import type { MessagePayload } from '../domain/notifications.js';
import type { Invitees, Platform, Reservation } from '../domain/reservation.js';
import { playbackUrl } from '../domain/reservation.js';
import type { ReservationStatus } from '../domain/status.js';
import type { Place, Reader } from '../domain/stream-key.js';
import { mayShowStreamKey } from '../domain/stream-key.js';
import type { MessageModel } from '../notify/message.js';

export interface ReservationCard {
  id: string;
  code: string;
  title: string;
  description: string | null;
  serverName: string;
  playbackUrl: string;
  passcode: string;
  startsAt: Date;
  endsAt: Date;
  reconfirmDeadline: Date;
  status: ReservationStatus;
  organizer: { platform: Platform; tenantId: string; userId: string; name: string };
  /** Who is invited: known on cards drawn from the reservation itself, not on those from a message. */
  invitees?: Invitees;
  cancelReason: string | null;
  /** The buttons to show, in this order. */
  actions: CardAction[];
  /** Where to stream to. Secret: only on a card its reader may see it on. */
  ingest?: { url: string; streamKey: string };
}

/** Who reads the card, where, and when (the buttons depend on the time: the deadline). */
export interface CardView {
  reader: Reader | undefined;
  place: Place;
  now: Date;
}

/** The card of a reservation as it is now. */
export function cardFor(reservation: Reservation & { streamKey: string }, view: CardView): ReservationCard {
  return {
    id: reservation.id,
    code: reservation.code,
    title: reservation.title,
    description: reservation.description,
    serverName: reservation.server.name,
    playbackUrl: playbackUrl(reservation.server.playbackBaseUrl, reservation.code),
    passcode: reservation.passcode,
    startsAt: reservation.startsAt,
    endsAt: reservation.endsAt,
    reconfirmDeadline: reservation.reconfirmDeadline,
    status: reservation.status,
    organizer: {
      platform: reservation.organizer.platform,
      tenantId: reservation.organizer.tenantId,
      userId: reservation.organizer.userId,
      name: reservation.organizer.name,
    },
    invitees: reservation.invitees,
    cancelReason: reservation.cancelReason,
    actions: availableActions(reservation, view.now),
    ...(mayShowStreamKey(reservation, view.reader, view.place)
      ? { ingest: { url: reservation.server.ingestBaseUrl, streamKey: reservation.streamKey } }
      : {}),
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
