// A local stand-in for the Slack Web API (https://slack.com/api/...) so that the real
// `@slack/bolt` App and `@slack/web-api` WebClient can be driven end to end in tests.
//
// Point the client at it with `clientOptions: { slackApiUrl: fake.apiUrl }` (Bolt) or
// `new WebClient(token, { slackApiUrl: fake.apiUrl })`. The WebClient builds request URLs as
// `${slackApiUrl}${method}` and appends a '/' to slackApiUrl when it is missing, so
// `http://127.0.0.1:PORT/api/` (with the slash, like the default `https://slack.com/api/`) is
// the canonical form.
//
// It also plays the `response_url` host: Bolt's `respond()` POSTs JSON to whatever
// `response_url` the incoming payload carried, so payloads built with `fake.responseUrl(id)`
// are captured here too.
import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** The workspace the fake pretends to be; the signing helpers use the same ids by default. */
export const FAKE_TEAM = { id: 'T0FAKETEAM', name: 'Fake Team', domain: 'fake-team' } as const;
/** The bot behind the `xoxb-` token, as auth.test reports it. */
export const FAKE_BOT = { userId: 'U0FAKEBOT', botId: 'B0FAKEBOT', appId: 'A0FAKEAPP', name: 'slotcast' } as const;

export type SlackArgs = Record<string, unknown>;
export type SlackResult = { ok: boolean; error?: string } & Record<string, unknown>;

export interface RecordedCall {
  method: string;
  /** Decoded arguments: form fields the WebClient JSON-stringifies (blocks, view, ...) are objects again. */
  args: SlackArgs;
  headers: IncomingHttpHeaders;
  /** The bearer token sent, if any. */
  token: string | undefined;
  receivedAt: Date;
  /** What the fake answered, so tests can tell failed attempts from the successful one. */
  status: number;
  result: SlackResult;
}

export interface RecordedResponseUrlPost {
  id: string;
  body: unknown;
  headers: IncomingHttpHeaders;
  receivedAt: Date;
}

/** Limits a failure to some calls: `times` calls (default 1) whose args satisfy `when`. */
interface FailureScope {
  times?: number;
  when?: (args: SlackArgs) => boolean;
}

export type FakeFailure = FailureScope &
  (
    | { kind: 'ratelimited'; retryAfterSeconds: number }
    | { kind: 'error'; error: string; extra?: Record<string, unknown> }
    | { kind: 'http'; status: number }
  );

/** Answers one Web API method. Return a full Slack result (`{ ok: true, ... }` or `{ ok: false, error }`). */
export type MethodHandler = (args: SlackArgs, workspace: FakeWorkspace) => SlackResult;

export interface SlackUserOverrides {
  name?: string;
  real_name?: string;
  tz?: string;
  is_admin?: boolean;
  is_owner?: boolean;
  is_bot?: boolean;
  deleted?: boolean;
  email?: string;
}

export interface FakeSlackOptions {
  /** Which bearer tokens authenticate; default: any `xoxb-`/`xoxp-` token. */
  isValidToken?: (token: string) => boolean;
  /** users.info overrides per user id; unknown users get plausible defaults. */
  users?: Record<string, SlackUserOverrides>;
  /** conversations.info overrides per channel id (merged over the default channel object). */
  channels?: Record<string, Record<string, unknown>>;
  /** Extra or replacement method handlers. */
  handlers?: Record<string, MethodHandler>;
  /** The default time zone of users.info; a non-UTC default flushes out zone bugs. */
  defaultTimeZone?: string;
}

