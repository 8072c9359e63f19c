/**
 * A reservation as the rules see it: plain data, no database types. The store maps rows to this
 * shape and back.
 */
import type { NotifyMode } from './policy.js';
import type { ServerKind } from './server-kind.js';
import type { ReservationStatus } from './status.js';

export type Platform = 'slack' | 'discord' | 'api';

/** Whoever acts on the system: the organizer of a reservation, an admin, or the system itself. */
export interface Actor {
  platform: Platform;
  /** Slack workspace id, Discord guild id, or "api". */
  tenantId: string;
  userId: string;
  name: string;
  /** Workspace/guild admins and admin API tokens may act on anyone's reservation. */
  isAdmin: boolean;
  /** Where an API organizer wants its permit prompts e-mailed, if anywhere. */
  email?: string | null;
}

export interface Organizer {
  platform: Platform;
  tenantId: string;
  userId: string;
  name: string;
  email: string | null;
}

export interface Invitees {
  emails: string[];
  slackChannels: string[];
  discordChannels: string[];
}

export interface Reservation {
  id: string;
  code: string;
  title: string;
  description: string | null;
  server: {
    id: string;
    name: string;
    ingestBaseUrl: string;
    playbackBaseUrl: string;
    /** Absent where a caller does not know it (tests, old payloads): treated as external. */
    kind?: ServerKind;
    /** The server's set-up/teardown buffer; absent: none. */
    bufferSeconds?: number;
  };
  organizer: Organizer;
  startsAt: Date;
  endsAt: Date;
  status: ReservationStatus;
  notifyMode: NotifyMode;
  reconfirmDeadline: Date;
  passcode: string;
  invitees: Invitees;
  version: number;
  cancelReason: string | null;
}

export function isOrganizer(actor: Actor, organizer: Organizer): boolean {
  return (
    actor.platform === organizer.platform && actor.tenantId === organizer.tenantId && actor.userId === organizer.userId
  );
}

/**
 * Only the organizer or an admin may act on a reservation. An admin's reach ends at its own
 * workspace or guild: a Slack admin of one workspace is nobody in another. API admins (the
 * operators) may act on everything.
 */
export function mayActOn(actor: Actor, organizer: Organizer): boolean {
  if (isOrganizer(actor, organizer)) return true;
  if (!actor.isAdmin) return false;
  if (actor.platform === 'api') return true;
  return actor.platform === organizer.platform && actor.tenantId === organizer.tenantId;
}

/**
 * Where viewers watch (claim 2, docs/method.md): the server's playback base with the reservation's
 * code, written as people see it everywhere else (R-7K3Q). What reads it back takes any case: the
 * watch page, /live/R-XXXX.flv, nginx-rtmp's HLS location and hooks, MediaMTX's hooks; links
 * printed before (…/r-7k3q) keep working.
 */
export function playbackUrl(playbackBaseUrl: string, code: string): string {
  return `${playbackBaseUrl.replace(/\/+$/, '')}/${code}`;
}

/**
 * Where the organizer publishes (given to them only): OBS and ffmpeg publish to
 * `url + '/' + streamKey`. A MediaMTX path is one its viewers read too, so there the path is the
 * reservation's code and the key travels as the publisher's token (src/stream/mediamtx/driver.ts);
 * every other kind takes the key as the stream name.
 */
export function ingestOf(reservation: {
  code: string;
  streamKey: string;
  server: { ingestBaseUrl: string; kind?: ServerKind };
}): { url: string; streamKey: string } {
  const url = reservation.server.ingestBaseUrl;
  return reservation.server.kind === 'mediamtx'
    ? { url, streamKey: `${reservation.code}?token=${encodeURIComponent(reservation.streamKey)}` }
    : { url, streamKey: reservation.streamKey };
}

export function inviteeCount(invitees: Invitees): number {
  return invitees.emails.length + invitees.slackChannels.length + invitees.discordChannels.length;
}
