/**
 * Booking policy: the limits every request is held to and the reconfirmation deadline (claims 6
 * and 7, docs/method.md). Built once from configuration; every function takes `now` so the rules
 * are testable at fixed instants.
 */
import { formatDuration } from './duration.js';

export type NotifyMode = 'reconfirm' | 'permit_and_reconfirm';

export interface Policy {
  /** How long before the start the reservation must be reconfirmed (default 24h). */
  reconfirmLeadMs: number;
  /** The least time the organizer gets to reconfirm a short-notice reservation (default 15m). */
  reconfirmMinWindowMs: number;
  /** Longest reservation (default 12h). */
  maxDurationMs: number;
  /** How far ahead a reservation may start (default 90 days). */
  horizonMs: number;
  /** Most invitees (e-mails plus channels) on one reservation (default 500). */
  maxInvitees: number;
  /** When invitees first hear of a reservation (default `reconfirm`, claim 6). */
  notifyMode: NotifyMode;
}

/**
 * deadline = max(start − lead, min(now + window, start)): normally a full lead before the start;
 * for short notice, at least `window` from now, but never after the start itself.
 */
export function reconfirmDeadline(startsAt: Date, now: Date, policy: Policy): Date {
  const byLead = startsAt.getTime() - policy.reconfirmLeadMs;
  const byWindow = Math.min(now.getTime() + policy.reconfirmMinWindowMs, startsAt.getTime());
  return new Date(Math.max(byLead, byWindow));
}

export interface FieldError {
  field: string;
  message: string;
}

/** Checks a requested time range against the policy; an empty list means it is acceptable. */
export function checkTimeRange(startsAt: Date, endsAt: Date, now: Date, policy: Policy): FieldError[] {
  const errors: FieldError[] = [];
  const length = endsAt.getTime() - startsAt.getTime();
  if (length <= 0) {
    errors.push({ field: 'endsAt', message: 'The end must be after the start.' });
  } else if (length > policy.maxDurationMs) {
    errors.push({
      field: 'endsAt',
      message: `A reservation can last at most ${formatDuration(policy.maxDurationMs)}; this one lasts ${formatDuration(length)}.`,
    });
  }
  if (startsAt.getTime() <= now.getTime()) {
    errors.push({ field: 'startsAt', message: 'The start is in the past.' });
  } else if (startsAt.getTime() > now.getTime() + policy.horizonMs) {
    errors.push({
      field: 'startsAt',
      message: `Reservations can be made at most ${formatDuration(policy.horizonMs)} ahead.`,
    });
  }
  return errors;
}
