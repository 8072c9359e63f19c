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
  test.each(['ann@example.org', 'a.b+tag@sub.example.co.jp', 'x@a-b.io'])('%s is an e-mail address', (text) => {
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
  ])('%s is not an e-mail address', (text) => expect(isEmail(text)).toBe(false));
  test('bad and duplicate entries are named one by one', () => {
    const problems = findContactProblems(['a@x.org', 'nope', 'A@X.org', 'also bad'], isEmail, normalizeEmail);
    expect(problems).toEqual({ invalid: ['nope', 'also bad'], duplicates: ['a@x.org'] });
    expect(describeContactProblems('e-mail addresses', problems)).toBe(
      'Not valid e-mail addresses: "nope", "also bad"; listed twice: "a@x.org".',
    );
  });
});
