/**
 * Distribution servers: added and listed by operators.
 */
import { z } from 'zod';
import type { Actor } from '../domain/reservation.js';
import { defaultBufferSeconds, kindLabel, SERVER_KINDS } from '../domain/server-kind.js';
import { isUniqueViolation } from '../store/sql.js';
import type { ServerRow } from '../store/servers.js';
import { text } from './commands.js';
import type { AppDeps } from './deps.js';
import type { Outcome } from './outcome.js';
import { invalid, ok } from './outcome.js';

const baseUrl = (what: string, protocols: string[]) =>
  text(`The ${what} URL`, `The ${what} URL is required.`)
    .trim()
    .refine(
      (text) => {
        try {
          return protocols.includes(new URL(text).protocol);
        } catch {
          return false;
        }
      },
      `The ${what} URL must be a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL.`,
    )
    .transform((text) => text.replace(/\/+$/, ''));

const bufferSeconds = z
  .number()
  .int('The buffer is a whole number of seconds.')
  .min(0, 'The buffer cannot be negative.')
  .max(24 * 3600, 'The buffer can be at most a day.');

export const serverSchema = z
  .strictObject({
    name: text('The name', 'The name is required.')
      .trim()
      .min(1, 'The name is required.')
      .max(64, 'The name can be at most 64 characters.')
      .regex(/^[\w .-]+$/, 'The name can hold letters, digits, spaces, dots, dashes and underscores.'),
    ingestBaseUrl: baseUrl('ingest', ['rtmp:', 'rtmps:', 'srt:', 'http:', 'https:']),
    playbackBaseUrl: baseUrl('playback', ['http:', 'https:']),
    capacity: z.number().int().min(1, 'The capacity is at least 1.').max(1000).default(1),
    /** Set-up and teardown in seconds; default 0 for external servers, 120 for the others. */
    bufferSeconds: bufferSeconds.optional(),
    /** The same in minutes, as before seconds existed; give one or the other. */
    bufferMinutes: z
      .number()
      .int()
      .min(0, 'The buffer cannot be negative.')
      .max(24 * 60)
      .optional(),
    active: z.boolean().default(true),
    kind: z.enum(SERVER_KINDS, { error: `The kind is one of ${SERVER_KINDS.join(', ')}.` }).default('external'),
    controlUrl: baseUrl('control', ['http:', 'https:']).nullable().default(null),
    mediaBaseUrl: baseUrl('media', ['http:', 'https:']).nullable().default(null),
  })
  .superRefine((command, context) => {
    if (command.bufferSeconds !== undefined && command.bufferMinutes !== undefined)
      context.addIssue({
        code: 'custom',
        path: ['bufferMinutes'],
        message: 'Give the buffer in seconds or in minutes, not both.',
      });
  })
  .transform(({ bufferMinutes, bufferSeconds, ...command }) => ({
    ...command,
    bufferSeconds:
      bufferSeconds ?? (bufferMinutes !== undefined ? bufferMinutes * 60 : defaultBufferSeconds(command.kind)),
  }));
export type ServerCommand = z.output<typeof serverSchema>;

export async function addServer(deps: AppDeps, actor: Actor, command: ServerCommand): Promise<Outcome<ServerRow>> {
  if (!actor.isAdmin) return { ok: false, reason: 'forbidden', message: 'Only an admin can add servers.' };
  try {
    const [server] = await deps.db.$transaction([
      deps.db.distributionServer.create({ data: command }),
      deps.db.auditEntry.create({
        data: {
          actorPlatform: actor.platform,
          actorTenantId: actor.tenantId,
          actorUserId: actor.userId,
          actorName: actor.name,
          action: 'server_added',
          details: { name: command.name, capacity: command.capacity, kind: command.kind },
        },
      }),
    ]);
    deps.servers.invalidate();
    return ok(server);
  } catch (error) {
    if (isUniqueViolation(error, 'name'))
      return invalid([{ field: 'name', message: `A server named "${command.name}" exists already.` }]);
    throw error;
  }
}

export async function listServers(deps: AppDeps, options: { activeOnly?: boolean } = {}): Promise<ServerRow[]> {
  return deps.db.distributionServer.findMany({
    where: options.activeOnly ? { active: true } : {},
    orderBy: { name: 'asc' },
  });
}

/**
 * This instance's embedded server, named EMBEDDED_NAME (issues 9 and 16): made on first start,
 * and kept pointing at this run's ingest and watch URLs (RTMP_PORT=0 picks a new port each time)
 * and configured buffer. A server of another kind by that name is never taken over.
 */
export async function ensureEmbeddedServer(
  deps: AppDeps,
  settings: { name: string; ingestBaseUrl: string; playbackBaseUrl: string; bufferSeconds: number },
): Promise<ServerRow> {
  const { name, ...rest } = settings;
  const existing = await deps.db.distributionServer.findUnique({ where: { name } });
  if (existing && existing.kind !== 'embedded')
    throw new Error(
      `The server "${name}" is a ${kindLabel(existing.kind)} server: give the embedded one another EMBEDDED_NAME.`,
    );
  const data = { kind: 'embedded' as const, ...rest };
  const server = await deps.db.distributionServer.upsert({
    where: { name },
    create: { name, ...data },
    update: data,
  });
  deps.servers.invalidate();
  return server;
}
