/**
 * Modal state → the shared command objects, validated with the same zod schemas as the REST API.
 * Field errors come back keyed by block_id, ready for `response_action: 'errors'`.
 */
import type { ViewStateValue } from '@slack/bolt';
import type { z } from 'zod';
import type { CancelCommand, ChangeCommand, RequestCommand } from '../app/commands.js';
import { cancelSchema } from '../app/commands.js';
import { chatChangeSchema, chatRequestSchema, checkCommand } from '../chat/form.js';
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

/** The pickers are required inputs, but a hand-made payload may lack them: say so in words. */
function missingTimes(form: FormInput): FieldError[] {
  const errors: FieldError[] = [];
  if (form.startsAt === undefined) errors.push({ field: 'startsAt', message: 'Pick a start date and time.' });
  if (form.endsAt === undefined) errors.push({ field: 'endsAt', message: 'Pick an end date and time.' });
  return errors;
}

function validate<S extends z.ZodType>(schema: S, input: unknown, own: FieldError[] = []): Parsed<z.output<S>> {
  const checked = checkCommand(schema, input, own);
  return checked.ok ? checked : { ok: false, errors: blockErrors(checked.fields) };
}

/** Unix seconds, as the pickers give them, to the instants the commands hold. */
const instant = (seconds: number | undefined) => (seconds === undefined ? undefined : new Date(seconds * 1000));

function commonFields(form: FormInput) {
  const startsAt = instant(form.startsAt);
  const endsAt = instant(form.endsAt);
  return {
    ...(form.serverId !== undefined ? { server: form.serverId } : {}),
    title: form.title,
    description: form.description,
    ...(startsAt ? { startsAt } : {}),
    ...(endsAt ? { endsAt } : {}),
    emails: splitContacts(form.emailsText),
    slackChannels: form.channels,
    // An empty passcode is left to the core: a new one is generated, a changed reservation keeps its own.
    ...(form.passcode ? { passcode: form.passcode } : {}),
  };
}

export function parseRequest(form: FormInput): Parsed<RequestCommand> {
  // A missing server is reported by the schema; missing times here, in words a Slack user knows.
  return validate(chatRequestSchema, commonFields(form), missingTimes(form));
}

/** A change sends every field; the core works out what changed. */
export function parseChange(form: FormInput): Parsed<ChangeCommand> {
  return validate(chatChangeSchema, commonFields(form), missingTimes(form));
}

export function parseCancel(values: StateValues): Parsed<CancelCommand> {
  return validate(cancelSchema, { reason: values[BLOCK.reason]?.[INPUT]?.value ?? '' });
}