export interface FakeSlack {
  /** Base URL for `slackApiUrl`, e.g. `http://127.0.0.1:PORT/api/`. */
  apiUrl: string;
  /** Every Web API call in arrival order (a live array). */
  calls: RecordedCall[];
  /** Every POST to a `responseUrl(id)` in arrival order (a live array). */
  responseUrlPosts: RecordedResponseUrlPost[];
  callsTo(method: string): RecordedCall[];
  /** Calls of `method` that were answered `ok: true`. */
  succeededCallsTo(method: string): RecordedCall[];
  /** Resolves with the first call (already recorded or still to come) that matches. */
  waitForCall(method: string, predicate?: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  /** Makes the next matching call(s) of `method` fail the way Slack fails them. */
  failNext(method: string, failure: FakeFailure): void;
  /** Replaces (or adds) the handler of one method. */
  handle(method: string, handler: MethodHandler): void;
  /** A `response_url` served by this fake; POSTs to it land in `responseUrlPosts`. */
  responseUrl(id: string): string;
  waitForResponseUrlPost(
    id: string,
    predicate?: (post: RecordedResponseUrlPost) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedResponseUrlPost>;
  /** Forgets recorded calls and pending failures (handlers and ids stay). */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_WAIT_MS = 5_000;

/** Form fields that the WebClient sends as JSON strings because their values are objects or arrays. */
const JSON_ENCODED_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'unfurls', 'user_auth_blocks']);

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = new FakeSlackServer(options);
  await fake.listen();
  return fake;
}

// ---------------------------------------------------------------------------------------------
// Workspace state: ids the fake hands out, so answers are consistent across calls.
// ---------------------------------------------------------------------------------------------

export class FakeWorkspace {
  readonly team = FAKE_TEAM;
  readonly bot = FAKE_BOT;
  private tsCount = 0;
  // Slack message timestamps are "seconds.micro-sequence"; starting at the current second keeps
  // them plausible while the counter keeps them unique and increasing.
  private readonly tsBaseSeconds = Math.floor(Date.now() / 1000);
  private viewCount = 0;
  private readonly views = new Map<string, Record<string, unknown>>();
  private readonly dmChannels = new Map<string, string>();

  constructor(private readonly options: FakeSlackOptions) {}

  nextTs(): string {
    this.tsCount += 1;
    const seconds = this.tsBaseSeconds + Math.floor(this.tsCount / 1_000_000);
    return `${seconds}.${String(this.tsCount % 1_000_000).padStart(6, '0')}`;
  }

  /** The DM channel with a user (or a group DM for a comma-separated list), stable per user set. */
  dmChannelFor(users: string): string {
    const key = users
      .split(',')
      .map((u) => u.trim())
      .sort()
      .join(',');
    let id = this.dmChannels.get(key);
    if (id === undefined) {
      id = `D0FAKE${String(this.dmChannels.size + 1).padStart(4, '0')}`;
      this.dmChannels.set(key, id);
    }
    return id;
  }

  /** Posting to a user id posts into the DM with that user, as Slack does. */
  resolveChannel(channel: string): string {
    return /^[UW]/.test(channel) ? this.dmChannelFor(channel) : channel;
  }

