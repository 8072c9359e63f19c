/**
 * Reservation rows in and out. Every function takes the transaction it runs in; the use case that
 * calls it owns that transaction.
 */
import type { Reservation } from '../domain/reservation.js';
import type { ReservationStatus } from '../domain/status.js';
import { SLOT_HOLDING_STATUSES } from '../domain/status.js';
import type { Interval } from '../domain/availability.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Tx } from './transaction.js';

const WITH_SERVER = { server: true } as const;
type ReservationRow = Prisma.ReservationGetPayload<{ include: typeof WITH_SERVER }>;

export interface StoredReservation extends Reservation {
  streamKey: string;
  createdAt: Date;
  updatedAt: Date;
  confirmedAt: Date | null;
  cancelledAt: Date | null;
}

export function toDomain(row: ReservationRow): StoredReservation {
  return {
    id: row.id,
    code: row.code,
    title: row.title,
    description: row.description,
    server: {
      id: row.server.id,
      name: row.server.name,
      ingestBaseUrl: row.server.ingestBaseUrl,
      playbackBaseUrl: row.server.playbackBaseUrl,
    },
    organizer: {
      platform: row.organizerPlatform,
      tenantId: row.organizerTenantId,
      userId: row.organizerUserId,
      name: row.organizerName,
      email: row.organizerEmail,
    },
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    status: row.status,
    notifyMode: row.notifyMode,
    reconfirmDeadline: row.reconfirmDeadline,
    passcode: row.passcode,
    streamKey: row.streamKey,
    invitees: { emails: row.emails, slackChannels: row.slackChannels, discordChannels: row.discordChannels },
    version: row.version,
    cancelReason: row.cancelReason,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    confirmedAt: row.confirmedAt,
    cancelledAt: row.cancelledAt,
  };
}

export async function findReservation(tx: Tx, idOrCode: string): Promise<StoredReservation | undefined> {
  const where = isUuid(idOrCode) ? { id: idOrCode } : { code: idOrCode.toUpperCase() };
  const row = await tx.reservation.findUnique({ where, include: WITH_SERVER });
  return row ? toDomain(row) : undefined;
}

/** Reads a reservation and holds its row until the transaction ends. */
export async function lockReservation(tx: Tx, idOrCode: string): Promise<StoredReservation | undefined> {
  const column = isUuid(idOrCode) ? 'id' : 'code';
  const value = column === 'id' ? idOrCode : idOrCode.toUpperCase();
  const locked = await tx.$queryRawUnsafe<Array<{ id: string }>>(
    `SELECT id FROM reservation WHERE ${column} = $1${column === 'id' ? '::uuid' : ''} FOR UPDATE`,
    value,
  );
  if (locked.length === 0) return undefined;
  return findReservation(tx, locked[0]!.id);
}

/**
 * Slot-holding reservations on a server that overlap a window, as intervals. `excludeId` leaves
 * out a reservation being changed, so it does not collide with itself.
 */
export async function bookedIntervals(tx: Tx, serverIds: string[], window: Interval, excludeId?: string): Promise<Map<string, Interval[]>> {
  const rows = await tx.reservation.findMany({
    where: {
      serverId: { in: serverIds },
      status: { in: [...SLOT_HOLDING_STATUSES] as ReservationStatus[] },
      startsAt: { lt: new Date(window.end) },
      endsAt: { gt: new Date(window.start) },
      ...(excludeId ? { id: { not: excludeId } } : {}),
    },
    select: { serverId: true, startsAt: true, endsAt: true },
  });
  const byServer = new Map<string, Interval[]>(serverIds.map((id) => [id, []]));
  for (const row of rows) {
    byServer.get(row.serverId)!.push({ start: row.startsAt.getTime(), end: row.endsAt.getTime() });
  }
  return byServer;
}

export function isUuid(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text);
}

export { WITH_SERVER };
