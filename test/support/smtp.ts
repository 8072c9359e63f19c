/**
 * A real SMTP server for tests (the smtp-server package), on 127.0.0.1. It keeps what it
 * accepted, parsed with mailparser, and can be stopped and started on the same port (the
 * service's pooled transport then sees refused connections), reject chosen recipients with 550,
 * and hold its replies to DATA (to freeze a fan-out mid-flight).
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import type { ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  parsed: ParsedMail;
  raw: Buffer;
}

export interface TestSmtp {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** Messages for one address. */
  to(address: string): ReceivedMail[];
  waitForCount(count: number, timeoutMs?: number): Promise<void>;
  /** 550 for these recipients from now on. */
  rejectRecipients(addresses: string[]): void;
  /** Stop answering DATA: messages sent from now on wait (and are not accepted) until `release`. */
  holdReplies(): void;
  /** Start holding replies once this many messages have been accepted. */
  holdAfter(count: number): void;
  /** How many messages are waiting for a reply. */
  readonly heldCount: number;
  /**
   * Messages whose DATA has arrived and that will be accepted, but are not in `received` yet (being
   * parsed, or waiting out `delayReplies`). Zero means every message the server will ever accept
   * from what it has been sent so far is in `received`.
   */
  readonly acceptingCount: number;
  /** Answer each message only after this long, as a slow or distant server does (0: at once). */
  delayReplies(ms: number): void;
  /** Answer held messages. `accept: false` drops them as a server whose client vanished would. */
  release(accept: boolean): void;
  /** Close the listener: new connections are refused. */
  stop(): Promise<void>;
  /** Listen again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const events = new EventEmitter();
  const rejected = new Set<string>();
  let holding = false;
  let holdAt = Infinity;
  let accepting = 0;
  let replyDelayMs = 0;
  const held: Array<{ accept: () => void; drop: () => void }> = [];
  let server: SMTPServer;
  let port = 0;

  const create = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      // smtp-server waits 100 ms before greeting new connections unless told otherwise.
      useXClient: false,
      onRcptTo(address, _session, callback) {
        if (rejected.has(address.address.toLowerCase())) {
          const error = new Error('Recipient address rejected: no such user') as Error & { responseCode: number };
          error.responseCode = 550;
          callback(error);
          return;
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          const drop = () => {
            const error = new Error('Try again later') as Error & { responseCode: number };
            error.responseCode = 451;
            callback(error);
          };
          // Decided now, when the DATA is complete, counting the messages still being parsed: a
          // message decided "accept" is recorded even if its sender is gone by the time its parse
          // ends, so a test must wait for acceptingCount to reach 0 before it trusts `received`.
          if (received.length + accepting >= holdAt) holding = true;
          if (holding) {
            held.push({ accept: () => void accept(raw, session, callback), drop });
            return;
          }
          void accept(raw, session, callback);
        });
      },
    });

  async function accept(raw: Buffer, session: SMTPServerSession, callback: (error?: Error | null) => void) {
    accepting++;
    try {
      const parsed = await simpleParser(raw);
      if (replyDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, replyDelayMs));
      received.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase()), parsed, raw });
    } finally {
      accepting--;
    }
    events.emit('mail');
    callback();
  }

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = create();
      server.on('error', () => {});
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server.server.address() as AddressInfo).port;
        resolve();
      });
    });
  await listen();

  const stop = () =>
    new Promise<void>((resolve) => {
      // close() waits for clients to quit; the pooled client keeps connections open, so end them.
      server.close(() => resolve());
      for (const connection of (server as unknown as { connections: Set<{ close(): void }> }).connections ?? [])
        connection.close();
    });

  return {
    get url() {
      return `smtp://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    received,
    to: (address) => received.filter((mail) => mail.to.includes(address.toLowerCase())),
    waitForCount: (count, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        if (received.length >= count) return resolve();
        const timer = setTimeout(() => {
          events.off('mail', check);
          reject(new Error(`Expected ${count} e-mails within ${timeoutMs} ms, got ${received.length}`));
        }, timeoutMs);
        const check = () => {
          if (received.length < count) return;
          clearTimeout(timer);
          events.off('mail', check);
          resolve();
        };
        events.on('mail', check);
      }),
    rejectRecipients: (addresses) => {
      for (const address of addresses) rejected.add(address.toLowerCase());
    },
    holdReplies: () => {
      holding = true;
    },
    holdAfter: (count) => {
      holdAt = count;
    },
    get heldCount() {
      return held.length;
    },
    get acceptingCount() {
      return accepting;
    },
    delayReplies: (ms) => {
      replyDelayMs = ms;
    },
    release: (accept) => {
      holding = false;
      holdAt = Infinity;
      for (const message of held.splice(0)) (accept ? message.accept : message.drop)();
    },
    stop,
    start: listen,
    close: stop,
  };
}