  /** Stores a view (new or updated) and returns it as Slack echoes it back. */
  saveView(view: Record<string, unknown>, existingId?: string): Record<string, unknown> {
    const id = existingId ?? this.newViewId();
    const previous = this.views.get(id) ?? {};
    const saved = {
      ...previous,
      ...view,
      id,
      team_id: FAKE_TEAM.id,
      app_id: FAKE_BOT.appId,
      bot_id: FAKE_BOT.botId,
      state: { values: {} },
      hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`,
      root_view_id: (previous.root_view_id as string | undefined) ?? id,
      private_metadata: view.private_metadata ?? '',
      callback_id: view.callback_id ?? '',
      external_id: view.external_id ?? '',
    };
    this.views.set(id, saved);
    return saved;
  }

  /** views.update may address a view by external_id instead of view_id. */
  viewIdForExternalId(externalId: string): string | undefined {
    for (const [id, view] of this.views) if (view.external_id === externalId) return id;
    return undefined;
  }

  user(id: string): Record<string, unknown> {
    const o = this.options.users?.[id] ?? {};
    const tz = o.tz ?? this.options.defaultTimeZone ?? 'America/Los_Angeles';
    const name = o.name ?? `user-${id.toLowerCase()}`;
    const realName = o.real_name ?? name;
    return {
      id,
      team_id: FAKE_TEAM.id,
      name,
      real_name: realName,
      deleted: o.deleted ?? false,
      is_bot: o.is_bot ?? false,
      is_admin: o.is_admin ?? false,
      is_owner: o.is_owner ?? false,
      tz,
      tz_label: timeZoneLabel(tz),
      tz_offset: timeZoneOffsetSeconds(tz),
      profile: { real_name: realName, display_name: name, ...(o.email ? { email: o.email } : {}) },
    };
  }

  channel(id: string): Record<string, unknown> {
    const isIm = id.startsWith('D');
    const defaults = {
      id,
      name: isIm ? undefined : `channel-${id.toLowerCase()}`,
      is_channel: id.startsWith('C'),
      is_group: id.startsWith('G'),
      is_im: isIm,
      is_private: !id.startsWith('C'),
      is_archived: false,
      is_member: true,
      created: this.tsBaseSeconds,
      context_team_id: FAKE_TEAM.id,
    };
    return { ...defaults, ...this.options.channels?.[id] };
  }

  private newViewId(): string {
    this.viewCount += 1;
    return `V0FAKE${String(this.viewCount).padStart(5, '0')}`;
  }
}

/** users.info's tz_offset: seconds east of UTC right now in the zone (DST-aware). */
function timeZoneOffsetSeconds(timeZone: string, at = new Date()): number {
  const name = timeZoneName(timeZone, 'longOffset', at); // "GMT-07:00", or "GMT" for UTC
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (match === null) return 0;
  const sign = match[1] === '-' ? -1 : 1;
  return sign * (Number(match[2]) * 3600 + Number(match[3]) * 60);
}

function timeZoneLabel(timeZone: string): string {
  return timeZoneName(timeZone, 'long', new Date());
}

function timeZoneName(timeZone: string, style: 'long' | 'longOffset', at: Date): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: style }).formatToParts(at);
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
}

// ---------------------------------------------------------------------------------------------
// Method handlers: the subset of the Web API Slotcast uses, answered like Slack does.
// ---------------------------------------------------------------------------------------------

function str(args: SlackArgs, key: string): string | undefined {
  const value = args[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function fail(error: string): SlackResult {
  return { ok: false, error };
}

function botMessage(args: SlackArgs, ts: string): Record<string, unknown> {
  return {
    type: 'message',
    user: FAKE_BOT.userId,
    bot_id: FAKE_BOT.botId,
    app_id: FAKE_BOT.appId,
    team: FAKE_TEAM.id,
    text: str(args, 'text') ?? '',
    ...(args.blocks !== undefined ? { blocks: args.blocks } : {}),
    ...(str(args, 'thread_ts') ? { thread_ts: args.thread_ts } : {}),
    ts,
  };
}

function hasMessageContent(args: SlackArgs): boolean {
  return str(args, 'text') !== undefined || args.blocks !== undefined || args.attachments !== undefined;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

const DEFAULT_HANDLERS: Record<string, MethodHandler> = {
  'auth.test': () => ({
    ok: true,
    url: `https://${FAKE_TEAM.domain}.slack.com/`,
    team: FAKE_TEAM.name,
    user: FAKE_BOT.name,
    team_id: FAKE_TEAM.id,
    user_id: FAKE_BOT.userId,
    bot_id: FAKE_BOT.botId,
    is_enterprise_install: false,
  }),

  'chat.postMessage': (args, ws) => {
    const channel = str(args, 'channel');
    if (channel === undefined) return fail('channel_not_found');
    if (!hasMessageContent(args)) return fail('no_text');
    const ts = ws.nextTs();
    return { ok: true, channel: ws.resolveChannel(channel), ts, message: botMessage(args, ts) };
  },

