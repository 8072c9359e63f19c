/**
 * The commands every front end sends to the core, with the zod rules they share. The HTTP API,
 * the Slack modal and the Discord modal all build these objects and validate them here, so a
 * reservation is held to the same rules wherever it comes from.
 */
import { z } from 'zod';
import type { FieldError } from '../domain/policy.js';
import {
  describeContactProblems,
  findContactProblems,
  isDiscordSnowflake,
  isEmail,
  isSlackChannelId,
  normalizeEmail,
} from '../domain/invitees.js';
import { bidiControlIn, bidiControlMessage, invisibleCharacterIn } from '../domain/text.js';

// Control characters would let a title break a chat layout or forge lines in an e-mail header.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_EXCEPT_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

// NUL, which PostgreSQL cannot store in text, and a UTF-16 surrogate without its other half, which
// no encoding can carry (it would be stored, mailed and shown as U+FFFD).
const BROKEN_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isWellFormedText(value: string): boolean {
  return !BROKEN_TEXT.test(value);
}

/**
 * Every text field of every command starts here — request, change, cancel, list queries, servers,
 * tokens — so the API, Slack and Discord hold text to one rule, and bytes the database or an
 * encoder would choke on come back as a field error instead of a 500.
 */
export function text(what: string, required = `${what} must be text.`) {
  return z.string({ error: required }).refine(isWellFormedText, {
    message: `${what} cannot contain a NUL character or a broken character (a lone surrogate).`,
    // The field's other rules would only repeat the complaint in other words.
    abort: true,
  });
}

/** Refuses bidi controls in text people type (src/domain/text.ts says why). */
const withoutBidiControls =
  (what: string) =>
  (value: string, context: z.RefinementCtx): void => {
    const found = bidiControlIn(value);
    if (found) context.addIssue({ code: 'custom', message: bidiControlMessage(what, found) });
  };

export const titleSchema = text('The title', 'The title is required.')
  .trim()
  .min(1, 'The title is required.')
  .max(200, 'The title can be at most 200 characters.')
  .refine((value) => !CONTROL.test(value), 'The title cannot contain control characters or line breaks.')
  .superRefine(withoutBidiControls('The title'));

export const descriptionSchema = text('The description')
  .trim()
  .max(3000, 'The description can be at most 3000 characters.')
  .refine((value) => !CONTROL_EXCEPT_NEWLINES.test(value), 'The description cannot contain control characters.')
  .superRefine(withoutBidiControls('The description'))
  .transform((value) => (value.length === 0 ? null : value));

export const passcodeSchema = text('The passcode')
  .min(4, 'The passcode needs at least 4 characters.')
  .max(64, 'The passcode can be at most 64 characters.')
  // No backtick: chat messages show the passcode inside inline code, which a backtick would end.
  .refine(
    (value) => /^[\x21-\x5f\x61-\x7e]+$/.test(value),
    'The passcode can hold letters, digits and symbols, but no spaces or backticks.',
  );

const INSTANT_FORMAT = 'Use ISO-8601 with an offset, e.g. 2026-12-01T19:00:00+09:00.';
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/i;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Why an ISO-8601 text is not a real instant, or undefined when it is. `Date` would quietly roll
 * 2027-02-29 over to 1 March and 24:00 to the next day; a booking for a day that does not exist
 * is a typo to report, not a time to guess.
 */
export function instantProblem(value: string): string | undefined {
  const match = ISO_INSTANT.exec(value);
  if (!match) return INSTANT_FORMAT;
  const [year, month, day, hour, minute, second = 0, offsetHours = 0, offsetMinutes = 0] = match
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part))) as number[];
  if (month! < 1 || month! > 12) return `${value} is not a real date: there is no month ${month}.`;
  if (day! < 1 || day! > daysIn(year!, month!))
    return `${value} is not a real date: ${MONTHS[month! - 1]} ${year} has ${daysIn(year!, month!)} days.`;
  if (hour! > 23) return `${value} is not a real time: hours go from 00 to 23.`;
  if (minute! > 59 || second > 59) return `${value} is not a real time: minutes and seconds go from 00 to 59.`;
  if (offsetHours > 23 || offsetMinutes > 59) return `${value} has an offset that does not exist.`;
  return undefined;
}

/** ISO-8601 with an explicit offset ("Z" or "+09:00"): a time without a zone is ambiguous. */
export const instantSchema = text(
  'A time',
  `A time is required, as ISO-8601 with an offset, e.g. 2026-12-01T19:00:00+09:00.`,
)
  .superRefine((value, context) => {
    const problem = instantProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  })
  .transform((value) => new Date(value));

