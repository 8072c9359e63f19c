/**
 * A local stand-in for Discord that the real discord.js 14 Client connects to: REST API v10 on
 * http://127.0.0.1:PORT/api and the gateway on ws://127.0.0.1:PORT, both on one port.
 *
 *   const fake = await startFakeDiscord();
 *   const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.restUrl } });
 *   await client.login(fake.token);
 *   const { id } = fake.dispatchInteraction(fake.slashCommand({ name: 'slot', subcommand: 'book' }));
 *   const response = await fake.waitForInteractionResponse(id);
 *
 * Every REST request is recorded (`calls`); failures can be injected (`failNext`); waits listen for
 * events rather than poll. Pieces live in ./fake-discord/.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGuildScheduledEvent, APIInteraction, APIMessage, APIUser } from 'discord.js';
import type { GatewayPayload, IdentifyRecord } from './fake-discord/gateway.js';
import { FakeGateway, GATEWAY_PAYLOAD_EVENT, IDENTIFY_EVENT } from './fake-discord/gateway.js';
import type {
  AutocompleteInput,
  ButtonClickInput,
  ModalSubmitInput,
  SlashCommandInput,
} from './fake-discord/interactions.js';
import { InteractionBuilders } from './fake-discord/interactions.js';
import type { FakeGuild, FakeGuildOptions } from './fake-discord/objects.js';
import { makeUser } from './fake-discord/objects.js';
import type { FailRule } from './fake-discord/rest.js';
import { CALL_EVENT, FakeRest } from './fake-discord/rest.js';
import { CLOSED_EVENT, waitFor } from './fake-discord/waiting.js';
import type { InteractionCallbackBody, InteractionRecord, RecordedCall } from './fake-discord/world.js';
import { FakeWorld } from './fake-discord/world.js';

export type { GatewayPayload, IdentifyRecord } from './fake-discord/gateway.js';
export type {
  AutocompleteInput,
  ButtonClickInput,
  InteractionContext,
  ModalFieldInput,
  ModalSubmitInput,
  OptionValues,
  SlashCommandInput,
} from './fake-discord/interactions.js';
export { channelSelectField, stringSelectField, textField } from './fake-discord/interactions.js';
export type { FakeChannel, FakeChannelOptions, FakeGuild, FakeGuildOptions } from './fake-discord/objects.js';
export { DEFAULT_BOT_PERMISSIONS, DEFAULT_MEMBER_PERMISSIONS, snowflake } from './fake-discord/objects.js';
export type { FailRule } from './fake-discord/rest.js';
export type { InteractionCallbackBody, InteractionRecord, RecordedCall, RecordedFile } from './fake-discord/world.js';

export interface FakeDiscordOptions {
  /** The bot token the client must log in with (default `fake-token`). */
  token?: string;
  botUsername?: string;
  /** Guilds the bot is in (default: one guild with one text channel). */
  guilds?: FakeGuildOptions[];
  /** HELLO's heartbeat interval (default 41 250 ms, Discord's). */
  heartbeatIntervalMs?: number;
  /** How long an interaction may wait for its callback (default 3000 ms, Discord's). */
  interactionDeadlineMs?: number;
  /** Default timeout of the `waitFor…` helpers (default 5000 ms). */
  waitTimeoutMs?: number;
}

export interface FakeDiscord {
  /** Pass as `new Client({ rest: { api: restUrl } })`; discord.js appends `/v10`. */
  readonly restUrl: string;
  readonly gatewayUrl: string;
  readonly token: string;
  readonly bot: APIUser;
  readonly applicationId: string;
  /** The user interactions come from by default; owner of every configured guild. */
  readonly defaultUser: APIUser;
  readonly guilds: readonly FakeGuild[];
  readonly calls: readonly RecordedCall[];
  /** Intents of the latest IDENTIFY, null before any. */
  readonly identifiedIntents: number | null;
  readonly identifies: readonly IdentifyRecord[];
  /** Every gateway payload clients sent (heartbeats, identify, resume…). */
  readonly gatewayReceived: readonly GatewayPayload[];
  /** The query of each gateway connection, e.g. `{ v: '10', encoding: 'json' }`. */
  readonly gatewayQueries: readonly Record<string, string>[];

