/**
 * Expected refusals are values, not exceptions: each front end (HTTP, Slack, Discord, CLI) words
 * them its own way. `reason` is a stable identifier.
 */
import type { FieldError } from '../domain/policy.js';

export interface Alternative {
  kind: 'same_server_other_time' | 'other_server_same_time';
  serverId: string;
  serverName: string;
  startsAt: Date;
  endsAt: Date;
}

export type Refusal =
  | { ok: false; reason: 'invalid'; message: string; fields: FieldError[] }
  | { ok: false; reason: 'not_found'; message: string }
  | { ok: false; reason: 'forbidden'; message: string }
  | { ok: false; reason: 'unavailable'; message: string; alternatives: Alternative[] }
  | { ok: false; reason: 'invalid_transition'; message: string }
  | { ok: false; reason: 'deadline_passed'; message: string }
  /** A request key (Idempotency-Key, Slack view, Discord interaction) came back with a different request. */
  | { ok: false; reason: 'idempotency_key_reused'; message: string };

export type Outcome<T> = { ok: true; value: T } | Refusal;

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });

export function invalid(fields: FieldError[]): Refusal {
  const message = fields.length === 1 ? fields[0]!.message : `${fields.length} fields need attention.`;
  return { ok: false, reason: 'invalid', message, fields };
}

export const notFound = (what: string): Refusal => ({ ok: false, reason: 'not_found', message: `No ${what} found.` });
