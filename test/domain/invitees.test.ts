import {
  describeContactProblems,
  findContactProblems,
  isEmail,
  normalizeEmail,
  splitContacts,
} from '../../src/domain/invitees.js';

describe('invitee contacts', () => {
  test('free text splits on commas, semicolons, spaces and new lines', () => {
    expect(splitContacts('a@x.org, b@y.org;c@z.org\n d@w.org  ')).toEqual(['a@x.org', 'b@y.org', 'c@z.org', 'd@w.org']);
  });
  test.each([
    'ann@example.org',
    'a.b+tag@sub.example.co.jp',
    'x@a-b.io',
    "o'brien@example.ie",
    'user_name-1@example.org',
    'müller@example.de',
    `${'a'.repeat(64)}@example.org`,
  ])('%s is an e-mail address', (text) => {
    expect(isEmail(text)).toBe(true);
  });
  test.each([
    'ann',
    'ann@',
    '@example.org',
    'ann@example',
    'a b@example.org',
    'ann@@example.org',
    '<ann@example.org>',
    'ann@-x.org',
    // Control characters: nodemailer drops them and would mail someone else (a\u0001b → ab).
    'a\u0001b@x.org',
    'a\u0000b@x.org',
    'a\u007fb@x.org',
    'a\u0085b@x.org',
    'ann@x.org\u0000',
    'a\tb@x.org',
    // Dots in the local part: not first, not last, never two in a row.
    '.ann@example.org',
    'ann.@example.org',
    'an..n@example.org',
    '.@example.org',
    // Specials that belong to address syntax, not to an address.
    'a\\b@example.org',
    'a"b@example.org',
    'a[b]@example.org',
    `${'a'.repeat(65)}@example.org`,
    `a@${'b'.repeat(250)}.org`,
  ])('%j is not an e-mail address', (text) => expect(isEmail(text)).toBe(false));
  test('bad and duplicate entries are named one by one', () => {
    const problems = findContactProblems(['a@x.org', 'nope', 'A@X.org', 'also bad'], isEmail, normalizeEmail);
    expect(problems).toEqual({ invalid: ['nope', 'also bad'], duplicates: ['a@x.org'] });
    expect(describeContactProblems('e-mail addresses', problems)).toBe(
      'Not valid e-mail addresses: "nope", "also bad"; listed twice: "a@x.org".',
    );
  });
});
