// Builds and sends requests the way Slack sends them to an app's HTTP endpoint: slash commands,
// interactive payloads and Events API callbacks, signed with the app's signing secret
// (`v0=` HMAC-SHA256 over `v0:{timestamp}:{raw body}`), so Bolt's real verification runs.
//
// Content types matter: Bolt 5.1 compares the Content-Type header with *exact* equality to
// 'application/x-www-form-urlencoded' before parsing a form; anything else (even with
// '; charset=utf-8') is parsed as JSON and answered 400. Slack sends the bare type, and so do we.
import { createHmac, randomBytes } from 'node:crypto';
import { FAKE_BOT, FAKE_TEAM } from './fake-slack.js';

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';
export type SlackContentType = typeof FORM | typeof JSON_TYPE;

/** The acting user of built payloads unless overridden. */
export const FAKE_USER = { id: 'U0FAKEUSER', name: 'alice' } as const;
export const FAKE_CHANNEL = { id: 'C0FAKECHAN', name: 'streams' } as const;

/**
 * Where built payloads' response_url points unless a test passes `fake.responseUrl(id)`:
 * a closed local port, so a stray `respond()` fails at once instead of reaching for the internet.
 */
const UNSET_RESPONSE_URL = 'http://127.0.0.1:1/response/not-configured';

export interface SlackSignatureHeaders {
  'X-Slack-Signature': string;
  'X-Slack-Request-Timestamp': string;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function signSlackRequest(
  signingSecret: string,
  rawBody: string,
  timestampSeconds: number = nowSeconds(),
): SlackSignatureHeaders {
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex');
  return { 'X-Slack-Signature': `v0=${digest}`, 'X-Slack-Request-Timestamp': String(timestampSeconds) };
}

// ---------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------

export interface SignOptions {
  signingSecret: string;
  /** Unix seconds to sign with; default now. Older than 5 minutes is rejected by Bolt. */
  timestamp?: number;
  extraHeaders?: Record<string, string>;
  /** Sign with a different secret: well-formed headers, wrong HMAC. */
  forgeSignature?: boolean;
}

export interface PostOptions extends SignOptions {
  contentType: SlackContentType;
}

export interface EndpointResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function postToSlackEndpoint(url: string, body: string, options: PostOptions): Promise<EndpointResponse> {
  const secret = options.forgeSignature ? `${options.signingSecret}-forged` : options.signingSecret;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': options.contentType,
      'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...signSlackRequest(secret, body, options.timestamp),
      ...options.extraHeaders,
    },
    body,
  });
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** Interactive payloads travel as a form with a single `payload` field holding JSON. */
export function interactiveBody(payload: object): string {
  return formBody({ payload: JSON.stringify(payload) });
}

// ---------------------------------------------------------------------------------------------
// Who acts: shared by every builder
// ---------------------------------------------------------------------------------------------

export interface SlackActor {
  userId?: string;
  userName?: string;
  teamId?: string;
  teamDomain?: string;
  apiAppId?: string;
}

