/**
 * Modal state → the shared command objects, validated with the same zod schemas as the REST API.
 * Field errors come back keyed by block_id, ready for `response_action: 'errors'`.
 */
import type { ViewStateValue } from '@slack/bolt';
import type { z } from 'zod';
import type { CancelCommand, ChangeCommand, RequestCommand } from '../app/commands.js';
import { cancelSchema, changeSchema, fieldErrors, requestSchema } from '../app/commands.js';
import type { FieldError } from '../domain/policy.js';
import { splitContacts } from '../domain/invitees.js';
import { BLOCK, INPUT } from './ids.js';

export type StateValues = Record<string, Record<string, ViewStateValue>>;
export type BlockErrors = Record<string, string>;
export type Parsed<T> = { ok: true; command: T } | { ok: false; errors: BlockErrors };

/** What the reservation form holds, as typed: also what a refused form is re-filled with. */
export interface FormInput {
  title: string;
  serverId: string | undefined;
  /** Unix seconds, as the datetimepicker reports them. */
  startsAt: number | undefined;
  endsAt: number | undefined;
  emailsText: string;
  channels: string[];
  passcode: string;
  description: string;
}

export function readForm(values: StateValues): FormInput {
  const input = (block: string) => values[block]?.[INPUT];
  return {
    title: input(BLOCK.title)?.value ?? '',
    serverId: input(BLOCK.server)?.selected_option?.value ?? undefined,
    startsAt: input(BLOCK.startsAt)?.selected_date_time ?? undefined,
    endsAt: input(BLOCK.endsAt)?.selected_date_time ?? undefined,
    emailsText: input(BLOCK.emails)?.value ?? '',
    channels: input(BLOCK.channels)?.selected_conversations ?? [],
    passcode: (input(BLOCK.passcode)?.value ?? '').trim(),
    description: input(BLOCK.description)?.value ?? '',
  };
}

/** Which block shows a core field's error. Unknown fields land on the title, the top of the form. */
const BLOCK_OF_FIELD: Record<string, string> = {
  title: BLOCK.title,
  server: BLOCK.server,
  startsAt: BLOCK.startsAt,
  endsAt: BLOCK.endsAt,
  emails: BLOCK.emails,
  slackChannels: BLOCK.channels,
  passcode: BLOCK.passcode,
  description: BLOCK.description,
  reason: BLOCK.reason,
};

export function blockErrors(errors: readonly FieldError[]): BlockErrors {
  const byBlock: BlockErrors = {};
  for (const error of errors) {
    const block = BLOCK_OF_FIELD[error.field] ?? BLOCK.title;
    byBlock[block] = byBlock[block] ? `${byBlock[block]} ${error.message}` : error.message;
  }
  return byBlock;
}

const isoFromUnix = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** The pickers are required inputs, but a hand-made payload may lack them: say so in words. */
function missingTimes(form: FormInput): FieldError[] {
  const errors: FieldError[] = [];
  if (form.startsAt === undefined) errors.push({ field: 'startsAt', message: 'Pick a start date and time.' });
  if (form.endsAt === undefined) errors.push({ field: 'endsAt', message: 'Pick an end date and time.' });
  return errors;
}

function validate<S extends z.ZodType>(schema: S, input: unknown, extra: FieldError[] = []): Parsed<z.output<S>> {
  const parsed = schema.safeParse(input);
  // Our own word for a field (a missing picker) replaces the schema's, written for API users.
  const covered = new Set(extra.map((error) => error.field));
  const errors = [
    ...extra,
    ...(parsed.success ? [] : fieldErrors(parsed.error).filter((error) => !covered.has(error.field))),
  ];
  if (errors.length > 0 || !parsed.success) return { ok: false, errors: blockErrors(errors) };
  return { ok: true, command: parsed.data };
}

function commonFields(form: FormInput) {
  return {
    ...(form.serverId !== undefined ? { server: form.serverId } : {}),
    title: form.title,
    description: form.description,
    ...(form.startsAt !== undefined ? { startsAt: isoFromUnix(form.startsAt) } : {}),
    ...(form.endsAt !== undefined ? { endsAt: isoFromUnix(form.endsAt) } : {}),
    emails: splitContacts(form.emailsText),
    slackChannels: form.channels,
  };
}

export function parseRequest(form: FormInput): Parsed<RequestCommand> {
  const input = { ...commonFields(form), ...(form.passcode ? { passcode: form.passcode } : {}) };
  // A missing server is reported by the schema; missing times here, in words a Slack user knows.
  return validate(requestSchema, input, missingTimes(form));
}

/** A change sends every field; the core works out what changed. An empty passcode keeps the old one. */
export function parseChange(form: FormInput): Parsed<ChangeCommand> {
  const input = { ...commonFields(form), ...(form.passcode ? { passcode: form.passcode } : {}) };
  return validate(changeSchema, input, missingTimes(form));
}

export function parseCancel(values: StateValues): Parsed<CancelCommand> {
  return validate(cancelSchema, { reason: values[BLOCK.reason]?.[INPUT]?.value ?? '' });
}
