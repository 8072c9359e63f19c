/**
 * The card's buttons (Reconfirm, Change, Cancel), wherever the card is: the organizer's DM or App
 * Home. Only the organizer or a workspace admin gets anywhere (the use cases decide); anyone else
 * is told so, privately, and nothing changes. After an action the card is redrawn in its new
 * state, so no stale button stays behind.
 */
import type { App, BlockAction, ButtonAction, RespondFn, webApi } from '@slack/bolt';
import { reconfirmReservation } from '../app/lifecycle.js';
import { getReservation } from '../app/queries.js';
import { isOrganizer } from '../domain/reservation.js';
import { describeRefusedTransition, transition } from '../domain/status.js';
import type { StoredReservation } from '../store/reservations.js';
import type { SlackActor } from './actor.js';
import { openNewForm } from './command.js';
import { HOME_NEW, publishHome } from './home.js';
import { cancelForm, formFromReservation, reservationForm } from './modal.js';
import { escapeText } from './mrkdwn.js';
import { ACTION, cardFromReservation, reservationCard } from './render.js';
import type { SlackServices } from './services.js';
import { teamOf } from './services.js';

/** Where the pressed button was. */
type Surface = { kind: 'message'; channel: string; ts: string } | { kind: 'home' } | { kind: 'other' };

interface Press {
  services: SlackServices;
  client: webApi.WebClient;
  respond: RespondFn;
  body: BlockAction<ButtonAction>;
  actor: SlackActor;
  surface: Surface;
  reservationId: string;
}

const NOT_YOURS = 'Only the organizer of this reservation or a workspace admin can do that.';

function surfaceOf(body: BlockAction): Surface {
  const container = body.container as { type?: string; channel_id?: string; message_ts?: string };
  if (container.type === 'message' && container.channel_id && container.message_ts) {
    return { kind: 'message', channel: container.channel_id, ts: container.message_ts };
  }
  if (body.view?.type === 'home') return { kind: 'home' };
  return { kind: 'other' };
}

export function registerButtons(app: App, services: SlackServices): void {
  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: new RegExp(`^(${Object.values(ACTION).join('|')})$`) }, async ({ ack, body, action, client, respond }) => {
    await ack();
    const surface = surfaceOf(body);
    const teamId = teamOf(body);
    const where = surface.kind === 'message' ? `${surface.channel}:${surface.ts}` : surface.kind;
    // A double click or a redelivery: the first press is being handled already.
    if (!services.recent.firstTime(`${teamId}:${body.user.id}:${action.action_id}:${action.value}:${where}`)) return;
    const actor = await services.actors.get({ teamId, userId: body.user.id, fallbackName: body.user.username });
    const press: Press = { services, client, respond, body, actor, surface, reservationId: action.value ?? '' };
    switch (action.action_id) {
      case ACTION.reconfirm:
        return reconfirm(press);
      case ACTION.change:
      case ACTION.cancel:
        return openForm(press, action.action_id === ACTION.change ? 'change' : 'cancel');
    }
  });

  app.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: HOME_NEW }, async ({ ack, body, client }) => {
    await ack();
    await openNewForm(services, client, body.trigger_id, { fromHome: true });
  });
}

async function reconfirm(press: Press): Promise<void> {
  const { services, actor } = press;
  const outcome = await reconfirmReservation(services.deps, actor, press.reservationId);
  if (outcome.ok) return redraw(press, outcome.value);
  if (outcome.reason === 'forbidden' || outcome.reason === 'not_found') return tell(press, NOT_YOURS);
  // Already reconfirmed (a second press), cancelled meanwhile, or too late: show how it stands now.
  const current = await getReservation(services.deps, actor, press.reservationId);
  if (current.ok) await redraw(press, current.value);
  if (current.ok && current.value.status === 'confirmed') return;
  await tell(press, outcome.message);
}

async function openForm(press: Press, form: 'change' | 'cancel'): Promise<void> {
  const { services, actor, client } = press;
  const found = await getReservation(services.deps, actor, press.reservationId);
  if (!found.ok) return tell(press, NOT_YOURS);
  const reservation = found.value;
  const allowed = transition(reservation.status, form);
  if (!allowed.ok) {
    await redraw(press, reservation);
    return tell(press, describeRefusedTransition(reservation.status, form));
  }
  const metadata = { reservationId: reservation.id, ...(press.surface.kind === 'home' ? { fromHome: true } : {}) };
  const servers = await services.deps.servers.active();
  const view =
    form === 'change'
      ? reservationForm({ mode: 'change', servers, form: formFromReservation(reservation), metadata })
      : cancelForm(reservation, metadata);
  await client.views.open({ trigger_id: press.body.trigger_id, view });
}

/** Redraws the pressed card; the stream key only in the organizer's own DM. */
async function redraw(press: Press, reservation: StoredReservation): Promise<void> {
  const { surface, services, client, actor } = press;
  if (surface.kind === 'message') {
    const own = isOrganizer(actor, reservation.organizer) && surface.channel.startsWith('D');
    const card = reservationCard(cardFromReservation(reservation, { withIngest: own }), { buttons: true });
    await client.chat.update({ channel: surface.channel, ts: surface.ts, text: card.text, blocks: card.blocks });
    return;
  }
  await services.dms.refreshCard(services.deps.pool, reservation);
  if (surface.kind === 'home') await publishHome(services, client, actor);
}

/** A private answer: ephemeral where the press came from a message, a DM otherwise. */
async function tell(press: Press, text: string): Promise<void> {
  if (press.surface.kind === 'message' && press.body.response_url) {
    await press.respond({ response_type: 'ephemeral', replace_original: false, text: escapeText(text) });
    return;
  }
  await press.client.chat.postMessage({ channel: press.body.user.id, text: escapeText(text) });
}
