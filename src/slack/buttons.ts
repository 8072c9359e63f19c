/**
 * The card's buttons (Reconfirm, Change, Cancel; Extend and Replace the stream key), wherever the card is: the organizer's DM or App
 * Home. Only the organizer or a workspace admin gets anywhere (the use cases decide); anyone else
 * is told so, privately (for Change and Cancel, in the modal that opened at once), and nothing
 * changes. After an action the card is redrawn in its new state, so no stale button stays behind.
 */
import type { App, BlockAction, ButtonAction, RespondFn, webApi } from '@slack/bolt';
import { cardFor } from '../chat/card.js';
import { refusalText } from '../chat/refusals.js';
import { actionRefusal } from '../domain/actions.js';
import type { StoredReservation } from '../chat/port.js';
import type { SlackActor } from './actor.js';
import { openNewForm } from './command.js';
import { publishHome } from './home.js';
import { ACTION, extendMinutes, HOME_NEW } from './ids.js';
import type { ModalView } from './modal.js';
import { cancelForm, formFromReservation, reservationForm } from './modal.js';
import { failedView, loadingView, messageView } from './views.js';
import { escapeText } from './text.js';
import type { SlackMessage } from './render.js';
import { reservationCard } from './render.js';
import type { SlackContext } from './context.js';
import { ADMIN, teamOf } from './context.js';

/** Where the pressed button was. */
type Surface = { kind: 'message'; channel: string; ts: string } | { kind: 'home' } | { kind: 'other' };

interface Press {
  services: SlackContext;
  client: webApi.WebClient;
  respond: RespondFn;
  body: BlockAction<ButtonAction>;
  actor: SlackActor;
  surface: Surface;
  reservationId: string;
}

function surfaceOf(body: BlockAction): Surface {
  const container = body.container as { type?: string; channel_id?: string; message_ts?: string };
  if (container.type === 'message' && container.channel_id && container.message_ts) {
    return { kind: 'message', channel: container.channel_id, ts: container.message_ts };
  }
  if (body.view?.type === 'home') return { kind: 'home' };
  return { kind: 'other' };
}

export function registerButtons(app: App, services: SlackContext): void {
  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: new RegExp(`^(${Object.values(ACTION).join('|')})$`) },
    async ({ ack, body, action, client, respond }) => {
      await ack();
      const surface = surfaceOf(body);
      const teamId = teamOf(body);
      const where = surface.kind === 'message' ? `${surface.channel}:${surface.ts}` : surface.kind;
      const key = `${teamId}:${body.user.id}:${action.action_id}:${action.value}:${where}`;
      // A double click or a redelivery: the first press is being handled already.
      if (!services.recent.firstTime(key)) return;
      try {
        await handlePress({ services, client, respond, body, surface, teamId }, action);
      } catch (error) {
        // The press was not carried out: a retry must get through, not be taken for a double click.
        services.recent.forget(key);
        throw error;
      }
    },
  );

  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: HOME_NEW },
    async ({ ack, body, client }) => {
      await ack();
      await openNewForm(services, client, body.trigger_id, { fromHome: true });
    },
  );
}

type PressInput = Omit<Press, 'actor' | 'reservationId'> & { teamId: string };

async function handlePress(input: PressInput, action: ButtonAction): Promise<void> {
  const form =
    action.action_id === ACTION.change ? 'change' : action.action_id === ACTION.cancel ? 'cancel' : undefined;
  // First, before any read: the trigger_id expires 3 s after the press, and the reads below
  // (users.info, the reservation, the servers) can take longer than that.
  const viewId = form ? await openLoading(input.client, input.body.trigger_id) : undefined;
  const { services, body, teamId } = input;
  const actor = await services.actors.get({ teamId, userId: body.user.id, fallbackName: body.user.username });
  const press: Press = { ...input, actor, reservationId: action.value ?? '' };
  if (!form || !viewId) return action.action_id === ACTION.reconfirm ? reconfirm(press) : streamAction(press, action);
  try {
    await input.client.views.update({ view_id: viewId, view: await formView(press, form) });
  } catch (error) {
    // The modal is open already: it must not stay on "Loading…".
    await input.client.views.update({ view_id: viewId, view: failedView() }).catch(() => undefined);
    throw error;
  }
}

