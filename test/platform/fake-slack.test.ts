// Proves the Slack fake and the signing helpers against the real @slack/bolt App: signed requests
// reach the listeners, forged or stale ones are refused, Web API calls land in the fake, and the
// WebClient's own retry on 429 works against it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, ErrorCode, HTTPReceiver, LogLevel, type CodedError, type Logger } from '@slack/bolt';
import { startFakeSlack, type FakeSlack, FAKE_BOT, FAKE_TEAM } from '../support/fake-slack.js';
import {
  buildAppHomeOpened,
  FAKE_USER,
  formBody,
  buildSlashCommand,
  postToSlackEndpoint,
  sendBlockActions,
  sendEvent,
  sendSlashCommand,
  sendViewClosed,
  sendViewSubmission,
  stateValue,
  FORM,
  nowSeconds,
} from '../support/slack-signing.js';

const SIGNING_SECRET = 'test-signing-secret';
const BOT_TOKEN = 'xoxb-test';

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  text: string;
}

/** Keeps Bolt's log lines for assertions instead of printing them. */
function capturingLogger(lines: LogLine[]): Logger {
  let level = LogLevel.DEBUG;
  const log =
    (l: LogLine['level']) =>
    (...msg: unknown[]) => {
      lines.push({ level: l, text: msg.map((m) => (m instanceof Error ? m.message : String(m))).join(' ') });
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/** A command that opens a modal, a button that posts and responds, a modal that refuses its input. */
function registerListeners(app: App): void {
  app.command('/slotcast', async ({ ack, command, client }) => {
    await ack();
    await client.views.open({
      trigger_id: command.trigger_id,
      view: {
        type: 'modal',
        callback_id: 'reserve',
        private_metadata: 'reservation-1',
        title: { type: 'plain_text', text: 'Reserve' },
        blocks: [
          {
            type: 'input',
            block_id: 'when',
            label: { type: 'plain_text', text: 'When' },
            element: { type: 'datetimepicker', action_id: 'at' },
          },
        ],
      },
    });
  });

  app.action('confirm', async ({ ack, body, client, respond }) => {
    await ack();
    await client.chat.postMessage({ channel: 'C123', text: `confirmed by <@${body.user.id}>` });
    await respond({ text: 'Confirmed', replace_original: false });
  });

  app.view('reserve', async ({ ack, view }) => {
    const at = view.state.values.when?.at?.selected_date_time;
    await ack({ response_action: 'errors', errors: { when: `Pick a time in the future (got ${at})` } });
  });

  app.view({ callback_id: 'reserve', type: 'view_closed' }, async ({ ack }) => {
    await ack();
  });

  app.event('app_home_opened', async ({ event, client, context }) => {
    await client.views.publish({
      user_id: event.user,
      view: { type: 'home', private_metadata: `${context.retryNum}:${context.retryReason}`, blocks: [] },
    });
  });
}

describe('fake Slack driven by the real Bolt App (HTTPReceiver)', () => {
  const logs: LogLine[] = [];
  let fake: FakeSlack;
  let app: App;
  let eventsUrl: string;
  const sign = { signingSecret: SIGNING_SECRET };

  beforeAll(async () => {
    // The fake must be up first: Bolt calls auth.test from the App constructor.
    fake = await startFakeSlack();
    const logger = capturingLogger(logs);
    const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, endpoints: '/slack/events', logger });
    app = new App({ receiver, token: BOT_TOKEN, logger, clientOptions: { slackApiUrl: fake.apiUrl } });
    registerListeners(app);
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    eventsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    // Let the constructor's auth.test land so later "no call recorded" checks are not racing it.
    await fake.waitForCall('auth.test');
  });

  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it('answers auth.test with the fake bot and team', () => {
    const [authTest] = fake.callsTo('auth.test');
    expect(authTest?.token).toBe(BOT_TOKEN);
    expect(authTest?.result).toMatchObject({ ok: true, user_id: FAKE_BOT.userId, team_id: FAKE_TEAM.id });
  });

  it('acks a signed slash command and records views.open with its trigger_id, view decoded', async () => {
    const triggerId = '1111.2222.abcdef';
    const res = await sendSlashCommand(eventsUrl, { command: '/slotcast', text: 'tomorrow 8pm', triggerId }, sign);
    expect(res.status).toBe(200);

    const open = await fake.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
    expect(open.headers.authorization).toBe(`Bearer ${BOT_TOKEN}`);
    expect(open.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(open.args.view).toMatchObject({ type: 'modal', callback_id: 'reserve', private_metadata: 'reservation-1' });
    expect(open.result).toMatchObject({ ok: true, view: { id: expect.stringMatching(/^V/), callback_id: 'reserve' } });
  });

  it('refuses a forged signature and a stale timestamp with 401, and nothing reaches the Web API', async () => {
    const callsBefore = fake.calls.length;
    const body = formBody(buildSlashCommand({ command: '/slotcast', triggerId: 'forged' }));

    const forged = await postToSlackEndpoint(eventsUrl, body, { ...sign, contentType: FORM, forgeSignature: true });
    const stale = await postToSlackEndpoint(eventsUrl, body, {
      ...sign,
      contentType: FORM,
      timestamp: nowSeconds() - 6 * 60,
    });

    expect(forged.status).toBe(401);
    expect(stale.status).toBe(401);
    // Bolt answers before dispatching, so no listener can still be about to call the API.
    expect(fake.calls.length).toBe(callsBefore);
    // The receiver reports the reason only as a warning on its logger.
    const warnings = logs.filter((l) => l.level === 'warn').map((l) => l.text);
    expect(warnings).toEqual(
      expect.arrayContaining([expect.stringContaining('signature mismatch'), expect.stringContaining('stale')]),
    );
  });

  it('lets the WebClient retry a 429 after Retry-After, so the message is posted exactly once', async () => {
    fake.failNext('chat.postMessage', {
      kind: 'ratelimited',
      retryAfterSeconds: 1,
      when: (args) => args.channel === 'C123',
    });
    const res = await sendBlockActions(
      eventsUrl,
      {
        actions: [{ actionId: 'confirm', blockId: 'invite', value: 'reservation-1' }],
        responseUrl: fake.responseUrl('act-1'),
      },
      sign,
    );
    expect(res.status).toBe(200);

    // Retry-After 1 s plus the WebClient's own backoff (1-2 s on the first retry).
    const posted = await fake.waitForCall('chat.postMessage', (c) => c.result.ok, 10_000);
    const attempts = fake.callsTo('chat.postMessage');
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(fake.succeededCallsTo('chat.postMessage')).toHaveLength(1);
    expect(posted.args).toMatchObject({ channel: 'C123', text: `confirmed by <@${FAKE_USER.id}>` });
    const [first, second] = attempts;
    expect(second!.receivedAt.getTime() - first!.receivedAt.getTime()).toBeGreaterThanOrEqual(1000);

    const responded = await fake.waitForResponseUrlPost('act-1');
    expect(responded.body).toEqual({ text: 'Confirmed', replace_original: false });
  });

  it('returns the view submission errors in the HTTP response', async () => {
    const res = await sendViewSubmission(
      eventsUrl,
      {
        view: {
          callbackId: 'reserve',
          privateMetadata: 'reservation-1',
          values: { when: { at: stateValue.dateTime(1_700_000_000) }, title: { title: stateValue.text('Launch') } },
        },
      },
      sign,
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(JSON.parse(res.body)).toEqual({
      response_action: 'errors',
      errors: { when: 'Pick a time in the future (got 1700000000)' },
    });
  });

  it('acks view_closed with an empty 200', async () => {
    const res = await sendViewClosed(eventsUrl, { view: { callbackId: 'reserve' } }, sign);
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
  });

  it('passes X-Slack-Retry-Num / Reason of an event callback through to the listener', async () => {
    const userId = 'U0HOMEUSER';
    const res = await sendEvent(eventsUrl, buildAppHomeOpened({ userId }), {
      ...sign,
      retryNum: 1,
      retryReason: 'http_timeout',
    });
    expect(res.status).toBe(200);

    const publish = await fake.waitForCall('views.publish', (c) => c.args.user_id === userId);
    expect(publish.args.view).toMatchObject({ type: 'home', private_metadata: '1:http_timeout' });
  });

  // Runs last in this block: a listener whose Web API call the fake answered badly would have
  // been logged as an error by Bolt after its ack, without failing the HTTP exchange.
  it('left Bolt nothing to log as an error', () => {
    expect(logs.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('fake Slack Web API semantics', () => {
  let fake: FakeSlack;
  let app: App;

  beforeAll(async () => {
    fake = await startFakeSlack({ users: { U0ADMIN: { tz: 'Europe/Berlin', is_admin: true } } });
    // No receiver is started: only app.client is used. Verification stays off to keep calls exact.
    app = new App({
      token: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      tokenVerificationEnabled: false,
      logger: capturingLogger([]),
      clientOptions: { slackApiUrl: fake.apiUrl },
    });
  });

  afterAll(async () => {
    await fake?.close();
  });

  it('fails only the matching calls, as many times as asked, with Slack error bodies', async () => {
    fake.failNext('chat.postMessage', {
      kind: 'error',
      error: 'not_in_channel',
      times: 2,
      when: (a) => a.channel === 'C999',
    });

    const elsewhere = await app.client.chat.postMessage({ channel: 'C111', text: 'hi' });
    expect(elsewhere.ok).toBe(true);
    for (let i = 0; i < 2; i += 1) {
      await expect(app.client.chat.postMessage({ channel: 'C999', text: 'hi' })).rejects.toMatchObject({
        code: 'slack_webapi_platform_error',
        data: { ok: false, error: 'not_in_channel' },
      });
    }
    await expect(app.client.chat.postMessage({ channel: 'C999', text: 'hi' })).resolves.toMatchObject({ ok: true });
  });

  it('hands out unique, increasing message timestamps and DM channels for users', async () => {
    const a = await app.client.chat.postMessage({ channel: 'C111', text: 'one' });
    const b = await app.client.chat.postMessage({ channel: 'C111', text: 'two' });
    expect(Number(b.ts)).toBeGreaterThan(Number(a.ts));

    const dm = await app.client.conversations.open({ users: 'U0ADMIN' });
    expect(dm.channel?.id).toMatch(/^D/);
    const toUser = await app.client.chat.postMessage({ channel: 'U0ADMIN', text: 'psst' });
    expect(toUser.channel).toBe(dm.channel?.id);
  });

  it('answers users.info with zone and admin flags', async () => {
    const { user } = await app.client.users.info({ user: 'U0ADMIN' });
    expect(user).toMatchObject({ id: 'U0ADMIN', tz: 'Europe/Berlin', is_admin: true });
    expect([3600, 7200]).toContain(user?.tz_offset);
  });

  it('rejects unknown methods and calls without a token', async () => {
    await expect(app.client.apiCall('no.such.method')).rejects.toMatchObject({ data: { error: 'unknown_method' } });

    const anonymous = await fetch(`${fake.apiUrl}auth.test`, { method: 'POST' });
    expect(await anonymous.json()).toEqual({ ok: false, error: 'not_authed' });
  });
});

describe('Bolt mounted on an existing node:http server via receiver.requestListener', () => {
  let fake: FakeSlack;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    fake = await startFakeSlack();
    const logger = capturingLogger([]);
    const receiver = new HTTPReceiver({ signingSecret: SIGNING_SECRET, logger });
    // Constructing the App wires it to the receiver; app.start() is never called.
    const app = new App({ receiver, token: BOT_TOKEN, logger, clientOptions: { slackApiUrl: fake.apiUrl } });
    registerListeners(app);
    server = createServer((req, res) => {
      try {
        receiver.requestListener(req, res);
      } catch (error) {
        // Paths Bolt does not own are thrown back synchronously for the host server to route.
        if ((error as CodedError).code !== ErrorCode.HTTPReceiverDeferredRequestError) throw error;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('host route');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    const closing = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    server.closeAllConnections();
    await closing;
    await fake?.close();
  });

  it('serves Slack on /slack/events and leaves other paths to the host', async () => {
    const res = await sendSlashCommand(
      `${baseUrl}/slack/events`,
      { command: '/slotcast', triggerId: 'shared-1' },
      { signingSecret: SIGNING_SECRET },
    );
    expect(res.status).toBe(200);
    await fake.waitForCall('views.open', (c) => c.args.trigger_id === 'shared-1');

    const other = await fetch(`${baseUrl}/healthz`);
    expect(await other.text()).toBe('host route');
  });
});
