/**
 * npm run bench:notify — 1,000 invitation e-mails with calendar parts to a local SMTP server:
 *   raw       nodemailer pooled sends of the same rendered messages (the ceiling)
 *   pipeline  reconfirm → outbox → Agenda job → claim → render → SMTP → mark sent
 * in the same run, against the same SMTP server; prints messages/s and the ratio.
 */
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { reconfirmReservation } from '../src/app/lifecycle.js';
import { requestReservation } from '../src/app/request.js';
import { loadConfig } from '../src/config.js';
import { createJobs } from '../src/jobs/runtime.js';
import { silentLogger } from '../src/log.js';
import { buildDeps } from '../src/main.js';
import { createEmailTransport } from '../src/notify/email/transport.js';
import { composeMail } from '../src/notify/email/transport.js';
import type { MessageModel } from '../src/notify/message.js';
import { openDb } from '../src/store/client.js';
import { withBenchDatabase } from './support.js';

const MESSAGES = 1_000;
const PER_RESERVATION = 500; // the invitee limit

function startSink(): Promise<{
  url: string;
  count: () => number;
  onCount: (n: number) => Promise<void>;
  close: () => Promise<void>;
}> {
  let received = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        received++;
        for (const waiter of waiters.filter((w) => received >= w.n)) waiter.resolve();
        callback();
      });
    },
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.server.address() as AddressInfo).port;
      resolve({
        url: `smtp://127.0.0.1:${port}`,
        count: () => received,
        onCount: (n) => new Promise<void>((done) => (received >= n ? done() : waiters.push({ n, resolve: done }))),
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

async function raw(url: string, messages: MessageModel[]): Promise<number> {
  const transport = nodemailer.createTransport({ url, pool: true, maxConnections: 5, maxMessages: 500 } as never);
  // The very e-mails the pipeline sends, composed beforehand.
  const settings = { from: 'bench@slotcast.test', fromAddress: 'bench@slotcast.test', timeZone: 'UTC' };
  const mails = messages.map((message) => composeMail(message, settings));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < mails.length) await transport.sendMail(mails[next++]!);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  transport.close();
  return MESSAGES / seconds;
}

await withBenchDatabase(async (url) => {
  const sink = await startSink();
  const config = loadConfig({
    DATABASE_URL: url,
    SMTP_URL: sink.url,
    LOG_LEVEL: 'error',
    MAIL_FROM: 'Slotcast <bench@slotcast.test>',
  });
  const db = openDb(url, { max: 30 });
  const deps = buildDeps(config, db, silentLogger);
  const email = await createEmailTransport(config, silentLogger);
  const jobs = createJobs({
    process: true,
    config,
    deps,
    transports: [email],
    log: silentLogger,
    database: { ...db, url },
  });
  deps.listeners.push(jobs.onCommit);
  await jobs.start();
  await db.prisma.distributionServer.create({
    data: {
      name: 'bench',
      ingestBaseUrl: 'rtmp://in.example.org/live',
      playbackBaseUrl: 'https://watch.example.org',
      capacity: 10,
    },
  });
  const organizer = {
    platform: 'api' as const,
    tenantId: 'api',
    userId: 'bench',
    name: 'Bench',
    isAdmin: false,
    email: null,
  };

  const reservations = [];
  for (let r = 0; r < MESSAGES / PER_RESERVATION; r++) {
    const startsAt = new Date(Date.now() + (48 + r * 2) * 3_600_000);
    const outcome = await requestReservation(deps, organizer, {
      server: 'bench',
      title: `Bench stream ${r}`,
      description: 'A benchmark stream with a description long enough to look like a real one.',
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3_600_000),
      emails: Array.from({ length: PER_RESERVATION }, (_, i) => `viewer${r}-${i}@example.org`),
      slackChannels: [],
      discordChannels: [],
    });
    if (!outcome.ok) throw new Error(outcome.message);
    reservations.push(outcome.value);
  }

  // The same messages for the raw run, rendered from a real invitation's model.
  const sample = reservations[0]!;
  const messages: MessageModel[] = Array.from({ length: MESSAGES }, (_, i) => ({
    notificationId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    event: 'invitation_confirmed',
    recipient: { channel: 'email', recipient: `raw${i}@example.org` },
    reservation: {
      id: sample.id,
      code: sample.code,
      title: sample.title,
      description: sample.description,
      serverName: 'bench',
      playbackUrl: `https://watch.example.org/${sample.code.toLowerCase()}`,
      passcode: sample.passcode,
      startsAt: sample.startsAt.toISOString(),
      endsAt: sample.endsAt.toISOString(),
      reconfirmDeadline: sample.reconfirmDeadline.toISOString(),
      status: 'confirmed',
      version: 2,
      organizer: { platform: 'api', tenantId: 'api', userId: 'bench', name: 'Bench' },
    },
    actorName: 'Bench',
    at: new Date(),
  }));
  const rawRate = await raw(sink.url, messages);

  const base = sink.count();
  const started = performance.now();
  await Promise.all(reservations.map((reservation) => reconfirmReservation(deps, organizer, reservation.id)));
  await sink.onCount(base + MESSAGES);
  const pipelineSeconds = (performance.now() - started) / 1000;
  const pipelineRate = MESSAGES / pipelineSeconds;
  // Give the last "sent" marks a moment, then check the outbox agrees with the server.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const sent = await db.prisma.notification.count({ where: { event: 'invitation_confirmed', status: 'sent' } });

  console.log(
    `bench:notify — ${MESSAGES} invitation e-mails (text + HTML + .ics) to a local smtp-server, pooled SMTP (5 connections)`,
  );
  console.log(`raw nodemailer   ${rawRate.toFixed(0).padStart(5)} msg/s`);
  console.log(
    `whole pipeline   ${pipelineRate.toFixed(0).padStart(5)} msg/s  (${pipelineSeconds.toFixed(2)} s from reconfirm to the last accepted)  ratio ${((pipelineRate / rawRate) * 100).toFixed(0)}%`,
  );
  console.log(`outbox rows marked sent: ${sent}/${MESSAGES}; messages received: ${sink.count() - base}`);
  await jobs.stop();
  await email.close?.();
  await db.close();
  await sink.close();
});
// Agenda leaves timers behind after stop(); the benchmark is done.
process.exit(0);
