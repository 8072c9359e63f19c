/**
 * Chat forms → the commands every front end sends to the core, checked with the same zod schemas
 * as the REST API. Chat adapters read their times into Dates themselves (Slack's pickers give Unix
 * seconds, Discord's free text is parsed in the user's zone), so the schemas here take Dates where
 * the API's take ISO-8601 text; everything else is the API's rule.
 */
import { z } from 'zod';
import { changeSchema, fieldErrors, requestSchema } from '../app/commands.js';
import type { FieldError } from '../domain/policy.js';

const instant = z.date({ error: 'A time is required.' });

export const chatRequestSchema = requestSchema.extend({ startsAt: instant, endsAt: instant });
export const chatChangeSchema = changeSchema.extend({ startsAt: instant.optional(), endsAt: instant.optional() });

export type Checked<T> = { ok: true; command: T } | { ok: false; fields: FieldError[] };

/**
 * Checks a form against a schema. `own` are errors the adapter found reading its fields, in words
 * its users know ("Pick a start date and time."): they replace the schema's for the same field, and
 * without a start the end is not judged on its own.
 */
export function checkCommand<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  own: FieldError[] = [],
): Checked<z.output<S>> {
  const parsed = schema.safeParse(raw);
  const named = new Set(own.map((error) => error.field));
  if (named.has('startsAt')) named.add('endsAt');
  const fields = [
    ...own,
    ...(parsed.success ? [] : fieldErrors(parsed.error).filter((error) => !named.has(error.field))),
  ];
  return fields.length === 0 && parsed.success ? { ok: true, command: parsed.data } : { ok: false, fields };
}
