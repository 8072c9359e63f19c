/**
 * REST routes interactions are answered through: the one-time callback, then the interaction
 * webhook (`@original` edits and follow-ups). Discord's rules are enforced because breaking them
 * is the usual bug: one callback per interaction, within 3 s, of a type that fits the interaction.
 */
import type { APIMessage } from 'discord.js';
import { InteractionResponseType, InteractionType, MessageFlags } from 'discord.js';
import { editMessage, makeMessage } from './objects.js';
import type { Reply, Route, RouteContext } from './reply.js';
import {
  apiError,
  bodyObject,
  invalidField,
  noContent,
  ok,
  unknownInteraction,
  unknownMessage,
  unknownWebhook,
} from './reply.js';
import { messageInput, validateMessage } from './routes.js';
import type { InteractionCallbackBody, InteractionRecord } from './world.js';

const R = InteractionResponseType;

/** Which callback types Discord accepts for each interaction type. */
const ALLOWED_RESPONSES: Record<number, number[]> = {
  [InteractionType.ApplicationCommand]: [R.ChannelMessageWithSource, R.DeferredChannelMessageWithSource, R.Modal],
  [InteractionType.MessageComponent]: [
    R.ChannelMessageWithSource,
    R.DeferredChannelMessageWithSource,
    R.DeferredMessageUpdate,
    R.UpdateMessage,
    R.Modal,
  ],
  [InteractionType.ApplicationCommandAutocomplete]: [R.ApplicationCommandAutocompleteResult],
  // A modal cannot open another modal.
  [InteractionType.ModalSubmit]: [
    R.ChannelMessageWithSource,
    R.DeferredChannelMessageWithSource,
    R.DeferredMessageUpdate,
    R.UpdateMessage,
  ],
};

function channelIdOf(record: InteractionRecord): string {
  return record.payload.channel?.id ?? record.payload.channel_id ?? '';
}

/** The message `@original` designates after a callback of the given type, if any. */
function originalAfter(
  ctx: RouteContext,
  record: InteractionRecord,
  callback: InteractionCallbackBody,
): APIMessage | undefined {
  const { world } = ctx;
  const data = callback.data ?? {};
  const fromInteraction = { webhook_id: world.applicationId, application_id: world.applicationId };
  const ephemeral = Number(data.flags ?? 0) & MessageFlags.Ephemeral;
  switch (callback.type) {
    case R.ChannelMessageWithSource:
      return makeMessage(channelIdOf(record), world.bot, messageInput(data, ctx.files), fromInteraction);
    case R.DeferredChannelMessageWithSource:
      // The "thinking…" placeholder: Loading until the first edit of @original.
      return makeMessage(channelIdOf(record), world.bot, { flags: MessageFlags.Loading | ephemeral }, fromInteraction);
    case R.DeferredMessageUpdate:
      return record.payload.message;
    case R.UpdateMessage:
      return record.payload.message && editMessage(record.payload.message, messageInput(data, ctx.files));
    default:
      return undefined;
  }
}

/** `?with_response=true`: the interaction callback response object instead of 204. */
function callbackResponse(record: InteractionRecord, callback: InteractionCallbackBody): unknown {
  const original = record.original;
  const carriesMessage = callback.type === R.ChannelMessageWithSource || callback.type === R.UpdateMessage;
  return {
    interaction: {
      id: record.payload.id,
      type: record.payload.type,
      response_message_id: original?.id,
      response_message_loading: callback.type === R.DeferredChannelMessageWithSource,
      response_message_ephemeral: ((original?.flags ?? 0) & MessageFlags.Ephemeral) !== 0,
    },
    resource: { type: callback.type, ...(carriesMessage && original ? { message: original } : {}) },
  };
}

