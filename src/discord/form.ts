/**
 * From what was typed into a modal to the commands the core takes, through the same zod schemas
 * as the API and Slack. Only the Discord-specific reading happens here: free-text times in the
 * user's zone, and e-mail addresses split out of a paragraph.
 */
import type { ChangeCommand, RequestCommand } from '../app/commands.js';
import { cancelSchema, changeSchema, fieldErrors, requestSchema } from '../app/commands.js';
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

export type Checked<T> = { ok: true; command: T } | { ok: false; fields: FieldError[] };

/** Start and end as instants, with errors named after the modal's fields. */
function readTimes(
  values: FormValues,
  zone: string,
  now: Date,
): { startsAt?: string; endsAt?: string; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const start = parseInstant(values.start, zone, now);
  if (!start.ok) {
    errors.push({ field: 'startsAt', message: start.message });
    return { errors };
  }
  const end = parseEnd(values.end, start.value, zone);
  if (!end.ok) errors.push({ field: 'endsAt', message: end.message });
  return { startsAt: start.value.toISOString(), ...(end.ok ? { endsAt: end.value.toISOString() } : {}), errors };
}

/** Schema errors for fields whose own (better) time error is already reported are dropped. */
function merge(timeErrors: FieldError[], schemaErrors: FieldError[]): FieldError[] {
  const named = new Set(timeErrors.map((error) => error.field));
  // Without a start there is nothing to read the end against: it is not reported on its own.
  if (named.has('startsAt')) named.add('endsAt');
  return [...timeErrors, ...schemaErrors.filter((error) => !named.has(error.field))];
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
  const times = readTimes(values, zone, now);
  const raw = {
    server: options.server,
    title: values.title,
    ...(options.description ? { description: options.description } : {}),
    ...(options.passcode ? { passcode: options.passcode } : {}),
    startsAt: times.startsAt,
    endsAt: times.endsAt,
    emails: splitContacts(values.emails),
    discordChannels: values.channels ?? [],
  };
  const parsed = requestSchema.safeParse(raw);
  const errors = merge(times.errors, parsed.success ? [] : fieldErrors(parsed.error));
  return errors.length === 0 && parsed.success ? { ok: true, command: parsed.data } : { ok: false, fields: errors };
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
  const times = slot
    ? { startsAt: slot.startsAt.toISOString(), endsAt: slot.endsAt.toISOString(), errors: [] }
    : readTimes(values, zone, now);
  const raw = {
    ...(slot ? { server: slot.server } : {}),
    title: values.title,
    ...(values.description !== undefined ? { description: values.description } : {}),
    startsAt: times.startsAt,
    endsAt: times.endsAt,
    emails: splitContacts(values.emails),
    ...(values.channels ? { discordChannels: values.channels } : {}),
  };
  const parsed = changeSchema.safeParse(raw);
  const errors = merge(times.errors, parsed.success ? [] : fieldErrors(parsed.error));
  return errors.length === 0 && parsed.success ? { ok: true, command: parsed.data } : { ok: false, fields: errors };
}

export function toCancelCommand(reason: string) {
  const parsed = cancelSchema.safeParse({ reason });
  return parsed.success
    ? ({ ok: true, command: parsed.data } as const)
    : ({ ok: false, fields: fieldErrors(parsed.error) } as const);
}
