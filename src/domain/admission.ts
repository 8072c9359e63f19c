/**
 * Who may stream into a reservation's slot, and who may watch it (issue 9). Pure: the streaming
 * gate (src/stream/gate.ts) decides from its in-memory snapshot with these rules, at the instant
 * the server asks, and words nothing: refusals are reasons, worded in src/notify/stream.ts.
 */
import type { ReservationStatus } from './status.js';

/** What the rules need of a reservation (the gate's snapshot holds this much). */
export interface AdmissionReservation {
  id: string;
  serverId: string;
  status: ReservationStatus;
  startsAt: Date;
  endsAt: Date;
  /** The server's set-up/teardown buffer. */
  bufferMs: number;
}

/** When a stream may run: [start − buffer, end + buffer). */
export interface PublishWindow {
  opensAt: Date;
  closesAt: Date;
}

export function publishWindow(
  reservation: Pick<AdmissionReservation, 'startsAt' | 'endsAt' | 'bufferMs'>,
): PublishWindow {
  return {
    opensAt: new Date(reservation.startsAt.getTime() - reservation.bufferMs),
    closesAt: new Date(reservation.endsAt.getTime() + reservation.bufferMs),
  };
}

export function isInWindow(reservation: Pick<AdmissionReservation, 'startsAt' | 'endsAt' | 'bufferMs'>, now: Date) {
  const { opensAt, closesAt } = publishWindow(reservation);
  return now.getTime() >= opensAt.getTime() && now.getTime() < closesAt.getTime();
}

export const PUBLISH_REFUSAL_REASONS = [
  /** No reservation has this stream key. */
  'unknown_key',
  /** The key is a reservation's, but on another server. */
  'wrong_server',
  /** Permitted, not yet reconfirmed: not established (claim 6). */
  'not_reconfirmed',
  /** Before start − buffer. */
  'too_early',
  /** At or after end + buffer, or completed. */
  'ended',
  'cancelled',
  'lapsed',
  /** Another publisher holds the reservation. */
  'already_publishing',
] as const;
export type PublishRefusalReason = (typeof PUBLISH_REFUSAL_REASONS)[number];

export type PublishDecision =
  | { admitted: true }
  | { admitted: false; reason: PublishRefusalReason; window?: PublishWindow };

export interface PublishAttempt {
  /** The reservation whose stream key was given, if any has it. */
  reservation: AdmissionReservation | undefined;
  /** The server the publisher reached. */
  serverId: string;
  now: Date;
  /** Whether another publisher holds the reservation right now. */
  otherPublisher: boolean;
}

/**
 * A publish is admitted only with the stream key of a reservation on that server that is
 * confirmed or live (a permitted one is refused: it is not established until reconfirmed), inside
 * [start − buffer, end + buffer), while no other publisher holds it. A reconnect inside the window
 * is admitted again (the reservation is live by then).
 */
export function decidePublish({ reservation, serverId, now, otherPublisher }: PublishAttempt): PublishDecision {
  if (!reservation) return { admitted: false, reason: 'unknown_key' };
  const window = publishWindow(reservation);
  const refuse = (reason: PublishRefusalReason): PublishDecision => ({ admitted: false, reason, window });
  if (reservation.serverId !== serverId) return refuse('wrong_server');
  switch (reservation.status) {
    case 'cancelled':
      return refuse('cancelled');
    case 'lapsed':
      return refuse('lapsed');
    case 'completed':
      return refuse('ended');
    case 'permitted':
      return refuse('not_reconfirmed');
    case 'confirmed':
    case 'live':
      break;
  }
  if (now.getTime() < window.opensAt.getTime()) return refuse('too_early');
  if (now.getTime() >= window.closesAt.getTime()) return refuse('ended');
  if (otherPublisher) return refuse('already_publishing');
  return { admitted: true };
}

/**
 * Whether a refusal is worth telling the organizer about. An unknown key names nobody; the
 * others are told once per reservation and reason.
 */
export function isToldToOrganizer(reason: PublishRefusalReason): boolean {
  return reason !== 'unknown_key';
}

/** What a stream that is running must do now: go on, or be cut (and why). */
export function cutReason(
  reservation: AdmissionReservation | undefined,
  now: Date,
): 'window_ended' | 'cancelled' | 'lapsed' | 'moved' | 'completed' | undefined {
  if (!reservation) return 'cancelled';
  switch (reservation.status) {
    case 'cancelled':
      return 'cancelled';
    case 'lapsed':
      return 'lapsed';
    case 'completed':
      return 'completed';
    case 'permitted':
      return 'moved';
    case 'confirmed':
    case 'live':
      break;
  }
  if (now.getTime() >= publishWindow(reservation).closesAt.getTime()) return 'window_ended';
  // Moved so that the new window no longer covers now.
  if (now.getTime() < publishWindow(reservation).opensAt.getTime()) return 'moved';
  return undefined;
}

/** How a viewer proves they may watch: an invitee's personal token, or the shared passcode. */
export interface ViewerCredentials {
  token?: string | undefined;
  passcode?: string | undefined;
}