  'chat.update': (args, ws) => {
    const channel = str(args, 'channel');
    const ts = str(args, 'ts');
    if (channel === undefined) return fail('channel_not_found');
    if (ts === undefined) return fail('message_not_found');
    const message = { ...botMessage(args, ts), edited: { user: FAKE_BOT.userId, ts: ws.nextTs() } };
    return { ok: true, channel: ws.resolveChannel(channel), ts, text: str(args, 'text') ?? '', message };
  },

  'chat.postEphemeral': (args, ws) => {
    if (str(args, 'channel') === undefined) return fail('channel_not_found');
    if (str(args, 'user') === undefined) return fail('user_not_found');
    if (!hasMessageContent(args)) return fail('no_text');
    return { ok: true, message_ts: ws.nextTs() };
  },

  'chat.getPermalink': (args) => {
    const channel = str(args, 'channel');
    const ts = str(args, 'message_ts');
    if (channel === undefined) return fail('channel_not_found');
    if (ts === undefined) return fail('message_not_found');
    const permalink = `https://${FAKE_TEAM.domain}.slack.com/archives/${channel}/p${ts.replace('.', '')}`;
    return { ok: true, channel, permalink };
  },

  'conversations.open': (args, ws) => {
    const users = str(args, 'users');
    const channel = str(args, 'channel');
    if (users === undefined && channel === undefined) return fail('users_list_not_supplied');
    return { ok: true, no_op: false, already_open: false, channel: { id: channel ?? ws.dmChannelFor(users ?? '') } };
  },

  'conversations.info': (args, ws) => {
    const channel = str(args, 'channel');
    if (channel === undefined) return fail('channel_not_found');
    return { ok: true, channel: ws.channel(channel) };
  },

  'views.open': (args, ws) => {
    const view = asObject(args.view);
    if (str(args, 'trigger_id') === undefined || view === undefined) return fail('invalid_arguments');
    return { ok: true, view: ws.saveView(view) };
  },

  'views.push': (args, ws) => {
    const view = asObject(args.view);
    if (str(args, 'trigger_id') === undefined || view === undefined) return fail('invalid_arguments');
    return { ok: true, view: ws.saveView(view) };
  },

  'views.update': (args, ws) => {
    const view = asObject(args.view);
    const externalId = str(args, 'external_id');
    const viewId = str(args, 'view_id') ?? (externalId ? ws.viewIdForExternalId(externalId) : undefined);
    if (view === undefined || (viewId === undefined && externalId === undefined)) return fail('invalid_arguments');
    // A view this fake never opened (e.g. one from a hand-built payload) is accepted as if it had.
    return { ok: true, view: ws.saveView({ ...view, ...(externalId ? { external_id: externalId } : {}) }, viewId) };
  },

  'views.publish': (args, ws) => {
    const view = asObject(args.view);
    const userId = str(args, 'user_id');
    if (view === undefined || userId === undefined) return fail('invalid_arguments');
    return { ok: true, view: ws.saveView({ ...view, type: 'home' }) };
  },

  'users.info': (args, ws) => {
    const user = str(args, 'user');
    return user === undefined ? fail('user_not_found') : { ok: true, user: ws.user(user) };
  },

  'team.info': () => ({
    ok: true,
    team: {
      id: FAKE_TEAM.id,
      name: FAKE_TEAM.name,
      domain: FAKE_TEAM.domain,
      email_domain: '',
      icon: { image_default: true },
    },
  }),
};

// ---------------------------------------------------------------------------------------------
// HTTP plumbing
// ---------------------------------------------------------------------------------------------

interface PendingFailure {
  failure: FakeFailure;
  remaining: number;
}

interface Answer {
  status: number;
  result: SlackResult;
  headers?: Record<string, string>;
}

class FakeSlackServer implements FakeSlack {
  apiUrl = '';
  readonly calls: RecordedCall[] = [];
  readonly responseUrlPosts: RecordedResponseUrlPost[] = [];
  private baseUrl = '';
  private readonly server: Server;
  private readonly events = new EventEmitter();
  private readonly workspace: FakeWorkspace;
  private readonly handlers: Map<string, MethodHandler>;
  private readonly failures = new Map<string, PendingFailure[]>();
  private readonly isValidToken: (token: string) => boolean;
  private closed = false;