async function openLoading(client: webApi.WebClient, triggerId: string): Promise<string> {
  const opened = await client.views.open({ trigger_id: triggerId, view: loadingView() });
  if (!opened.view?.id) throw new Error('views.open returned no view id');
  return opened.view.id;
}

async function reconfirm(press: Press): Promise<void> {
  const { services, actor } = press;
  const outcome = await services.chat.reconfirm(actor, press.reservationId);
  if (outcome.ok) return void (await redraw(press));
  if (outcome.reason === 'forbidden' || outcome.reason === 'not_found') return tell(press, refusalText(outcome, ADMIN));
  // Already reconfirmed (a second press), cancelled meanwhile, or too late: show how it stands now.
  const current = await redraw(press);
  if (current?.status === 'confirmed') return;
  await tell(press, outcome.message);
}

/** Extend by some minutes, or Replace the stream key: the card shows the result (the new key in the DM only). */
async function streamAction(press: Press, action: ButtonAction): Promise<void> {
  const { services, actor } = press;
  const minutes = extendMinutes(action.action_id);
  const outcome =
    minutes === undefined
      ? await services.chat.replaceKey(actor, press.reservationId)
      : await services.chat.extend(actor, press.reservationId, { minutes });
  if (!outcome.ok && (outcome.reason === 'forbidden' || outcome.reason === 'not_found'))
    return tell(press, refusalText(outcome, ADMIN));
  await redraw(press);
  if (!outcome.ok) return tell(press, outcome.message);
  await tell(
    press,
    minutes === undefined
      ? `The stream key of ${outcome.value.code} is replaced: whoever streamed with the old one was cut off. The new key is on your card in our DM.`
      : `${outcome.value.code} is extended by ${minutes} min; invitees hear of the new end.`,
  );
}

/** What the loading modal becomes: the Change or Cancel form, or why there is none. */
async function formView(press: Press, form: 'change' | 'cancel'): Promise<ModalView> {
  const { services, actor } = press;
  const found = await services.chat.find(actor, press.reservationId);
  if (!found.ok) return refusedView(refusalText(found, ADMIN));
  const reservation = found.value;
  // A form certain to be refused does not open; the card shows why there is no such button any more.
  const refused = actionRefusal(reservation, form, services.chat.clock());
  if (refused) {
    await redraw(press);
    return refusedView(refused.message);
  }
  const metadata = { reservationId: reservation.id, ...(press.surface.kind === 'home' ? { fromHome: true } : {}) };
  if (form === 'cancel') return cancelForm(reservation, metadata);
  const servers = await services.chat.servers();
  return reservationForm({ mode: 'change', servers, form: formFromReservation(reservation), metadata });
}

const refusedView = (text: string): ModalView => messageView('Not possible', `:no_entry: ${escapeText(text)}`);

/**
 * Answers a press: the organizer's recorded card follows the commit by itself (src/chat/follow.ts);
 * pressed, it is drawn through the pressed message unless the follower drew it first. A pressed
 * card that is not the recorded one is redrawn for whoever pressed it, where it is. Returns the
 * reservation as it now stands.
 */
async function redraw(press: Press): Promise<StoredReservation | undefined> {
  const { surface, services, client, actor } = press;
  const edit = (channel: string, ts: string) => async (card: SlackMessage) =>
    void (await client.chat.update({ channel, ts, text: card.text, blocks: card.blocks }));
  const pressed =
    surface.kind === 'message'
      ? { channelId: surface.channel, messageId: surface.ts, edit: edit(surface.channel, surface.ts) }
      : undefined;
  const { pressedWasPrompt, reservation } = await services.prompts.redraw(press.reservationId, pressed);
  if (pressed && !pressedWasPrompt && reservation) {
    // Slack's DM channel ids start with D.
    const place = surface.kind === 'message' && surface.channel.startsWith('D') ? 'direct_message' : 'shared';
    await pressed.edit(reservationCard(cardFor(reservation, { reader: actor, place, now: services.chat.clock() })));
  }
  if (surface.kind === 'home') await publishHome(services, client, actor);
  return reservation;
}

/** A private answer: ephemeral where the press came from a message, a DM otherwise. */
async function tell(press: Press, text: string): Promise<void> {
  if (press.surface.kind === 'message' && press.body.response_url) {
    await press.respond({ response_type: 'ephemeral', replace_original: false, text: escapeText(text) });
    return;
  }
  await press.client.chat.postMessage({ channel: press.body.user.id, text: escapeText(text) });
}
