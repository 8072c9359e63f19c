/**
 * The transactional outbox and the audit trail: written in the caller's transaction, so they
 * commit (or vanish) together with the state change they describe.
 */
import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/reservation.js';
import type { PlannedNotification } from '../domain/notifications.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Tx } from './transaction.js';

/** Appends planned notifications; a row whose dedupe key exists already is skipped. Returns the new ids. */
export async function appendToOutbox(tx: Tx, reservationId: string, planned: PlannedNotification[]): Promise<string[]> {
  if (planned.length === 0) return [];
  const rows = planned.map((notification) => ({
    id: randomUUID(),
    reservationId,
    event: notification.event,
    channel: notification.channel,
    recipient: notification.recipient,
    dedupeKey: notification.dedupeKey,
    payload: notification.payload as unknown as Prisma.InputJsonValue,
  }));
  const created = await tx.notification.createManyAndReturn({ data: rows, skipDuplicates: true, select: { id: true } });
  return created.map((row) => row.id);
}

export async function appendAudit(
  tx: Tx,
  actor: Actor,
  action: string,
  details: Record<string, unknown>,
  reservationId?: string,
): Promise<void> {
  await tx.auditEntry.create({
    data: {
      reservationId: reservationId ?? null,
      actorPlatform: actor.platform,
      actorTenantId: actor.tenantId,
      actorUserId: actor.userId,
      actorName: actor.name,
      action,
      details: details as Prisma.InputJsonValue,
    },
  });
}
