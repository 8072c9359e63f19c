/**
 * The Bolt app: the HTTP receiver (mounted on the service's own server, never started on its own)
 * or Socket Mode when an app-level token is set, and the listeners. Every listener acks first and
 * works after, except submissions, whose answer (field errors, the updated modal) is the ack.
 */
import { App, HTTPReceiver, webApi } from '@slack/bolt';
import type { ChatPort } from '../chat/port.js';
import type { Config } from '../config.js';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';
import { PlatformRefused } from '../platforms.js';
import { SlackActors } from './actor.js';
import { registerButtons } from './buttons.js';
import { registerCommand } from './command.js';
import { SlackMessages } from './messages.js';
import { reservationCard } from './render.js';
import { registerForms } from './submissions.js';
import { publishHome } from './home.js';
import { boltLogger } from './logger.js';
import { RecentKeys } from './recent.js';
import type { SlackContext } from './context.js';

export const EVENTS_PATH = '/slack/events';

export type SlackSettings = NonNullable<Config['slack']>;

export interface SlackApp {
  app: App;
  /** Set in HTTP mode: requests to EVENTS_PATH go to it. */
  receiver: HTTPReceiver | undefined;
  services: SlackContext;
  mode: 'http' | 'socket';
  /** Checks the token with Slack (auth.test) and readies the app; in Socket Mode also connects. */
  connect(): Promise<void>;
  /** True once `connect` has succeeded: until then Bolt cannot take requests. */
  readonly ready: boolean;
}

/** auth.test answers that no retry can change: the token itself is wrong. */
const REFUSALS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
]);

export function createSlackApp(settings: SlackSettings, chat: ChatPort, log: Logger): SlackApp {
  const logger = boltLogger(log);
  const clientOptions = settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {};
  const receiver = settings.appToken
    ? undefined
    : new HTTPReceiver({ signingSecret: settings.signingSecret, endpoints: EVENTS_PATH, logger });
  const app = new App({
    token: settings.botToken,
    logger,
    clientOptions,
    // auth.test runs in connect(), after the service is up, and is retried there while Slack
    // cannot be reached.
    deferInitialization: true,
    ...(receiver ? { receiver } : { socketMode: true, appToken: settings.appToken }),
  });
  // One quick auth.test per attempt: the app's own client retries a failing Slack for half an
  // hour, which is what used to hold start-up.
  const probe = new webApi.WebClient(settings.botToken, {
    ...clientOptions,
    logger,
    retryConfig: { retries: 0 },
    timeout: 10_000,
  });
  let ready = false;
  const connect = async () => {
    try {
      await probe.auth.test();
    } catch (error) {
      if (error instanceof webApi.WebAPIPlatformError && REFUSALS.has(error.data.error))
        throw new PlatformRefused(
          `Slack answered ${error.data.error} to the bot token`,
          "check SLACK_BOT_TOKEN (xoxb-…, from the app's OAuth & Permissions page) and restart",
        );
      throw error;
    }
    await app.init();
    if (!receiver) await app.start();
    ready = true;
  };

  const services: SlackContext = {
    chat,
    log,
    actors: new SlackActors(app.client, log),
    prompts: chat.messages(new SlackMessages(app.client), reservationCard).prompts,
    // Long enough for a double click or a redelivery, short enough that a deliberate second press works.
    recent: new RecentKeys(3_000),
  };
  registerCommand(app, services);
  registerForms(app, services);
  registerButtons(app, services);
  app.event('app_home_opened', async ({ event, context, client, body }) => {
    if (event.tab !== 'home') return;
    const actor = await services.actors.get({ teamId: context.teamId ?? body.team_id, userId: event.user });
    await publishHome(services, client, actor);
  });
  app.error(async (error) => {
    // One place for listener failures; Slack has its ack already. No payloads: they hold passcodes.
    log.error('slack listener failed', { code: error.code, error: error.message });
  });
  return {
    app,
    receiver,
    services,
    mode: receiver ? 'http' : 'socket',
    connect,
    get ready() {
      return ready;
    },
  };
}

/**
 * Hands POSTs to /slack/events to Bolt, which reads the raw body itself to check the signature
 * and the timestamp — once the app is connected; before that, 503, and Slack retries its events.
 * No parser runs here: Bolt must see the bytes exactly as Slack signed them.
 */
export async function eventsRoutes(
  app: FastifyInstance,
  { receiver, ready }: { receiver: HTTPReceiver; ready: () => boolean },
): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  app.route({
    method: ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: EVENTS_PATH,
    handler: async (_request, reply) =>
      reply.code(405).header('allow', 'POST').type('text/plain').send('Slack events are POSTed here.'),
  });
  app.post(EVENTS_PATH, async (request, reply) => {
    if (isFromTheFuture(request.headers['x-slack-request-timestamp'], Date.now())) {
      // Bolt refuses only stale timestamps; a signed request dated ahead could be replayed until then.
      request.raw.resume();
      return reply.code(401).type('text/plain').send('The request timestamp is in the future.');
    }
    if (!ready()) {
      request.raw.resume();
      return reply
        .code(503)
        .header('retry-after', '10')
        .type('text/plain')
        .send('The Slack app is still connecting to Slack.');
    }
    reply.hijack();
    receiver.requestListener(request.raw, reply.raw);
  });
}

/** Slack allows five minutes of clock skew either way; Bolt checks only the past side. */
const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

function isFromTheFuture(header: string | string[] | undefined, nowMs: number): boolean {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && seconds > Math.floor(nowMs / 1000) + TIMESTAMP_TOLERANCE_SECONDS;
}