export type ViewerDecision =
  | { admitted: true; credential: 'token'; invitee: string }
  | { admitted: true; credential: 'passcode'; invitee: null }
  | { admitted: false; reason: 'missing_credentials' | 'wrong_credentials' | 'not_live' | 'over' };

export interface ViewerAttempt {
  reservation: (AdmissionReservation & { passcode: string }) | undefined;
  credentials: ViewerCredentials;
  /**
   * The invitee the token was issued to, if it is valid for this reservation and that invitee is
   * still invited (the caller checks the HMAC and the current list: removed invitees' tokens match
   * nobody).
   */
  tokenInvitee: string | undefined;
  now: Date;
}

/**
 * A viewer is admitted only while the reservation is live or inside its window, and only with
 * the passcode or a valid personal token. Credentials are checked first, so the answer to a
 * stranger says nothing about the stream's state.
 */
export function decideViewer({ reservation, credentials, tokenInvitee, now }: ViewerAttempt): ViewerDecision {
  const { token, passcode } = credentials;
  if (!token && !passcode) return { admitted: false, reason: 'missing_credentials' };
  if (!reservation) return { admitted: false, reason: 'wrong_credentials' };
  const byToken = token !== undefined && token !== '' && tokenInvitee !== undefined;
  const byPasscode = !byToken && passcode !== undefined && passcode !== '' && sameText(passcode, reservation.passcode);
  if (!byToken && !byPasscode) return { admitted: false, reason: 'wrong_credentials' };
  if (['cancelled', 'lapsed', 'completed'].includes(reservation.status)) return { admitted: false, reason: 'over' };
  const streaming =
    reservation.status === 'live' || (reservation.status === 'confirmed' && isInWindow(reservation, now));
  if (!streaming) {
    return {
      admitted: false,
      reason: now.getTime() >= publishWindow(reservation).closesAt.getTime() ? 'over' : 'not_live',
    };
  }
  return byToken
    ? { admitted: true, credential: 'token', invitee: tokenInvitee! }
    : { admitted: true, credential: 'passcode', invitee: null };
}

/** Compares secrets in time that depends on their length only. Passcodes are typed: case does not count. */
export function sameText(given: string, expected: string): boolean {
  const a = given.trim().toUpperCase();
  const b = expected.toUpperCase();
  let difference = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) difference |= (a.charCodeAt(i) || 0) ^ b.charCodeAt(i);
  return difference === 0;
}

/** One admitted viewer's stay, for the attendance summary. */
export interface ViewerStay {
  credential: 'token' | 'passcode';
  invitee: string | null;
  ip: string;
  joinedAt: Date;
  leftAt: Date | null;
}

export interface Attendance {
  /** Distinct viewers: each invitee once, passcode viewers once per address. */
  viewers: number;
  /** Most sessions watching at the same instant. */
  peakConcurrent: number;
  /** Invitees who joined with their personal link, sorted. */
  invitees: string[];
  /** Distinct addresses that watched with the passcode. */
  passcodeViewers: number;
}

/** Attendance from the viewer sessions; sessions still open count until `until`. */
export function summarizeAttendance(stays: ViewerStay[], until: Date): Attendance {
  const invitees = [...new Set(stays.filter((s) => s.invitee).map((s) => s.invitee!))].sort();
  const passcodeAddresses = new Set(stays.filter((s) => s.credential === 'passcode').map((s) => s.ip));
  // Sweep: +1 at each join, −1 at each leave; a leave at the same instant as a join comes first.
  const edges = stays.flatMap((s) => [
    { at: s.joinedAt.getTime(), step: 1 },
    { at: (s.leftAt ?? until).getTime(), step: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let current = 0;
  let peak = 0;
  for (const edge of edges) {
    current += edge.step;
    peak = Math.max(peak, current);
  }
  return {
    viewers: invitees.length + passcodeAddresses.size,
    peakConcurrent: peak,
    invitees,
    passcodeViewers: passcodeAddresses.size,
  };
}

/** How long one invitee watched with their personal link. */
export interface InviteeWatchTime {
  invitee: string;
  watchedMs: number;
}

/**
 * How long each invitee watched, sorted by address: the union of their stays, so two tabs open
 * at once count once and a reconnect's gap is not counted. Stays still open count until `until`.
 */
export function inviteeWatchTimes(stays: ViewerStay[], until: Date): InviteeWatchTime[] {
  const byInvitee = new Map<string, Array<[number, number]>>();
  for (const stay of stays) {
    if (!stay.invitee) continue;
    const spans = byInvitee.get(stay.invitee) ?? [];
    spans.push([stay.joinedAt.getTime(), Math.max(stay.joinedAt.getTime(), (stay.leftAt ?? until).getTime())]);
    byInvitee.set(stay.invitee, spans);
  }
  return [...byInvitee.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([invitee, spans]) => {
      spans.sort((a, b) => a[0] - b[0]);
      let watchedMs = 0;
      let coveredUntil = Number.NEGATIVE_INFINITY;
      for (const [from, to] of spans) {
        const start = Math.max(from, coveredUntil);
        if (to > start) watchedMs += to - start;
        coveredUntil = Math.max(coveredUntil, to);
      }
      return { invitee, watchedMs };
    });
}
