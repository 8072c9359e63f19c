/**
 * How reservations and servers look in the API. The stream key is included for the organizer
 * only: not even an admin sees someone else's.
 */
import type { Actor } from '../domain/reservation.js';
import { ingestOf, isOrganizer, playbackUrl } from '../domain/reservation.js';
import type { StoredReservation } from '../store/reservations.js';
import { isEnforcing } from '../domain/server-kind.js';
import type { ServerRow } from '../store/servers.js';

export function presentReservation(reservation: StoredReservation, viewer: Actor) {
  return {
    id: reservation.id,
    code: reservation.code,
    title: reservation.title,
    description: reservation.description,
    server: { id: reservation.server.id, name: reservation.server.name },
    organizer: {
      platform: reservation.organizer.platform,
      tenantId: reservation.organizer.tenantId,
      userId: reservation.organizer.userId,
      name: reservation.organizer.name,
    },
    startsAt: reservation.startsAt.toISOString(),
    endsAt: reservation.endsAt.toISOString(),
    status: reservation.status,
    notifyMode: reservation.notifyMode,
    reconfirmDeadline: reservation.reconfirmDeadline.toISOString(),
    playbackUrl: playbackUrl(reservation.server.playbackBaseUrl, reservation.code),
    passcode: reservation.passcode,
    invitees: reservation.invitees,
    version: reservation.version,
    cancelReason: reservation.cancelReason,
    createdAt: reservation.createdAt.toISOString(),
    updatedAt: reservation.updatedAt.toISOString(),
    confirmedAt: reservation.confirmedAt?.toISOString() ?? null,
    cancelledAt: reservation.cancelledAt?.toISOString() ?? null,
    ...(isOrganizer(viewer, reservation.organizer) ? { ingest: ingestOf(reservation) } : {}),
  };
}

export function presentServer(server: ServerRow) {
  return {
    id: server.id,
    name: server.name,
    ingestBaseUrl: server.ingestBaseUrl,
    playbackBaseUrl: server.playbackBaseUrl,
    capacity: server.capacity,
    bufferSeconds: server.bufferSeconds,
    /** As before seconds existed (may be fractional). */
    bufferMinutes: server.bufferSeconds / 60,
    active: server.active,
    kind: server.kind,
    /** `external`: Slotcast books it but enforces nothing there. */
    enforced: isEnforcing(server.kind),
  };
}
