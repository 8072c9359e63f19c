/**
 * The e-mail for every event, composed as the transport composes it, built into a real MIME
 * message by nodemailer and parsed back with mailparser.
 */
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import type { NotificationEvent } from '../../../src/domain/notifications.js';
import { composeMail } from '../../../src/notify/email/transport.js';
import type { MessageModel } from '../../../src/notify/message.js';
import { headline } from '../../../src/notify/message.js';
import { EVENTS, makeMessage } from '../../support/messages.js';

const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
afterAll(() => builder.close());

const settings = {
  from: 'Slotcast <bookings@slotcast.test>',
  fromAddress: 'bookings@slotcast.test',
  timeZone: 'Asia/Tokyo',
};

async function mailFor(message: MessageModel, timeZone = settings.timeZone): Promise<ParsedMail> {
  const info = await builder.sendMail(composeMail(message, { ...settings, timeZone }));
  return simpleParser((info as unknown as { message: Buffer }).message);
}

const WATCHING: NotificationEvent[] = [
  'permit_prompt',
  'invitation_tentative',
  'invitation_confirmed',
  'confirmation_notice',
  'change_notice',
  'start_reminder',
];

describe.each(EVENTS)('the %s e-mail', (event) => {
  let mail: ParsedMail;
  const message = makeMessage(event);
  beforeAll(async () => {
    mail = await mailFor(message);
  });

  test('has the subject line of its event, from Slotcast, to the recipient, with a stable Message-ID', () => {
    expect(mail.subject).toBe(headline(message));
    expect(mail.from?.value[0]?.address).toBe('bookings@slotcast.test');
    expect(mail.to && !Array.isArray(mail.to) && mail.to.value[0]?.address).toBe('viewer@example.org');
    expect(mail.messageId).toBe(`<${message.notificationId}@slotcast>`);
  });

  test('opens with the title as a heading, and names it in the first sentence', () => {
    const [heading, underline, blank, first] = mail.text!.split('\n');
    expect([heading, underline, blank]).toEqual(['Launch', '======', '']);
    expect(first).toContain('*Launch*');
    expect(mail.html).toContain('<h1 dir="auto" style="font-size:1.4em">Launch</h1>');
    expect(/<p>(.*?)<\/p>/.exec(String(mail.html))?.[1]).toContain('<strong><bdi>Launch</bdi></strong>');
  });

  test('names the zone of its times (JST), never a bare GMT offset', () => {
    expect(mail.text).not.toMatch(/GMT[+-]/);
    if (event !== 'delivery_failure_report') expect(mail.text).toMatch(/\d{2}:\d{2} JST/);
  });

  test(`${WATCHING.includes(event) ? 'carries' : 'does not carry'} the playback URL and passcode`, () => {
    const expected = WATCHING.includes(event);
    expect(mail.text!.includes('SESAME4242')).toBe(expected);
    expect(String(mail.html).includes('SESAME4242')).toBe(expected);
    expect(mail.text!.includes('Watch at: https://watch.example.org/hls/R-7K3Q')).toBe(expected);
  });

  test(`${event === 'permit_prompt' ? 'carries' : 'never carries'} the stream key`, () => {
    expect(mail.text!.includes('sk_secret')).toBe(event === 'permit_prompt');
    expect(String(mail.html).includes('sk_secret')).toBe(event === 'permit_prompt');
  });
});

test('an invitation says who invites, to what, and when, in its first sentence', async () => {
  const mail = await mailFor(makeMessage('invitation_confirmed'));
  expect(mail.text!.split('\n')[3]).toBe('Aiko invites you to *Launch* — live on Thu, 3 Dec 2026, 19:00 JST.');
  expect(mail.text).toContain('When: Thu, 3 Dec 2026, 19:00 – 20:00 JST (10:00 – 11:00 UTC)');
});

test('in UTC, no time names its zone twice, in the text or the HTML', async () => {
  for (const event of EVENTS) {
    const mail = await mailFor(makeMessage(event), 'UTC');
    for (const part of [mail.text ?? '', String(mail.html)]) {
      expect(part).not.toMatch(/UTC\)? \(UTC\)/);
      expect(part).not.toMatch(/\(UTC\)/);
    }
  }
  const mail = await mailFor(makeMessage('invitation_confirmed'), 'UTC');
  expect(mail.text).toContain('When: Thu, 3 Dec 2026, 10:00 – 11:00 UTC\n');
  expect(mail.html).toContain('<td>Thu, 3 Dec 2026, 10:00 – 11:00 UTC</td>');
});

test('a change notice gives each changed time in the zone and in UTC, old → new', async () => {
  const mail = await mailFor(makeMessage('change_notice'));
  expect(mail.text).toContain(
    '• Start: Thu, 3 Dec 2026, 18:00 JST (09:00 UTC) → Thu, 3 Dec 2026, 19:00 JST (10:00 UTC)',
  );
  expect(mail.text).toContain('*Launch* was changed by Aiko on Tue, 1 Dec 2026, 17:00 JST.');
});

test('an invitee taken off the list is told so, and not that the stream is cancelled', async () => {
  const mail = await mailFor(makeMessage('invitation_withdrawn'));
  expect(mail.subject).toBe('No longer invited: Launch');
  expect(mail.text).toContain('You are no longer invited to *Launch*');
  expect(mail.text).toContain('The stream itself goes ahead.');
  expect(mail.text).not.toMatch(/cancel/i);
});