  constructor(options: FakeSlackOptions) {
    this.workspace = new FakeWorkspace(options);
    this.handlers = new Map(Object.entries({ ...DEFAULT_HANDLERS, ...options.handlers }));
    this.isValidToken = options.isValidToken ?? ((token) => /^xox[bp]-/.test(token));
    // Many tests may wait on the same fake at once; the default limit of 10 would only warn.
    this.events.setMaxListeners(0);
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
  }

  async listen(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.baseUrl}/api/`;
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  succeededCallsTo(method: string): RecordedCall[] {
    return this.callsTo(method).filter((call) => call.result.ok);
  }

  waitForCall(method: string, predicate: (call: RecordedCall) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS) {
    return this.waitFor(
      'call',
      () => this.calls,
      (call: RecordedCall) => call.method === method && predicate(call),
      timeoutMs,
      `a call to ${method}`,
    );
  }

  waitForResponseUrlPost(
    id: string,
    predicate: (post: RecordedResponseUrlPost) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ) {
    return this.waitFor(
      'response',
      () => this.responseUrlPosts,
      (post: RecordedResponseUrlPost) => post.id === id && predicate(post),
      timeoutMs,
      `a POST to response_url ${id}`,
    );
  }

  failNext(method: string, failure: FakeFailure): void {
    const queue = this.failures.get(method) ?? [];
    queue.push({ failure, remaining: failure.times ?? 1 });
    this.failures.set(method, queue);
  }

  handle(method: string, handler: MethodHandler): void {
    this.handlers.set(method, handler);
  }

  responseUrl(id: string): string {
    return `${this.baseUrl}/response/${encodeURIComponent(id)}`;
  }

  reset(): void {
    this.calls.length = 0;
    this.responseUrlPosts.length = 0;
    this.failures.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.events.emit('close');
    const closing = new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
    // fetch (undici) keeps connections alive; without this, close() would wait for them to idle out.
    this.server.closeAllConnections();
    await closing;
  }

  private waitFor<T>(
    event: 'call' | 'response',
    recorded: () => T[],
    matches: (item: T) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    const already = recorded().find(matches);
    if (already !== undefined) return Promise.resolve(already);
    if (this.closed) return Promise.reject(new Error(`fake Slack is closed; cannot wait for ${what}`));
    return new Promise<T>((resolve, reject) => {
      const onItem = (item: T) => {
        if (!matches(item)) return;
        cleanup();
        resolve(item);
      };
      const onClose = () => {
        cleanup();
        reject(new Error(`fake Slack closed while waiting for ${what}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; seen: ${this.describeCalls()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off(event, onItem);
        this.events.off('close', onClose);
      };
      this.events.on(event, onItem);
      this.events.on('close', onClose);
    });
  }

  private describeCalls(): string {
    const calls = this.calls.map((c) => `${c.method}(${c.status}${c.result.ok ? '' : ` ${c.result.error}`})`);
    return calls.length > 0 ? calls.join(', ') : 'no calls';
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = new Date();
    const url = new URL(req.url ?? '/', 'http://fake');
    const rawBody = await readBody(req);
    const apiMethod = /^\/api\/([\w.]+)$/.exec(url.pathname)?.[1];
    const responseId = /^\/response\/([^/]+)$/.exec(url.pathname)?.[1];
    if (apiMethod !== undefined) return this.answerApiCall(apiMethod, req, rawBody, url, receivedAt, res);
    if (responseId !== undefined && req.method === 'POST') {
      return this.answerResponseUrl(decodeURIComponent(responseId), req, rawBody, receivedAt, res);
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not a Slack endpoint');
  }

  private answerApiCall(
    method: string,
    req: IncomingMessage,
    rawBody: string,
    url: URL,
    receivedAt: Date,
    res: ServerResponse,
  ): void {
    const parsed = parseArgs(req.headers['content-type'], rawBody);
    // Slack merges query-string arguments with body arguments.
    const args: SlackArgs = { ...Object.fromEntries(url.searchParams), ...(parsed.ok ? parsed.args : {}) };
    const token = bearerToken(req.headers);
    const answer = parsed.ok ? this.answer(method, args, token) : { status: 200, result: fail(parsed.error) };
    const call = {
      method,
      args,
      headers: req.headers,
      token,
      receivedAt,
      status: answer.status,
      result: answer.result,
    };
    // Record before answering, so a test that sees the HTTP response also sees the call.
    this.calls.push(call);
    this.events.emit('call', call);
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers });
    res.end(JSON.stringify(answer.result));
  }

  /** Slack's order: authentication, then rate limits and errors, then the method itself. */
  private answer(method: string, args: SlackArgs, token: string | undefined): Answer {
    if (token === undefined) return { status: 200, result: fail('not_authed') };
    if (!this.isValidToken(token)) return { status: 200, result: fail('invalid_auth') };
    const failure = this.takeFailure(method, args);
    if (failure !== undefined) return failureAnswer(failure);
    const handler = this.handlers.get(method);
    if (handler === undefined)
      return { status: 200, result: { ok: false, error: 'unknown_method', req_method: method } };
    return { status: 200, result: handler(args, this.workspace) };
  }

  private takeFailure(method: string, args: SlackArgs): FakeFailure | undefined {
    const queue = this.failures.get(method);
    const entry = queue?.find((pending) => pending.failure.when?.(args) ?? true);
    if (queue === undefined || entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) queue.splice(queue.indexOf(entry), 1);
    return entry.failure;
  }

  private answerResponseUrl(
    id: string,
    req: IncomingMessage,
    rawBody: string,
    receivedAt: Date,
    res: ServerResponse,
  ): void {
    const parsed = parseArgs(req.headers['content-type'], rawBody);
    const post = { id, body: parsed.ok ? parsed.args : rawBody, headers: req.headers, receivedAt };
    this.responseUrlPosts.push(post);
    this.events.emit('response', post);
    // hooks.slack.com answers a plain-text "ok".
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  }
}