function actor(input: SlackActor) {
  const teamId = input.teamId ?? FAKE_TEAM.id;
  return {
    user: {
      id: input.userId ?? FAKE_USER.id,
      username: input.userName ?? FAKE_USER.name,
      name: input.userName ?? FAKE_USER.name,
      team_id: teamId,
    },
    team: { id: teamId, domain: input.teamDomain ?? FAKE_TEAM.domain },
    api_app_id: input.apiAppId ?? FAKE_BOT.appId,
    // The legacy verification token; Bolt ignores it but Slack still sends it.
    token: 'fake-verification-token',
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** Looks like Slack's trigger ids ("digits.digits.hex"); unique per call. */
export function newTriggerId(): string {
  return `${Date.now()}.${Math.floor(Math.random() * 1e9)}.${randomBytes(16).toString('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// Slash commands
// ---------------------------------------------------------------------------------------------

export interface SlashCommandInput extends SlackActor {
  command: string;
  text?: string;
  channelId?: string;
  channelName?: string;
  triggerId?: string;
  responseUrl?: string;
}

export function buildSlashCommand(input: SlashCommandInput): Record<string, string> {
  const who = actor(input);
  return {
    token: who.token,
    team_id: who.team.id,
    team_domain: who.team.domain,
    channel_id: input.channelId ?? FAKE_CHANNEL.id,
    channel_name: input.channelName ?? FAKE_CHANNEL.name,
    user_id: who.user.id,
    user_name: who.user.name,
    command: input.command,
    text: input.text ?? '',
    api_app_id: who.api_app_id,
    is_enterprise_install: 'false',
    response_url: input.responseUrl ?? UNSET_RESPONSE_URL,
    trigger_id: input.triggerId ?? newTriggerId(),
  };
}

export function sendSlashCommand(
  url: string,
  input: SlashCommandInput,
  options: SignOptions,
): Promise<EndpointResponse> {
  return postToSlackEndpoint(url, formBody(buildSlashCommand(input)), { ...options, contentType: FORM });
}

// ---------------------------------------------------------------------------------------------
// Modal state values, keyed block_id → action_id → typed value
// ---------------------------------------------------------------------------------------------

export type StateValue =
  | { type: 'plain_text_input'; value: string | null }
  | { type: 'datetimepicker'; selected_date_time: number | null }
  | {
      type: 'static_select';
      selected_option: { text: { type: 'plain_text'; text: string; emoji: boolean }; value: string } | null;
    }
  | { type: 'multi_conversations_select'; selected_conversations: string[] };

export type StateValues = Record<string, Record<string, StateValue>>;

/** Shorthands for the values an untouched or filled-in input reports. */
export const stateValue = {
  text: (value: string | null): StateValue => ({ type: 'plain_text_input', value }),
  /** Unix seconds, as the datetimepicker reports them. */
  dateTime: (unixSeconds: number | null): StateValue => ({ type: 'datetimepicker', selected_date_time: unixSeconds }),
  select: (value: string | null, label: string = value ?? ''): StateValue => ({
    type: 'static_select',
    selected_option: value === null ? null : { text: { type: 'plain_text', text: label, emoji: true }, value },
  }),
  conversations: (ids: string[]): StateValue => ({ type: 'multi_conversations_select', selected_conversations: ids }),
};

export interface ViewInput {
  id?: string;
  callbackId: string;
  privateMetadata?: string;
  values?: StateValues;
  externalId?: string;
  title?: string;
  type?: 'modal' | 'home';
}

function buildView(input: ViewInput) {
  const id = input.id ?? 'V0FAKEVIEW';
  return {
    id,
    team_id: FAKE_TEAM.id,
    type: input.type ?? 'modal',
    blocks: [],
    private_metadata: input.privateMetadata ?? '',
    callback_id: input.callbackId,
    state: { values: input.values ?? {} },
    hash: `${nowSeconds()}.${randomBytes(4).toString('hex')}`,
    title: { type: 'plain_text', text: input.title ?? 'Slotcast', emoji: true },
    clear_on_close: false,
    notify_on_close: true,
    close: null,
    submit: { type: 'plain_text', text: 'Submit', emoji: true },
    previous_view_id: null,
    root_view_id: id,
    app_id: FAKE_BOT.appId,
    external_id: input.externalId ?? '',
    app_installed_team_id: FAKE_TEAM.id,
    bot_id: FAKE_BOT.botId,
  };
}

// ---------------------------------------------------------------------------------------------
// block_actions
// ---------------------------------------------------------------------------------------------

export interface ActionInput {
  actionId: string;
  blockId: string;
  value?: string;
  type?: string;
}

export interface BlockActionsInput extends SlackActor {
  actions: ActionInput[];
  /** Clicked in a message (default) ... */
  channelId?: string;
  messageTs?: string;
  message?: Record<string, unknown>;
  /** ... or inside a modal, which has no channel, message or response_url. */
  view?: ViewInput;
  triggerId?: string;
  responseUrl?: string;
}

export function buildBlockActions(input: BlockActionsInput): Record<string, unknown> {
  const actionTs = `${nowSeconds()}.${String(Math.floor(Math.random() * 1_000_000)).padStart(6, '0')}`;
  const actions = input.actions.map((a) => ({
    type: a.type ?? 'button',
    action_id: a.actionId,
    block_id: a.blockId,
    ...(a.value !== undefined ? { value: a.value } : {}),
    text: { type: 'plain_text', text: a.actionId, emoji: true },
    action_ts: actionTs,
  }));
  const base = { type: 'block_actions', ...actor(input), trigger_id: input.triggerId ?? newTriggerId(), actions };
  if (input.view !== undefined) {
    const view = buildView(input.view);
    return { ...base, container: { type: 'view', view_id: view.id }, view, state: view.state };
  }
  const channelId = input.channelId ?? FAKE_CHANNEL.id;
  const messageTs = input.messageTs ?? `${nowSeconds()}.000100`;
  return {
    ...base,
    container: { type: 'message', message_ts: messageTs, channel_id: channelId, is_ephemeral: false },
    channel: { id: channelId, name: FAKE_CHANNEL.name },
    message: input.message ?? {
      type: 'message',
      user: FAKE_BOT.userId,
      bot_id: FAKE_BOT.botId,
      text: '',
      ts: messageTs,
    },
    state: { values: {} },
    response_url: input.responseUrl ?? UNSET_RESPONSE_URL,
  };
}

export function sendBlockActions(
  url: string,
  input: BlockActionsInput,
  options: SignOptions,
): Promise<EndpointResponse> {
  return postToSlackEndpoint(url, interactiveBody(buildBlockActions(input)), { ...options, contentType: FORM });
}

// ---------------------------------------------------------------------------------------------
// view_submission and view_closed
// ---------------------------------------------------------------------------------------------

export interface ViewSubmissionInput extends SlackActor {
  view: ViewInput;
  triggerId?: string;
}

export function buildViewSubmission(input: ViewSubmissionInput): Record<string, unknown> {
  return {
    type: 'view_submission',
    ...actor(input),
    trigger_id: input.triggerId ?? newTriggerId(),
    view: buildView(input.view),
    response_urls: [],
  };
}

export function sendViewSubmission(
  url: string,
  input: ViewSubmissionInput,
  options: SignOptions,
): Promise<EndpointResponse> {
  return postToSlackEndpoint(url, interactiveBody(buildViewSubmission(input)), { ...options, contentType: FORM });
}

export interface ViewClosedInput extends SlackActor {
  view: ViewInput;
  isCleared?: boolean;
}

export function buildViewClosed(input: ViewClosedInput): Record<string, unknown> {
  return { type: 'view_closed', ...actor(input), view: buildView(input.view), is_cleared: input.isCleared ?? false };
}

export function sendViewClosed(url: string, input: ViewClosedInput, options: SignOptions): Promise<EndpointResponse> {
  return postToSlackEndpoint(url, interactiveBody(buildViewClosed(input)), { ...options, contentType: FORM });
}

// ---------------------------------------------------------------------------------------------
// Events API
// ---------------------------------------------------------------------------------------------

export interface AppHomeOpenedInput {
  userId?: string;
  teamId?: string;
  channelId?: string;
  tab?: 'home' | 'messages';
  eventId?: string;
  apiAppId?: string;
}

export function buildAppHomeOpened(input: AppHomeOpenedInput = {}): Record<string, unknown> {
  const eventTime = nowSeconds();
  return buildEventCallback(
    {
      type: 'app_home_opened',
      user: input.userId ?? FAKE_USER.id,
      channel: input.channelId ?? 'D0FAKEHOME',
      tab: input.tab ?? 'home',
      event_ts: `${eventTime}.000100`,
    },
    { teamId: input.teamId, eventId: input.eventId, apiAppId: input.apiAppId, eventTime },
  );
}

/** Wraps any event in the event_callback envelope Slack posts. */
export function buildEventCallback(
  event: Record<string, unknown>,
  meta: {
    teamId?: string | undefined;
    eventId?: string | undefined;
    apiAppId?: string | undefined;
    eventTime?: number;
  } = {},
): Record<string, unknown> {
  const teamId = meta.teamId ?? FAKE_TEAM.id;
  return {
    token: 'fake-verification-token',
    team_id: teamId,
    context_team_id: teamId,
    api_app_id: meta.apiAppId ?? FAKE_BOT.appId,
    event,
    type: 'event_callback',
    event_id: meta.eventId ?? `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: meta.eventTime ?? nowSeconds(),
    authorizations: [
      { enterprise_id: null, team_id: teamId, user_id: FAKE_BOT.userId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
  };
}

export interface EventSendOptions extends SignOptions {
  /** Sets X-Slack-Retry-Num / X-Slack-Retry-Reason, as on Slack's redeliveries. */
  retryNum?: number;
  /** Slack sends e.g. 'http_timeout', 'http_error', 'too_many_requests', 'unknown_error'. */
  retryReason?: string;
}

export function sendEvent(
  url: string,
  envelope: Record<string, unknown>,
  options: EventSendOptions,
): Promise<EndpointResponse> {
  const retryHeaders: Record<string, string> = {};
  if (options.retryNum !== undefined) retryHeaders['X-Slack-Retry-Num'] = String(options.retryNum);
  if (options.retryReason !== undefined) retryHeaders['X-Slack-Retry-Reason'] = options.retryReason;
  return postToSlackEndpoint(url, JSON.stringify(envelope), {
    ...options,
    contentType: JSON_TYPE,
    extraHeaders: { ...retryHeaders, ...options.extraHeaders },
  });
}