  callsTo(method: string, path: RegExp): RecordedCall[];
  /** The earliest recorded matching call, or the next one to come. */
  waitForCall(
    method: string,
    path: RegExp,
    predicate?: (call: RecordedCall) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedCall>;
  failNext(rule: FailRule): void;
  waitForIdentify(timeoutMs?: number): Promise<IdentifyRecord>;
  waitForGatewayPayload(
    op: number,
    predicate?: (payload: GatewayPayload) => boolean,
    timeoutMs?: number,
  ): Promise<GatewayPayload>;

  addUser(overrides?: Partial<APIUser>): APIUser;
  slashCommand(input: SlashCommandInput): APIInteraction;
  autocomplete(input: AutocompleteInput): APIInteraction;
  modalSubmit(input: ModalSubmitInput): APIInteraction;
  buttonClick(input: ButtonClickInput): APIInteraction;
  /** Sends INTERACTION_CREATE to the connected client; throws when no client is identified. */
  dispatchInteraction(interaction: APIInteraction): { id: string; token: string };
  /** Sends any other dispatch event (op 0) to the connected client. */
  dispatch(event: string, data: unknown): void;
  /** op 7 RECONNECT: the client reconnects and resumes. */
  requestReconnect(): void;

  /** The body POSTed to `/interactions/:id/:token/callback`. */
  waitForInteractionResponse(interactionId: string, timeoutMs?: number): Promise<InteractionCallbackBody>;
  /** A follow-up POSTed to `/webhooks/:application_id/:token`. */
  waitForFollowUp(
    interactionId: string,
    predicate?: (call: RecordedCall) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedCall>;
  /** An edit PATCHed to `/webhooks/:application_id/:token/messages/@original`. */
  waitForOriginalEdit(
    interactionId: string,
    predicate?: (call: RecordedCall) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedCall>;
  interaction(interactionId: string): InteractionRecord | undefined;
  /** Messages in a channel (bot posts, interaction replies, follow-ups), oldest first. */
  messagesIn(channelId: string): APIMessage[];
  scheduledEventsOf(guildId: string): APIGuildScheduledEvent[];

  close(): Promise<void>;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function describeCalls(calls: readonly RecordedCall[]): string {
  const seen = calls.map((call) => `${call.method} ${call.path} → ${call.status}`).join('; ');
  return seen ? `recorded: ${seen}` : 'no calls recorded';
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const world = new FakeWorld({
    token: options.token ?? 'fake-token',
    botUsername: options.botUsername ?? 'Slotcast',
    guilds: options.guilds ?? [{}],
  });
  const waitTimeoutMs = options.waitTimeoutMs ?? 5000;
  let origin = '';
  const rest = new FakeRest(world, {
    gatewayUrl: () => origin.replace(/^http/, 'ws'),
    interactionDeadlineMs: options.interactionDeadlineMs ?? 3000,
  });
  const server = createServer(rest.listener);
  const gateway = new FakeGateway(server, world, {
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    url: () => origin.replace(/^http/, 'ws'),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const builders = new InteractionBuilders(world);

  const waitForCall: FakeDiscord['waitForCall'] = (method, path, predicate = () => true, timeoutMs = waitTimeoutMs) =>
    waitFor({
      emitter: world.emitter,
      event: CALL_EVENT,
      history: world.calls,
      matches: (call: RecordedCall) => call.method === method.toUpperCase() && path.test(call.path) && predicate(call),
      timeoutMs,
      describe: () => `${method} ${path} (${describeCalls(world.calls)})`,
    });

  const webhookPath = (interactionId: string, suffix: string): RegExp => {
    const record = world.interactions.get(interactionId);
    if (!record) throw new Error(`fake Discord: interaction ${interactionId} was never dispatched`);
    return new RegExp(`^/webhooks/${world.applicationId}/${escapeRegExp(record.payload.token)}${suffix}$`);
  };

  return {
    restUrl: `${origin}/api`,
    gatewayUrl: origin.replace(/^http/, 'ws'),
    token: world.token,
    bot: world.bot,
    applicationId: world.applicationId,
    defaultUser: world.defaultUser,
    guilds: world.guilds,
    calls: world.calls,
    get identifiedIntents() {
      return gateway.identifies.at(-1)?.intents ?? null;
    },
    identifies: gateway.identifies,
    gatewayReceived: gateway.received,
    gatewayQueries: gateway.connectionQueries,

    callsTo: (method, path) =>
      world.calls.filter((call) => call.method === method.toUpperCase() && path.test(call.path)),
    waitForCall,
    failNext: (rule) => rest.failNext(rule),
    waitForIdentify: (timeoutMs = waitTimeoutMs) =>
      waitFor({
        emitter: world.emitter,
        event: IDENTIFY_EVENT,
        history: gateway.identifies,
        matches: () => true,
        timeoutMs,
        describe: () => 'a gateway IDENTIFY',
      }),
    waitForGatewayPayload: (op, predicate = () => true, timeoutMs = waitTimeoutMs) =>
      waitFor({
        emitter: world.emitter,
        event: GATEWAY_PAYLOAD_EVENT,
        history: gateway.received,
        matches: (payload: GatewayPayload) => payload.op === op && predicate(payload),
        timeoutMs,
        describe: () => `a gateway payload with op ${op}`,
      }),

    addUser: (overrides) => world.addUser(makeUser(overrides)),
    slashCommand: (input) => builders.slashCommand(input),
    autocomplete: (input) => builders.autocomplete(input),
    modalSubmit: (input) => builders.modalSubmit(input),
    buttonClick: (input) => builders.buttonClick(input),
    dispatchInteraction(interaction) {
      world.interactions.set(interaction.id, { payload: interaction, dispatchedAt: Date.now() });
      if (gateway.dispatch('INTERACTION_CREATE', interaction) === 0) {
        throw new Error('fake Discord: no identified gateway client to dispatch the interaction to');
      }
      return { id: interaction.id, token: interaction.token };
    },
    dispatch(event, data) {
      if (gateway.dispatch(event, data) === 0)
        throw new Error(`fake Discord: no identified gateway client for ${event}`);
    },
    requestReconnect: () => gateway.requestReconnect(),

    async waitForInteractionResponse(interactionId, timeoutMs = waitTimeoutMs) {
      const path = new RegExp(`^/interactions/${interactionId}/[^/]+/callback$`);
      const call = await waitForCall('POST', path, (candidate) => candidate.status < 300, timeoutMs);
      return call.body as InteractionCallbackBody;
    },
    waitForFollowUp: (interactionId, predicate, timeoutMs) =>
      waitForCall('POST', webhookPath(interactionId, ''), predicate, timeoutMs),
    waitForOriginalEdit: (interactionId, predicate, timeoutMs) =>
      waitForCall('PATCH', webhookPath(interactionId, '/messages/@original'), predicate, timeoutMs),
    interaction: (interactionId) => world.interactions.get(interactionId),
    messagesIn: (channelId) => world.messagesIn(channelId),
    scheduledEventsOf: (guildId) => world.scheduledEventsOf(guildId),

    async close() {
      world.emitter.emit(CLOSED_EVENT);
      await gateway.close();
      // discord.js keeps HTTP connections alive; drop them so the server (and jest) can exit.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
