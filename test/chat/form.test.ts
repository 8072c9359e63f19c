/**
 * Chat forms checked against the API's schemas, with the adapters' own words for their fields.
 */
import { chatChangeSchema, chatRequestSchema, checkCommand } from '../../src/chat/form.js';

const START = new Date('2027-03-28T17:00:00.000Z');
const END = new Date('2027-03-28T18:00:00.000Z');
const valid = { server: 'main', title: 'Keynote', startsAt: START, endsAt: END, emails: ['Ann@Example.org'] };

describe('checkCommand', () => {
  test('GIVEN a valid form with Dates THEN the command holds the same instants and the normalized fields', () => {
    expect(checkCommand(chatRequestSchema, valid)).toEqual({
      ok: true,
      command: expect.objectContaining({ startsAt: START, endsAt: END, emails: ['ann@example.org'] }),
    });
  });

  test("GIVEN the adapter's own error for a field THEN it replaces the schema's, and other fields are still checked", () => {
    const checked = checkCommand(chatRequestSchema, { ...valid, endsAt: undefined, emails: ['nope'] }, [
      { field: 'endsAt', message: 'Pick an end date and time.' },
    ]);
    expect(checked).toEqual({
      ok: false,
      fields: [
        { field: 'endsAt', message: 'Pick an end date and time.' },
        { field: 'emails', message: 'Not valid e-mail addresses: "nope".' },
      ],
    });
  });

  test('GIVEN no start THEN the end is not judged on its own', () => {
    const checked = checkCommand(chatRequestSchema, { ...valid, startsAt: undefined, endsAt: 'soon' }, [
      { field: 'startsAt', message: '"banana" is not a time.' },
    ]);
    expect(checked).toEqual({ ok: false, fields: [{ field: 'startsAt', message: '"banana" is not a time.' }] });
  });

  test('GIVEN a change THEN every field is optional, but what is given is checked', () => {
    expect(checkCommand(chatChangeSchema, { title: 'Renamed' })).toEqual({ ok: true, command: { title: 'Renamed' } });
    expect(checkCommand(chatChangeSchema, { title: '' })).toMatchObject({ ok: false, fields: [{ field: 'title' }] });
  });
});
