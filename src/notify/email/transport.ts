/**
 * The e-mail channel (claim 8): nodemailer over pooled SMTP when SMTP_URL is set; otherwise each
 * message is written as an .eml file under DATA_DIR/outbox, so a fresh install shows what it
 * would send without any account.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import nodemailer from 'nodemailer';
import { encodeWord } from 'nodemailer/lib/mime-funcs';
import type { SendMailOptions, TransportOptions } from 'nodemailer';
import type { Config } from '../../config.js';
import type { Logger } from '../../log.js';
import type { MessageModel } from '../message.js';
import type { Transport, Delivery, DeliveryResult } from '../transport.js';
import { buildCalendar } from './ics.js';
import type { EmailLinks } from './render.js';
import { renderEmail } from './render.js';

/** A stable Message-ID per outbox row: a resend after a crash carries the same id, which lets receiving systems drop the duplicate. */
export function messageIdFor(notificationId: string): string {
  return `<${notificationId}@slotcast>`;
}

/**
 * The Subject as header text that every client shows literally. nodemailer passes an ASCII
 * subject through as typed, so a title holding MIME encoded-words (`=?utf-8?Q?a=0D=0ABcc:…?=`)
 * would be decoded by the reader's client into whatever it encodes — a line break and a Bcc
 * line, a bidi control. Encoded here as a whole, such text is decoded once, into itself.
 */
export function subjectHeader(subject: string): string {
  return subject.includes('=?') ? encodeWord(subject, 'B', 52) : subject;
}

/** The address alone of a From header ("Slotcast <bookings@example.org>" → bookings@example.org). */
export function mailAddress(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from;
}

export interface MailSettings {
  /** The From header, e.g. "Slotcast <bookings@example.org>". */
  from: string;
  /** Its address alone: the calendar ORGANIZER, since replies about the entry reach Slotcast. */
  fromAddress: string;
  /** Where times in the text are written (MAIL_TIME_ZONE). */
  timeZone: string;
  /** The service's public base URL, for links to its web pages; none when unset. */
  publicUrl?: string;
}

/**
 * The whole e-mail for a message: text, HTML and, when the recipient's calendar is to change, the
 * calendar. nodemailer's `icalEvent` adds it twice on its own — as the text/calendar alternative
 * calendar clients act on, and as the invite.ics attachment others offer — so nothing else is
 * attached.
 */
export function composeMail(
  message: MessageModel,
  settings: MailSettings,
  signIn: Pick<EmailLinks, 'reconfirm' | 'manage'> = {},
): SendMailOptions {
  const rendered = renderEmail(message, settings.timeZone, {
    ...(settings.publicUrl ? { organizerPage: `${settings.publicUrl}/r/${message.reservation.code}` } : {}),
    ...signIn,
  });
  const calendar = buildCalendar(message, { name: message.reservation.organizer.name, email: settings.fromAddress });
  return {
    from: settings.from,
    to: message.recipient.recipient,
    subject: subjectHeader(rendered.subject),
    text: rendered.text,
    html: rendered.html,
    messageId: messageIdFor(message.notificationId),
    headers: { 'X-Slotcast-Reservation': message.reservation.code },
    ...(calendar ? { icalEvent: { method: calendar.method, content: calendar.content } } : {}),
  };
}

/**
 * Makes the one-time sign-in links of an organizer's e-mail (src/app/web-access.ts), or none
 * (a message that carries none, or no service to sign in to).
 */
export type MailedLinks = (message: MessageModel) => Promise<Pick<EmailLinks, 'reconfirm' | 'manage'>>;

/** The e-mails that ask the organizer to act carry sign-in links: the permit prompt and the reconfirm reminder. */
export function carriesSignInLinks(message: MessageModel): boolean {
  return message.event === 'permit_prompt' || message.event === 'reconfirm_reminder';
}

export async function createEmailTransport(
  config: Config,
  log: Logger,
  publicUrl: () => string | undefined = () => config.http.publicUrl,
  mailedLinks: MailedLinks = async () => ({}),
): Promise<Transport> {
  const from = config.mail.from;
  const fromAddress = mailAddress(from);
  const transport = config.mail.smtpUrl
    ? nodemailer.createTransport(
        // nodemailer reads host, port, TLS and auth from the URL; pool keeps connections open.
        { url: config.mail.smtpUrl, pool: true, maxConnections: 5, maxMessages: 500 } as unknown as TransportOptions,
      )
    : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const outboxDir = resolve(config.dataDir, 'outbox');
  if (!config.mail.smtpUrl) {
    await mkdir(outboxDir, { recursive: true });
    log.info('SMTP_URL is unset: e-mails are written as .eml files', { directory: outboxDir });
  }

  async function send({ message }: Delivery): Promise<DeliveryResult> {
    const settings = { from, fromAddress, timeZone: config.mail.timeZone, publicUrl: publicUrl() };
    const mail = composeMail(message, settings, carriesSignInLinks(message) ? await mailedLinks(message) : {});
    try {
      const info = await transport.sendMail(mail);
      if (!config.mail.smtpUrl) {
        const file = resolve(outboxDir, `${message.notificationId}.eml`);
        await writeFile(file, (info as unknown as { message: Buffer }).message);
        log.info('e-mail written', { file, event: message.event });
      }
      return { status: 'delivered', providerMessageId: info.messageId ?? messageIdFor(message.notificationId) };
    } catch (error) {
      return classifySmtpError(error);
    }
  }

  return {
    name: 'email',
    handles: ['email'],
    send,
    close: async () => transport.close(),
  };
}

/**
 * 5xx answers to the recipient or the message are permanent; everything else — refused or
 * dropped connections, timeouts, 4xx, authentication trouble an operator can fix — is retried.
 */
export function classifySmtpError(thrown: unknown): DeliveryResult {
  const error = thrown as { responseCode?: number; code?: string; response?: string; message?: string };
  const detail = error.response ?? error.message ?? String(thrown);
  if (typeof error.responseCode === 'number' && error.responseCode >= 500 && error.code !== 'EAUTH') {
    return { status: 'failed', reason: `The mail server refused it: ${detail}` };
  }
  return { status: 'retry', reason: `${error.code ?? 'error'}: ${detail}` };
}
