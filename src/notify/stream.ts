/**
 * What the organizer is told about their stream, worded once for every renderer: why a publish
 * was refused, in words they can act on, and who watched. Renderers pass their own way of
 * writing an instant (e-mail: the zone and UTC; Slack and Discord: the reader's own zone).
 */
import type { Attendance } from '../domain/admission.js';
import { formatDuration } from '../domain/duration.js';
import type { PublishRefusal } from '../domain/notifications.js';
import type { MessageModel } from './message.js';

export type WriteInstant = (iso: string) => string;

/** One or two sentences: when it was refused, why, and what to do. */
export function refusalText(refusal: PublishRefusal, time: WriteInstant, deadline?: string): string {
  const refused = `Your stream was refused at ${time(refusal.at)}`;
  switch (refusal.reason) {
    case 'too_early':
      return `${refused}: the slot opens at ${time(refusal.opensAt)}. Start streaming then; nothing else needs doing.`;
    case 'not_reconfirmed':
      return (
        `${refused}: the reservation is not reconfirmed yet. Reconfirm first` +
        `${deadline ? ` (before ${time(deadline)})` : ''}, then start streaming again.`
      );
    case 'already_publishing':
      return (
        `${refused}: someone else is already streaming with your key. If that is not your own encoder, ` +
        'stop it; if you do not know who it is, your key has leaked — replace it (Replace the stream key, on ' +
        'your reservation): whoever streams with it is cut off, and your slot stays yours.'
      );
    case 'ended':
      return `${refused}: the slot ended at ${time(refusal.closesAt)}. Book a new slot to stream again.`;
    case 'cancelled':
      return `${refused}: this reservation is cancelled. Book a new slot to stream.`;
    case 'lapsed':
      return `${refused}: this reservation lapsed because it was not reconfirmed in time. Book a new slot to stream.`;
    case 'wrong_server':
      return (
        `${refused}: it went to ${refusal.reachedServer ? `server "${refusal.reachedServer}"` : 'another server'}, ` +
        'but your slot is on another one. Stream to the ingest URL your reservation gives.'
      );
    case 'unknown_key':
      return `${refused}: the stream key is not one of a reservation.`;
  }
}

/**
 * How the summary opens: a stream cancelled while it ran says so (with the organizer's reason),
 * so it never reads like one that ran its full slot.
 */
export function streamEndText(message: Pick<MessageModel, 'reservation' | 'reason'>): string {
  if (message.reservation.status !== 'cancelled') return 'is over';
  return `was cancelled while it streamed${message.reason ? ` (${message.reason})` : ''}`;
}

/** Nobody has streamed since the start: what the organizer can do about it. */
export function noShowText(start: string): string {
  return (
    `It was to start at ${start}, but nobody has streamed to it yet, and viewers are waiting. ` +
    'Start your encoder now with the ingest URL and stream key of this reservation, or cancel it so that viewers are told.'
  );
}

/** The stream key was replaced: what that did, and where the new one is (never the key itself). */
export function keyReplacedText(time: WriteInstant, at: string, by: string): string {
  return (
    `The stream key was replaced at ${time(at)} by ${by}. Whoever streamed with the old key was cut off, and ` +
    'the old key no longer works. Stream with the new key: it shows on your reservation, to you only.'
  );
}

/** The summary as lines: how many watched, the peak, which invitees joined. */
export function attendanceLines(attendance: Attendance): string[] {
  const people = (n: number) => `${n} ${n === 1 ? 'viewer' : 'viewers'}`;
  const lines = [
    attendance.viewers === 0
      ? 'Nobody watched.'
      : `${people(attendance.viewers)} watched, at most ${attendance.peakConcurrent} at the same time.`,
  ];
  lines.push(
    attendance.invitees.length === 0
      ? 'No invitee joined with their personal link.'
      : `Invitees who joined with their personal link: ${attendance.invitees.join(', ')}.`,
  );
  if (attendance.passcodeViewers > 0) lines.push(`${people(attendance.passcodeViewers)} joined with the passcode.`);
  return lines;
}

/** "2m" for a buffer, as the organizer reads it. */
export function bufferText(ms: number): string {
  return formatDuration(ms);
}
