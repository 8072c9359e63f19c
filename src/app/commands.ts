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

// Control characters would let a title break a chat layout or forge lines in an e-mail header.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_EXCEPT_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export const titleSchema = z
  .string({ error: 'The title is required.' })
  .trim()
  .min(1, 'The title is required.')
  .max(200, 'The title can be at most 200 characters.')
  .refine((text) => !CONTROL.test(text), 'The title cannot contain control characters or line breaks.');

export const descriptionSchema = z
  .string()
  .trim()
  .max(3000, 'The description can be at most 3000 characters.')
  .refine((text) => !CONTROL_EXCEPT_NEWLINES.test(text), 'The description cannot contain control characters.')
  .transform((text) => (text.length === 0 ? null : text));

export const passcodeSchema = z
  .string()
  .min(4, 'The passcode needs at least 4 characters.')
  .max(64, 'The passcode can be at most 64 characters.')
  // No backtick: chat messages show the passcode inside inline code, which a backtick would end.
  .refine(
    (text) => /^[\x21-\x5f\x61-\x7e]+$/.test(text),
    'The passcode can hold letters, digits and symbols, but no spaces or backticks.',
  );

/** ISO-8601 with an explicit offset ("Z" or "+09:00"): a time without a zone is ambiguous. */
export const instantSchema = z
  .string({ error: 'A time is required, as ISO-8601 with an offset, e.g. 2026-12-01T19:00:00+09:00.' })
  .refine(
    (text) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text) &&
      !Number.isNaN(Date.parse(text)),
    'Use ISO-8601 with an offset, e.g. 2026-12-01T19:00:00+09:00.',
  )
  .transform((text) => new Date(text));

const contactList = (kind: string, isValid: (entry: string) => boolean, normalize: (entry: string) => string) =>
  z
    .array(z.string({ error: `Each of ${kind} must be a string.` }).trim(), { error: `${kind} must be a list.` })
    .superRefine((entries, context) => {
      const message = describeContactProblems(kind, findContactProblems(entries, isValid, normalize));
      if (message) context.addIssue({ code: 'custom', message });
    })
    .transform((entries) => entries.map(normalize));

export const emailsSchema = contactList('e-mail addresses', isEmail, normalizeEmail);
export const slackChannelsSchema = contactList('Slack channel ids', isSlackChannelId, (id) => id);
export const discordChannelsSchema = contactList('Discord channel ids', isDiscordSnowflake, (id) => id);

export const requestSchema = z.strictObject({
  server: z
    .string({ error: 'The server is required (its name or id).' })
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
    server: z.string().trim().min(1, 'The server cannot be empty.'),
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
  reason: z
    .string()
    .trim()
    .max(500, 'The reason can be at most 500 characters.')
    .refine((text) => !CONTROL_EXCEPT_NEWLINES.test(text), 'The reason cannot contain control characters.')
    .transform((text) => (text.length === 0 ? null : text))
    .optional(),
});
export type CancelCommand = z.output<typeof cancelSchema>;

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