test('a cancellation gives the reason', async () => {
  const mail = await mailFor(makeMessage('cancellation_notice'));
  expect(mail.text).toMatch(/^\*Launch\* \(.*\) is cancelled: Speaker is ill$/m);
});

test('in UTC, times are written once, in UTC', async () => {
  const mail = await mailFor(makeMessage('change_notice'), 'UTC');
  expect(mail.text).toContain('• Start: Thu, 3 Dec 2026, 09:00 UTC → Thu, 3 Dec 2026, 10:00 UTC');
});

test('user text is escaped in HTML and kept as typed in text', async () => {
  const title = 'Q&A <script>alert(1)</script>';
  const mail = await mailFor(makeMessage('invitation_confirmed', { reservation: { title } }));
  expect(mail.html).not.toContain('<script>');
  expect(mail.html).toContain(
    '<h1 dir="auto" style="font-size:1.4em">Q&amp;A &lt;script&gt;alert(1)&lt;/script&gt;</h1>',
  );
  expect(mail.text!.split('\n')[0]).toBe(title);
  expect(mail.subject).toBe(`Invitation: ${title}`);
});

test('with a public URL, the organizer’s permit prompt and reminder link to the reservation’s page; invitees’ e-mails do not', async () => {
  const withUrl = async (event: NotificationEvent) => {
    const info = await builder.sendMail(
      composeMail(makeMessage(event), { ...settings, publicUrl: 'https://slotcast.example.org' }),
    );
    return simpleParser((info as unknown as { message: Buffer }).message);
  };
  const page = 'https://slotcast.example.org/r/R-7K3Q';
  for (const event of ['permit_prompt', 'reconfirm_reminder'] as const) {
    const mail = await withUrl(event);
    expect(mail.text).toContain(`Manage it at: ${page}`);
    expect(mail.html).toContain(`<a href="${page}">${page}</a>`);
  }
  for (const event of ['invitation_confirmed', 'change_notice', 'cancellation_notice'] as const) {
    expect((await withUrl(event)).text).not.toContain('/r/R-7K3Q');
  }
  // Without one (a service whose address is unknown to the worker), no link.
  expect((await mailFor(makeMessage('permit_prompt'))).text).not.toContain('Manage it at');
});

test('GIVEN sign-in links THEN the permit prompt and the reconfirm reminder carry Reconfirm and Manage this reservation, and say a link reconfirms nothing by itself', async () => {
  const signIn = {
    reconfirm: 'https://slotcast.example.org/open/wl_reconfirm?then=reconfirm',
    manage: 'https://slotcast.example.org/open/wl_manage',
  };
  for (const event of ['permit_prompt', 'reconfirm_reminder'] as const) {
    const info = await builder.sendMail(
      composeMail(makeMessage(event), { ...settings, publicUrl: 'https://slotcast.example.org' }, signIn),
    );
    const mail = await simpleParser((info as unknown as { message: Buffer }).message);
    expect(mail.text).toContain(`Reconfirm: ${signIn.reconfirm}\n`);
    expect(mail.text).toContain(`Manage this reservation: ${signIn.manage}\n`);
    expect(mail.text).toContain('Opening Reconfirm reconfirms nothing by itself');
    expect(mail.text).not.toMatch(/\/reserve open|Slack or Discord/);
    expect(mail.html).toContain(`<a href="${signIn.reconfirm}">`);
    expect(mail.html).toContain(`<a href="${signIn.manage}">`);
  }
});

test('GIVEN bidi controls in a chat name or a title stored before the rule THEN the e-mail prints none, and isolates the title in HTML', async () => {
  const message = makeMessage('invitation_confirmed', {
    actorName: 'Aiko\u202e',
    reservation: {
      title: 'Launch \u202egnp.exe',
      organizer: { platform: 'slack', tenantId: 'T1', userId: 'U1', name: 'Mallory\u202e\u2067' },
    },
  });
  const mail = await mailFor(message);
  for (const part of [mail.subject ?? '', mail.text ?? '', String(mail.html)])
    expect(part).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  expect(mail.subject).toBe('Invitation: Launch gnp.exe');
  expect(mail.text).toContain('Mallory invites you to *Launch gnp.exe*');
  expect(mail.html).toContain('<h1 dir="auto" style="font-size:1.4em">Launch gnp.exe</h1>');
  expect(mail.html).toContain('<strong><bdi>Launch gnp.exe</bdi></strong>');
});

test('GIVEN mail an invitee gets THEN it never names the server (an operator’s word, studio-a); the organizer’s own mails do', async () => {
  const serverChange = { field: 'server' as const, from: 'studio-a', to: 'studio-b.internal.example.org' };
  for (const event of ['invitation_tentative', 'invitation_confirmed', 'start_reminder', 'change_notice'] as const) {
    const mail = await mailFor(makeMessage(event, event === 'change_notice' ? { changes: [serverChange] } : {}));
    for (const part of [mail.text ?? '', String(mail.html)]) {
      expect(part).not.toMatch(/studio-a|studio-b|internal\.example\.org/);
      expect(part).not.toMatch(/>Server<|^Server:/m);
    }
    expect(mail.text).toContain('Watch at: https://watch.example.org/hls/R-7K3Q');
  }
  const moved = await mailFor(makeMessage('change_notice', { changes: [serverChange] }));
  expect(moved.text).toContain('• Where it streams: moved; watch at the link above.');
  expect((await mailFor(makeMessage('permit_prompt'))).text).toContain('Server: studio-a');
});
