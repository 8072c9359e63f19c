/**
 * What the web pages may use of the service: the chat layer's port (the use cases, the card
 * model's inputs, zones) and the few reads only a web page needs — sessions, the timeline, what
 * became of the invitees' messages. Like the chat front ends, the pages get no pool and no
 * configuration, so no rule can be decided in a route for want of one in the core.
 */
import type { AppDeps } from '../app/deps.js';
import { timelineFor } from '../app/timeline.js';
import type { AttendanceReport, WatchDetails } from '../app/watch.js';
import { attendanceOf, watchDetails } from '../app/watch.js';
import type { StoredReservation } from '../store/reservations.js';
import type { LinkRedemption } from '../app/web-access.js';
import { endWebSession, redeemWebLink, webSessionActor } from '../app/web-access.js';
import type { ChatPort } from '../chat/port.js';
import type { Actor } from '../domain/reservation.js';
import type { Timeline, TimelineRange } from '../domain/timeline.js';
import type { ContactDelivery } from '../store/deliveries.js';
import { latestInviteeDeliveries } from '../store/deliveries.js';

export interface WebPort {
  chat: ChatPort;
  redeemLink(token: string): Promise<LinkRedemption>;
  sessionActor(token: string): Promise<Actor | undefined>;
  endSession(token: string): Promise<void>;
  timeline(viewer: Actor, range: TimelineRange): Promise<Timeline>;
  /** The latest message to each invitee of a reservation the caller has already been allowed to see. */
  deliveries(reservationId: string): Promise<ContactDelivery[]>;
  /** The watch page's reservation, for a viewer the gate has let see it. */
  watchDetails(reservationId: string): Promise<WatchDetails | undefined>;
  /** Who watched a reservation the caller may see, once its stream is over. */
  attendance(reservation: StoredReservation): Promise<AttendanceReport | undefined>;
}

export function createWebPort(deps: AppDeps, chat: ChatPort): WebPort {
  return {
    chat,
    redeemLink: (token) => redeemWebLink(deps, token),
    sessionActor: (token) => webSessionActor(deps, token),
    endSession: (token) => endWebSession(deps, token),
    timeline: (viewer, range) => timelineFor(deps, viewer, range),
    deliveries: (reservationId) => latestInviteeDeliveries(deps.pool, reservationId),
    watchDetails: (reservationId) => watchDetails(deps, reservationId),
    attendance: (reservation) => attendanceOf(deps, reservation),
  };
}
