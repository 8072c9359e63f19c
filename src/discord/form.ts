/**
 * From what was typed into a modal to the commands the core takes, through the same zod schemas
 * as the API and Slack. Only the Discord-specific reading happens here: free-text times in the
 * user's zone, and e-mail addresses split out of a paragraph.
 */
import type { CancelCommand, ChangeCommand, RequestCommand } from '../app/commands.js';
import { cancelSchema } from '../app/commands.js';
import type { Checked } from '../chat/form.js';
import { chatChangeSchema, chatRequestSchema, checkCommand } from '../chat/form.js';
import type { FieldError } from '../domain/policy.js';
import { splitContacts } from '../domain/invitees.js';
import type { FormValues } from './drafts.js';
import { parseEnd, parseInstant } from '../chat/times.js';

/** How each field is called in the modal, for error messages that name it. */
export const FIELD_NAMES: Record<string, string> = {
  server: 'Server',
  title: 'Title',
  startsAt: 'Start',
  endsAt: 'End or duration',
  emails: 'Invitee e-mails',
  discordChannels: 'Channels',
  passcode: 'Passcode',
  description: 'Description',
  reason: 'Reason',
  zone: 'Time zone',
};

/** Start and end as instants, with errors named after the modal's fields. */
function readTimes(
  values: FormValues,
  zone: string,
  now: Date,
): { startsAt?: Date; endsAt?: Date; errors: FieldError[] } {
  const start = parseInstant(values.start, zone, now);
  if (!start.ok) return { errors: [{ field: 'startsAt', message: start.message }] };
  const end = parseEnd(values.end, start.value, zone);
  if (!end.ok) return { startsAt: start.value, errors: [{ field: 'endsAt', message: end.message }] };
  return { startsAt: start.value, endsAt: end.value, errors: [] };
}

export interface RequestOptions {
  server: string;
  passcode?: string | undefined;
  description?: string | undefined;
}

export function toRequestCommand(
  values: FormValues,
  options: RequestOptions,
  zone: string,
  now: Date,
): Checked<RequestCommand> {
  const { errors, ...times } = readTimes(values, zone, now);
  const raw = {
    server: options.server,
    title: values.title,
    ...(options.description ? { description: options.description } : {}),
    ...(options.passcode ? { passcode: options.passcode } : {}),
    ...times,
    emails: splitContacts(values.emails),
    discordChannels: values.channels ?? [],
  };
  return checkCommand(chatRequestSchema, raw, errors);
}

/** A free slot picked after a refusal: its server and times take the place of the typed ones. */
export interface PickedSlot {
  server: string;
  startsAt: Date;
  endsAt: Date;
}

/** The change as typed; with a picked slot, moved to it and validated as a whole like any change. */
export function toChangeCommand(
  values: FormValues,
  zone: string,
  now: Date,
  slot?: PickedSlot,
): Checked<ChangeCommand> {
  const { errors, ...times } = slot
    ? { startsAt: slot.startsAt, endsAt: slot.endsAt, errors: [] }
    : readTimes(values, zone, now);
  const raw = {
    ...(slot ? { server: slot.server } : {}),
    title: values.title,
    ...(values.description !== undefined ? { description: values.description } : {}),
    ...times,
    emails: splitContacts(values.emails),
    ...(values.channels ? { discordChannels: values.channels } : {}),
  };
  return checkCommand(chatChangeSchema, raw, errors);
}

export function toCancelCommand(reason: string): Checked<CancelCommand> {
  return checkCommand(cancelSchema, { reason });
}