function failureAnswer(failure: FakeFailure): Answer {
  switch (failure.kind) {
    case 'ratelimited':
      return {
        status: 429,
        result: fail('ratelimited'),
        headers: { 'retry-after': String(failure.retryAfterSeconds) },
      };
    case 'error':
      return { status: 200, result: { ...failure.extra, ok: false, error: failure.error } };
    case 'http':
      return { status: failure.status, result: fail(`http_${failure.status}`) };
  }
}

function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

type ParsedArgs = { ok: true; args: SlackArgs } | { ok: false; error: string };

function parseArgs(contentType: string | undefined, rawBody: string): ParsedArgs {
  if (rawBody === '') return { ok: true, args: {} };
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return parseJsonArgs(rawBody);
  if (type === 'application/x-www-form-urlencoded') return { ok: true, args: parseFormArgs(rawBody) };
  // multipart (file uploads) is outside what this fake supports.
  return { ok: false, error: 'invalid_form_data' };
}

function parseJsonArgs(rawBody: string): ParsedArgs {
  try {
    const value: unknown = JSON.parse(rawBody);
    const args = asObject(value);
    return args === undefined ? { ok: false, error: 'invalid_json' } : { ok: true, args };
  } catch {
    return { ok: false, error: 'invalid_json' };
  }
}

function parseFormArgs(rawBody: string): SlackArgs {
  const args: SlackArgs = {};
  for (const [key, value] of new URLSearchParams(rawBody)) {
    args[key] = JSON_ENCODED_FIELDS.has(key) ? parseJsonOrKeep(value) : value;
  }
  return args;
}

function parseJsonOrKeep(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
