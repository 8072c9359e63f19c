/**
 * Characters people cannot see: bidi controls in typed text, invisible ones in addresses — found,
 * refused with the field error every front end shows, and stripped where text is printed.
 */
import { changeSchema, fieldErrors, requestSchema } from '../../src/app/commands.js';
import { isEmail } from '../../src/domain/invitees.js';
import { bidiControlIn, invisibleCharacterIn, stripBidiControls } from '../../src/domain/text.js';

const request = (overrides: Record<string, unknown>) => ({
  server: 'studio-a',
  title: 'Launch',
  startsAt: '2026-12-03T10:00:00Z',
  endsAt: '2026-12-03T11:00:00Z',
  ...overrides,
});

const errorsOf = (schema: typeof requestSchema | typeof changeSchema, input: unknown) => {
  const parsed = schema.safeParse(input);
  return parsed.success ? [] : fieldErrors(parsed.error);
};

test.each([['\u202a'], ['\u202b'], ['\u202c'], ['\u202d'], ['\u202e'], ['\u2066'], ['\u2067'], ['\u2068'], ['\u2069']])(
  'GIVEN bidi control %j THEN it is found with its position and code point, and stripped',
  (control) => {
    const found = bidiControlIn(`ab${control}c`);
    expect(found).toEqual({ position: 3, codePoint: `U+${control.codePointAt(0)!.toString(16).toUpperCase()}` });
    expect(stripBidiControls(`Launch ${control}gnp.exe`)).toBe('Launch gnp.exe');
  },
);

test('GIVEN right-to-left text with its marks, emoji and accents THEN no bidi control is found', () => {
  for (const ordinary of ['שלום עולם', 'مرحبا\u200f', 'Café 🎉 Zürich', '👩‍💻 pair programming'])
    expect(bidiControlIn(ordinary)).toBeUndefined();
});

test.each([
  ['\u200b', 'U+200B'],
  ['\u200c', 'U+200C'],
  ['\u200d', 'U+200D'],
  ['\u2060', 'U+2060'],
  ['\ufeff', 'U+FEFF'],
  ['\u00ad', 'U+00AD'],
  ['\u202e', 'U+202E'],
  ['\u{e0041}', 'U+E0041'],
])(
  'GIVEN invisible %j in an address THEN it is found, and the address is not an e-mail address',
  (hidden, codePoint) => {
    const address = `ann${hidden}@example.org`;
    expect(invisibleCharacterIn(address)).toEqual({ position: 4, codePoint });
    expect(isEmail(address)).toBe(false);
    expect(isEmail('ann@example.org')).toBe(true);
  },
);

test('GIVEN a bidi control in the title, description or reason THEN one field error naming the field and the character', () => {
  expect(errorsOf(requestSchema, request({ title: 'Launch \u202egnp.exe' }))).toEqual([
    {
      field: 'title',
      message:
        'The title cannot contain bidirectional control characters (U+202A–U+202E, U+2066–U+2069), which reverse the text around them: remove the U+202E at character 8.',
    },
  ]);
  expect(errorsOf(changeSchema, { description: 'Notes \u2067here' })).toEqual([
    {
      field: 'description',
      message: expect.stringMatching(/^The description cannot contain bidirectional .* U\+2067 at character 7\.$/),
    },
  ]);
});

test('GIVEN an invisible character in an invitee’s address THEN the error names the address by its place, not by what it looks like', () => {
  const errors = errorsOf(requestSchema, request({ emails: ['bob@example.org', 'ann\u200b@example.org'] }));
  expect(errors).toEqual([
    {
      field: 'emails',
      message: 'E-mail address 2 holds an invisible character (U+200B) at character 4: type it again without it.',
    },
  ]);
  expect(errors[0]!.message).not.toContain('ann');
  // Not also "listed twice" or "not valid": one error for one problem.
  expect(errorsOf(requestSchema, request({ emails: ['ann@example.org', 'ann\u2060@example.org'] }))).toHaveLength(1);
});
