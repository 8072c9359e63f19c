/**
 * Modal state → the shared commands, with errors on their blocks.
 * No infrastructure.
 */
import { blockErrors, parseChange, parseRequest, readForm } from '../../src/slack/form.js';
import { formValues } from '../support/slack-harness.js';

describe('submission', () => {
  const start = Date.parse('2026-12-01T10:00:00Z') / 1000;

  test('GIVEN a filled form THEN a request command: e-mails split on commas, spaces and lines and lower-cased; empty passcode left to the core', () => {
    const parsed = parseRequest(
      readForm(
        formValues({
          serverId: 'srv',
          startsAt: start,
          endsAt: start + 3600,
          emails: 'Ann@X.org, b@y.org\n c@z.org',
          channels: ['C0ABCDEF1'],
        }),
      ),
    );
    expect(parsed).toEqual({
      ok: true,
      command: expect.objectContaining({
        server: 'srv',
        title: 'Launch stream',
        startsAt: new Date(start * 1000),
        endsAt: new Date((start + 3600) * 1000),
        emails: ['ann@x.org', 'b@y.org', 'c@z.org'],
        slackChannels: ['C0ABCDEF1'],
        description: null,
      }),
    });
    expect(parsed.ok && 'passcode' in parsed.command).toBe(false);
  });

  test('GIVEN no times and no server THEN each error is on its own block, in words', () => {
    const parsed = parseRequest(readForm(formValues({})));
    expect(parsed).toEqual({
      ok: false,
      errors: {
        starts_at: 'Pick a start date and time.',
        ends_at: 'Pick an end date and time.',
        server: 'The server is required (its name or id).',
      },
    });
  });

  test('GIVEN a change with an empty passcode THEN the passcode is left out (kept)', () => {
    const parsed = parseChange(
      readForm(formValues({ serverId: 'srv', startsAt: start, endsAt: start + 60, passcode: '' })),
    );
    expect(parsed.ok && parsed.command.passcode).toBeUndefined();
  });

  test('GIVEN core field errors THEN they map to block ids, unknown fields to the title, several on one block joined', () => {
    expect(
      blockErrors([
        { field: 'slackChannels', message: 'A.' },
        { field: 'startsAt', message: 'B.' },
        { field: 'startsAt', message: 'C.' },
        { field: 'discordChannels', message: 'D.' },
      ]),
    ).toEqual({ channels: 'A.', starts_at: 'B. C.', title: 'D.' });
  });
});