function interactionCallback(ctx: RouteContext): Reply {
  const record = ctx.world.interactions.get(ctx.params.interaction_id ?? '');
  if (!record || record.payload.token !== ctx.params.token) return unknownInteraction();
  // Too late: Discord has already told the user "The application did not respond".
  if (Date.now() - record.dispatchedAt > ctx.interactionDeadlineMs) return unknownInteraction();
  if (record.response) return apiError(400, 40060, 'Interaction has already been acknowledged.');
  const callback = bodyObject(ctx.body) as unknown as InteractionCallbackBody;
  if (!ALLOWED_RESPONSES[record.payload.type]?.includes(callback.type)) {
    return invalidField(
      'type',
      'INTERACTION_RESPONSE_TYPE_INVALID',
      'Invalid interaction response type for this interaction',
    );
  }
  if (callback.type === R.ChannelMessageWithSource) {
    const invalid = validateMessage(messageInput(callback.data, ctx.files));
    if (invalid) return invalid;
  }
  record.response = callback;
  record.original = originalAfter(ctx, record, callback);
  if (record.original) ctx.world.messages.set(record.original.id, record.original);
  return ctx.query.with_response === 'true' ? ok(callbackResponse(record, callback)) : noContent();
}

/** The interaction a webhook URL designates: the application id must match and the token be known. */
function webhookInteraction({ world, params }: RouteContext): InteractionRecord | undefined {
  if (params.application_id !== world.applicationId) return undefined;
  return world.interactionByToken(params.token ?? '');
}

function followUp(ctx: RouteContext): Reply {
  const record = webhookInteraction(ctx);
  // Follow-ups exist only once the interaction has been acknowledged.
  if (!record?.response) return unknownWebhook();
  const input = messageInput(ctx.body, ctx.files);
  const invalid = validateMessage(input);
  if (invalid) return invalid;
  const message = makeMessage(channelIdOf(record), ctx.world.bot, input, {
    webhook_id: ctx.world.applicationId,
    application_id: ctx.world.applicationId,
  });
  ctx.world.messages.set(message.id, message);
  return ctx.query.wait === 'true' ? ok(message) : noContent();
}

function webhookMessage(ctx: RouteContext, record: InteractionRecord): APIMessage | undefined {
  const id = ctx.params.message_id ?? '';
  if (id === '@original') return record.original;
  const message = ctx.world.messages.get(id);
  return message?.webhook_id === ctx.world.applicationId && message.channel_id === channelIdOf(record)
    ? message
    : undefined;
}

function withWebhookMessage(handle: (ctx: RouteContext, record: InteractionRecord, message: APIMessage) => Reply) {
  return (ctx: RouteContext): Reply => {
    const record = webhookInteraction(ctx);
    if (!record) return unknownWebhook();
    const message = webhookMessage(ctx, record);
    return message ? handle(ctx, record, message) : unknownMessage();
  };
}

const editWebhookMessage = withWebhookMessage((ctx, record, message) => {
  // The first edit of a deferred reply replaces the "thinking…" placeholder.
  const edited = editMessage(message, messageInput(ctx.body, ctx.files), MessageFlags.Loading);
  ctx.world.messages.set(edited.id, edited);
  if (record.original?.id === edited.id) record.original = edited;
  return ok(edited);
});

const deleteWebhookMessage = withWebhookMessage((ctx, record, message) => {
  ctx.world.messages.delete(message.id);
  if (record.original?.id === message.id) record.original = undefined;
  return noContent();
});

const open = (method: string, template: string, handle: (ctx: RouteContext) => Reply): Route => ({
  method,
  template,
  auth: false,
  handle,
});

export const interactionRoutes: Route[] = [
  open('POST', '/interactions/:interaction_id/:token/callback', interactionCallback),
  open('POST', '/webhooks/:application_id/:token', followUp),
  open(
    'GET',
    '/webhooks/:application_id/:token/messages/:message_id',
    withWebhookMessage((_ctx, _record, message) => ok(message)),
  ),
  open('PATCH', '/webhooks/:application_id/:token/messages/:message_id', editWebhookMessage),
  open('DELETE', '/webhooks/:application_id/:token/messages/:message_id', deleteWebhookMessage),
];
