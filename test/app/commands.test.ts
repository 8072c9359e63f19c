/**
 * The command schemas every front end validates with (API, Slack modal, Discord modal): bad bytes
 * and impossible times come back as field errors, whichever field they are in.
 */
import type { z } from 'zod';
import { cancelSchema, changeSchema, fieldErrors, instantProblem, requestSchema } from '../../src/app/commands.js';
import { listSchema } from '../../src/app/queries.js';
import { serverSchema } from '../../src/app/servers.js';
import { tokenSchema } from '../../src/app/tokens.js';

const request = {
  server: 'studio-a',
  title: 'Launch',
  description: 'Notes',
  startsAt: '2026-12-24T10:00:00Z',
  endsAt: '2026-12-24T11:00:00Z',
  emails: ['ann@example.org'],
  slackChannels: ['C0123456'],
  discordChannels: ['123456789012345678'],
  passcode: 'sesame-42',
};
const server = { name: 'studio-a', ingestBaseUrl: 'rtmp://in.example.org/live', playbackBaseUrl: 'https://w.example' };

/** Puts `bad` into one field of a valid input: into the text, or into the first entry of a list. */
function spoil(input: Record<string, unknown>, field: string, bad: string): Record<string, unknown> {
  const value = input[field];
  if (Array.isArray(value)) return { ...input, [field]: [`${bad}${value[0]}`] };
  const text = String(value);
  return { ...input, [field]: `${text.slice(0, 2)}${bad}${text.slice(2)}` };
}

const cases: Array<[string, z.ZodType, Record<string, unknown>, string]> = [
  ...Object.keys(request).map((field): [string, z.ZodType, Record<string, unknown>, string] => [
    'request',
    requestSchema,
    request,
    field,
  ]),
  ...Object.keys(request).map((field): [string, z.ZodType, Record<string, unknown>, string] => [
    'change',
    changeSchema,
    request,
    field,
  ]),
  ['cancel', cancelSchema, { reason: 'Speaker is ill' }, 'reason'],
  ['list', listSchema, { status: 'permitted', server: 'studio-a', from: request.startsAt }, 'status'],
  ['list', listSchema, { status: 'permitted', server: 'studio-a', from: request.startsAt }, 'server'],
  ['list', listSchema, { status: 'permitted', server: 'studio-a', from: request.startsAt }, 'from'],
  ['server', serverSchema, server, 'name'],
  ['server', serverSchema, server, 'ingestBaseUrl'],
  ['server', serverSchema, server, 'playbackBaseUrl'],
  ['token', tokenSchema, { name: 'ops', admin: false, email: 'ops@example.org' }, 'name'],
  ['token', tokenSchema, { name: 'ops', admin: false, email: 'ops@example.org' }, 'email'],
];

describe.each([
  ['a NUL', '\u0000'],
  ['a lone high surrogate', '\ud800'],
  ['a lone low surrogate', '\udc00'],
])('GIVEN %s', (_what, bad) => {
  test.each(cases)('in the %s field %s THEN exactly that field is named', (_kind, schema, valid, field) => {
    expect(schema.safeParse(valid).success).toBe(true);
    const parsed = schema.safeParse(spoil(valid, field, bad));
    expect(parsed.success).toBe(false);
    const errors = parsed.success ? [] : fieldErrors(parsed.error);
    expect(errors.map((error) => error.field)).toEqual([field]);
  });
});

test('a surrogate pair (an emoji) is text like any other', () => {
  expect(requestSchema.safeParse({ ...request, title: 'Launch 🚀', description: '🎉' }).success).toBe(true);
});

describe('instants', () => {
  test.each([
    ['2027-02-29T10:00:00Z', /February 2027 has 28 days/],
    ['2026-04-31T10:00:00+09:00', /April 2026 has 30 days/],
    ['2026-06-31T10:00:00Z', /June 2026 has 30 days/],
    ['2100-02-29T10:00:00Z', /February 2100 has 28 days/],
    ['2026-00-10T10:00:00Z', /no month 0/],
    ['2026-13-10T10:00:00Z', /no month 13/],
    ['2026-12-00T10:00:00Z', /December 2026 has 31 days/],
    ['2026-12-24T24:00:00Z', /hours go from 00 to 23/],
    ['2026-12-24T10:60:00Z', /minutes and seconds/],
    ['2026-12-24T10:00:60Z', /minutes and seconds/],
    ['2026-12-24T10:00:00+24:00', /offset/],
    ['2026-12-24T10:00:00+09:60', /offset/],
    ['2026-12-24T10:00:00', /ISO-8601 with an offset/],
    ['24 Dec 2026 10:00 UTC', /ISO-8601 with an offset/],
  ])('%s is refused with a reason', (text, reason) => {
    expect(instantProblem(text)).toMatch(reason);
    const parsed = requestSchema.safeParse({ ...request, startsAt: text });
    expect(parsed.success ? [] : fieldErrors(parsed.error)).toEqual([
      { field: 'startsAt', message: expect.stringMatching(reason) },
    ]);
  });

  test.each([
    ['2028-02-29T10:00:00Z', '2028-02-29T10:00:00.000Z'],
    ['2000-02-29T23:59:59.999+09:00', '2000-02-29T14:59:59.999Z'],
    ['2026-12-31T23:59:00-05:30', '2027-01-01T05:29:00.000Z'],
    ['2026-12-24T10:00+0900', '2026-12-24T01:00:00.000Z'],
  ])('%s is the instant %s', (text, iso) => {
    expect(instantProblem(text)).toBeUndefined();
    const parsed = requestSchema.parse({ ...request, startsAt: text, endsAt: '2030-01-01T00:00:00Z' });
    expect(parsed.startsAt.toISOString()).toBe(iso);
  });
});
