/**
 * An organizer with no chat (an API token with an e-mail address): the permit prompt comes by
 * real SMTP, is parsed back, and its one-time links are followed over HTTP with cookies, as a
 * browser would — to the reservation's card, one press away from reconfirming.
 */
import { createToken } from '../../../src/app/tokens.js';
import { createLogger } from '../../../src/log.js';
import { HOUR, makeServer, waitFor } from '../../support/fixtures.js';
import type { TestService } from '../../support/service.js';
import { startTestService } from '../../support/service.js';
import type { TestSmtp } from '../../support/smtp.js';
import { startTestSmtp } from '../../support/smtp.js';

let smtp: TestSmtp;
let world: TestService;
let token: string;
let serverName: string;
const logLines: string[] = [];
const email = 'eve@example.org';

beforeAll(async () => {
  smtp = await startTestSmtp();
  const log = createLogger({ level: 'debug', format: 'json', write: (line) => void logLines.push(line) });
  world = await startTestService({ SMTP_URL: smtp.url, MAIL_FROM: 'Slotcast <bookings@slotcast.test>' }, log);
  const created = await createToken(world.db.prisma, { name: 'eve', admin: false, email });
  if (!created.ok) throw new Error(created.message);
  token = created.value.token;
  serverName = (await makeServer(world.db.prisma)).name;
}, 60_000);
afterAll(async () => {
  await world.close();
  await smtp.close();
});

const base = () => world.service.url!;

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${base()}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the API's answer, read as the test needs it
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

let slot = 0;
/** Requests a reservation through the API and returns it with its permit prompt, parsed. */
async function reservationWithPrompt() {
  slot += 2;
  const at = (hours: number) => new Date(Math.ceil((Date.now() + hours * HOUR) / 60_000) * 60_000).toISOString();
  const answer = await api('POST', '/reservations', {
    server: serverName,
    title: 'Quarterly review',
    startsAt: at(72 + slot),
    endsAt: at(73 + slot),
    emails: ['viewer@example.org'],
  });
  expect(answer.status).toBe(201);
  const reservation = answer.body.reservation;
  const mail = await waitFor(
    () =>
      smtp
        .to(email)
        .find(
          (received) =>
            received.parsed.headers.get('x-slotcast-reservation') === reservation.code &&
            received.parsed.subject?.startsWith('Permitted:'),
        )?.parsed,
    20_000,
  );
  return { reservation, mail };
}

/** The value of a "Label: value" line of the plain text. */
const line = (text: string, label: string) => new RegExp(`^${label}: (\\S+)$`, 'm').exec(text)?.[1];

interface Browser {
  cookies: Map<string, string>;
}

/** One request as a browser makes it: its cookies sent, the answer's kept, no redirect followed. */
async function visit(browser: Browser, url: string, init: { method?: string; form?: Record<string, string> } = {}) {
  const response = await fetch(new URL(url, base()), {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers: {
      cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
  });
  for (const cookie of response.headers.getSetCookie()) {
    const [pair] = cookie.split(';');
    const at = pair!.indexOf('=');
    browser.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
  }
  return { status: response.status, location: response.headers.get('location'), body: await response.text() };
}

test('GIVEN an e-mail-only organizer THEN the permit prompt’s Reconfirm link signs them in on the card, one press from reconfirming; used twice it is refused', async () => {
  const { reservation, mail } = await reservationWithPrompt();
  const text = mail.text!;
  expect(text).not.toMatch(/\/reserve open|Slack or Discord/);
  const reconfirm = line(text, 'Reconfirm');
  const manage = line(text, 'Manage this reservation');
  expect(reconfirm).toMatch(new RegExp(`^${base()}/open/wl_[\\w-]{43}\\?then=reconfirm$`));
  expect(manage).toMatch(new RegExp(`^${base()}/open/wl_[\\w-]{43}$`));
  // The HTML part links the same two.
  expect(mail.html).toContain(`href="${reconfirm}"`);
  expect(mail.html).toContain(`href="${manage}"`);

  // Opening it is a GET, as a mail scanner’s fetch is: it signs in and reconfirms nothing …
  const browser: Browser = { cookies: new Map() };
  const opened = await visit(browser, reconfirm!);
  expect(opened.status).toBe(303);
  expect(opened.location).toBe(`/r/${reservation.code}?ask=reconfirm`);
  expect(browser.cookies.has('slotcast_session')).toBe(true);
  const card = await visit(browser, opened.location!);
  expect(card.status).toBe(200);
  expect(card.body).toContain(reservation.code);
  expect(card.body).toContain('Nothing is reconfirmed yet: press Reconfirm to reconfirm it.');
  expect((await api('GET', `/reservations/${reservation.code}`)).body.reservation.status).toBe('permitted');

  // … one press does it.
  const csrf = /name="_csrf" value="([^"]+)"/.exec(card.body)?.[1];
  expect(csrf).toBeDefined();
  const pressed = await visit(browser, `/r/${reservation.code}/reconfirm`, { method: 'POST', form: { _csrf: csrf! } });
  expect(pressed.status).toBe(303);
  expect((await api('GET', `/reservations/${reservation.code}`)).body.reservation.status).toBe('confirmed');

  // Used once, the link is refused clearly, in any browser.
  const again = await visit({ cookies: new Map() }, reconfirm!);
  expect(again.status).toBe(410);
  expect(again.body).toContain('This link was already used');

  // The Manage link is a link of its own, to the same card.
  const other: Browser = { cookies: new Map() };
  const managed = await visit(other, manage!);
  expect(managed.location).toBe(`/r/${reservation.code}`);
  expect((await visit(other, managed.location!)).status).toBe(200);
}, 60_000);

test('GIVEN the prompt’s links THEN the Reconfirm one lasts until the deadline, the Manage one until the end; expired, refused clearly', async () => {
  const { reservation, mail } = await reservationWithPrompt();
  const { rows } = await world.service.deps.pool.query<{ expires_at: Date }>(
    `SELECT expires_at FROM web_link WHERE reservation_code = $1 ORDER BY expires_at`,
    [reservation.code],
  );
  expect(rows.map((row) => row.expires_at.toISOString())).toEqual([reservation.reconfirmDeadline, reservation.endsAt]);

  await world.service.deps.pool.query(
    `UPDATE web_link SET expires_at = now() - interval '1 minute' WHERE reservation_code = $1`,
    [reservation.code],
  );
  const expired = await visit({ cookies: new Map() }, line(mail.text!, 'Manage this reservation')!);
  expect(expired.status).toBe(410);
  expect(expired.body).toContain('This link has expired');
}, 60_000);

test('no sign-in link, nor the session it opens, is ever in a log line', () => {
  const mails = smtp.to(email).map((mail) => mail.parsed.text ?? '');
  const tokens = mails.flatMap((text) => [...text.matchAll(/\/open\/(wl_[\w-]{43})/g)].map((match) => match[1]!));
  expect(tokens.length).toBeGreaterThanOrEqual(4);
  const logged = logLines.join('\n');
  expect(logLines.some((entry) => entry.includes('web sign-in link issued'))).toBe(true);
  for (const secret of tokens) expect(logged).not.toContain(secret);
  expect(logged).not.toMatch(/\/open\/wl_|ws_[\w-]{43}/);
});