const contactList = (
  kind: string,
  one: string,
  isValid: (entry: string) => boolean,
  normalize: (entry: string) => string,
) =>
  z
    .array(text(one, `Each of the ${kind} must be a string.`).trim(), { error: `${kind} must be a list.` })
    .superRefine((entries, context) => {
      // An invisible character makes a look-alike of a real contact: said by its place in the
      // list, since the entry itself would print as the contact it imitates.
      const noun = one.replace(/^an? /i, '');
      entries.forEach((entry, index) => {
        const found = invisibleCharacterIn(entry);
        if (found)
          context.addIssue({
            code: 'custom',
            message:
              `${noun.charAt(0).toUpperCase() + noun.slice(1)} ${index + 1} holds an invisible character ` +
              `(${found.codePoint}) at character ${found.position}: type it again without it.`,
          });
      });
      const visible = entries.filter((entry) => !invisibleCharacterIn(entry));
      const message = describeContactProblems(kind, findContactProblems(visible, isValid, normalize));
      if (message) context.addIssue({ code: 'custom', message });
    })
    .transform((entries) => entries.map(normalize));

export const emailsSchema = contactList('e-mail addresses', 'An e-mail address', isEmail, normalizeEmail);
export const slackChannelsSchema = contactList('Slack channel ids', 'A Slack channel id', isSlackChannelId, (id) => id);
export const discordChannelsSchema = contactList(
  'Discord channel ids',
  'A Discord channel id',
  isDiscordSnowflake,
  (id) => id,
);

export const requestSchema = z.strictObject({
  server: text('The server', 'The server is required (its name or id).')
    .trim()
    .min(1, 'The server is required (its name or id).'),
  title: titleSchema,
  description: descriptionSchema.optional(),
  startsAt: instantSchema,
  endsAt: instantSchema,
  emails: emailsSchema.default([]),
  slackChannels: slackChannelsSchema.default([]),
  discordChannels: discordChannelsSchema.default([]),
  passcode: passcodeSchema.optional(),
});
export type RequestCommand = z.output<typeof requestSchema>;

export const changeSchema = z
  .strictObject({
    server: text('The server').trim().min(1, 'The server cannot be empty.'),
    title: titleSchema,
    description: descriptionSchema.nullable(),
    startsAt: instantSchema,
    endsAt: instantSchema,
    emails: emailsSchema,
    slackChannels: slackChannelsSchema,
    discordChannels: discordChannelsSchema,
    passcode: passcodeSchema,
  })
  .partial();
export type ChangeCommand = z.output<typeof changeSchema>;

export const cancelSchema = z.strictObject({
  reason: text('The reason')
    .trim()
    .max(500, 'The reason can be at most 500 characters.')
    .refine((value) => !CONTROL_EXCEPT_NEWLINES.test(value), 'The reason cannot contain control characters.')
    .superRefine(withoutBidiControls('The reason'))
    .transform((value) => (value.length === 0 ? null : value))
    .optional(),
});
export type CancelCommand = z.output<typeof cancelSchema>;

/** Longest single extension in minutes; the policy's longest reservation still bounds the total. */
export const MAX_EXTEND_MINUTES = 720;
const EXTEND_MINUTES = `The minutes must be a whole number from 1 to ${MAX_EXTEND_MINUTES}.`;

/** Extend a stream (issue 17): by some minutes, or to a later end — one of the two. */
export const extendSchema = z
  .strictObject({
    minutes: z
      .number({ error: EXTEND_MINUTES })
      .int(EXTEND_MINUTES)
      .min(1, EXTEND_MINUTES)
      .max(MAX_EXTEND_MINUTES, EXTEND_MINUTES)
      .optional(),
    endsAt: instantSchema.optional(),
  })
  .superRefine((value, context) => {
    if ((value.minutes === undefined) === (value.endsAt === undefined))
      context.addIssue({
        code: 'custom',
        path: ['minutes'],
        message: 'Say how far to extend: "minutes" (e.g. 15) or a later "endsAt", one of the two.',
      });
  });
export type ExtendCommand = z.output<typeof extendSchema>;

/** zod's issues as field errors: the path's first element names the field. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return {
        field: issue.keys.join(', '),
        message: `Unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}.`,
      };
    }
    return { field: issue.path.length > 0 ? String(issue.path[0]) : 'body', message: issue.message };
  });
}
