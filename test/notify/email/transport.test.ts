/**
 * The e-mail transport over real SMTP (smtp-server), the received messages parsed with
 * mailparser: one calendar, offered the two ways calendar clients look for it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/log.js';
import { createEmailTransport } from '../../../src/notify/email/transport.js';
import type { Transport } from '../../../src/notify/transport.js';
import type { TestSmtp } from '../../support/smtp.js';
import { startTestSmtp } from '../../support/smtp.js';
import { makeMessage } from '../../support/messages.js';

let smtp: TestSmtp;
let transport: Transport;
let dataDir: string;

beforeAll(async () => {
  smtp = await startTestSmtp();
  dataDir = mkdtempSync(join(tmpdir(), 'slotcast-mail-'));
  const config = loadConfig({ SMTP_URL: smtp.url, MAIL_FROM: 'Slotcast <bookings@slotcast.test>', DATA_DIR: dataDir });
  transport = await createEmailTransport(config, silentLogger);
});
afterAll(async () => {
  await transport.close?.();
  await smtp.close();
  rmSync(dataDir, { recursive: true, force: true });
});

let counter = 0;
async function deliver(...args: Parameters<typeof makeMessage>): Promise<ParsedMail> {
  const recipient = `reader${++counter}@example.org`;
  const message = makeMessage(args[0], { ...args[1], recipient: { channel: 'email', recipient } });
  expect(await transport.send({ message, attempt: 1 })).toMatchObject({ status: 'delivered' });
  await smtp.waitForCount(counter);
  return smtp.to(recipient)[0]!.parsed;
}

const calendarParts = (mail: ParsedMail) =>
  mail.attachments.filter(
    (part) => /^(text\/calendar|application\/ics)/.test(part.contentType) || /\.ics$/.test(part.filename ?? ''),
  );

test.each([
  ['invitation_confirmed', 'request', 'REQUEST'],
  ['cancellation_notice', 'cancel', 'CANCEL'],
  ['invitation_withdrawn', 'cancel', 'CANCEL'],
] as const)(
  'a %s carries its calendar once as the text/calendar alternative and once as invite.ics, the same text',
  async (event, calendar, method) => {
    const mail = await deliver(event, { calendar });
    const parts = calendarParts(mail);
    expect(parts.map((part) => `${part.contentType} ${part.filename ?? ''}`.trim()).sort()).toEqual([
      'application/ics invite.ics',
      'text/calendar',
    ]);
    const [first, second] = parts.map((part) => part.content.toString('utf8'));
    expect(first).toBe(second);
    expect(first).toMatch(new RegExp(`^METHOD:${method}\\r$`, 'm'));
    expect(mail.text).toContain('Launch');
  },
);

test('a message whose row plans no calendar carries none', async () => {
  const mail = await deliver('change_notice', { calendar: 'none' });
  expect(calendarParts(mail)).toEqual([]);
  expect(mail.subject).toBe('Changed: Launch');
});

test.each([
  ['a Q-encoded line break and Bcc', '=?utf-8?Q?a=0D=0ABcc:_evil@example.org?='],
  ['a B-encoded one among words', 'Launch =?utf-8?B?YQ0KQmNjOiBldmlsQGV4YW1wbGUub3Jn?= party'],
  ['an encoded bidi override', 'Launch =?UTF-8?Q?=E2=80=AE?= gnp.exe'],
])('GIVEN a title holding %s THEN the parsed Subject is the title literally, and no Bcc appears', async (_, title) => {
  const mail = await deliver('invitation_confirmed', { reservation: { title } });
  expect(mail.subject).toBe(`Invitation: ${title}`);
  expect(mail.headers.has('bcc')).toBe(false);
  expect(mail.bcc).toBeUndefined();
  const received = smtp.received.at(-1)!;
  expect(received.to).toHaveLength(1);
  expect(received.raw.toString('latin1')).not.toMatch(/^Bcc:/im);
});
