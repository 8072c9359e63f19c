/**
 * The vocabulary REST routes answer in: a status with a JSON body, and Discord's error shapes.
 */
import type { FakeWorld, RecordedFile } from './world.js';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext {
  world: FakeWorld;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  files: RecordedFile[];
  /** ws://127.0.0.1:PORT of the fake's gateway, as GET /gateway/bot announces it. */
  gatewayUrl: string;
  /** How long after dispatch an interaction can still be answered (Discord: 3 s). */
  interactionDeadlineMs: number;
}

export interface Route {
  method: string;
  /** Path template, `:name` segments being parameters. */
  template: string;
  /** Interaction callbacks and interaction webhooks are called without the bot token. */
  auth: boolean;
  handle(ctx: RouteContext): Reply;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });
export const created = (body: unknown): Reply => ({ status: 201, body });
export const noContent = (): Reply => ({ status: 204 });

/** Discord's JSON error: `{ message, code }`, plus `errors` for form validation. */
export function apiError(status: number, code: number, message: string, errors?: unknown): Reply {
  return { status, body: { message, code, ...(errors === undefined ? {} : { errors }) } };
}

/** 50035 Invalid Form Body with one field error, nested along a dotted path as Discord nests them. */
export function invalidField(path: string, code: string, message: string): Reply {
  const errors = path
    .split('.')
    .reverse()
    .reduce<Record<string, unknown>>((inner, key) => ({ [key]: inner }), { _errors: [{ code, message }] });
  return apiError(400, 50035, 'Invalid Form Body', errors);
}

export const notFound = (): Reply => apiError(404, 0, '404: Not Found');
export const unknownChannel = (): Reply => apiError(404, 10003, 'Unknown Channel');
export const unknownGuild = (): Reply => apiError(404, 10004, 'Unknown Guild');
export const unknownMessage = (): Reply => apiError(404, 10008, 'Unknown Message');
export const unknownWebhook = (): Reply => apiError(404, 10015, 'Unknown Webhook');
export const unknownInteraction = (): Reply => apiError(404, 10062, 'Unknown interaction');
export const missingPermissions = (): Reply => apiError(403, 50013, 'Missing Permissions');

/** The request body as an object (empty when absent or not an object). */
export function bodyObject(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}
