/**
 * App Home: the user's upcoming reservations, each with its state and the same buttons as the DM
 * card, and a button to make a new one.
 */
import type { types, webApi } from '@slack/bolt';
import { cardFor } from '../chat/card.js';
import type { StoredReservation } from '../chat/port.js';
import type { SlackActor } from './actor.js';
import type { Block } from './blocks.js';
import { actions, button, context, divider, header, section } from './blocks.js';
import { HOME_NEW } from './ids.js';
import { reservationCard } from './render.js';
import type { SlackContext } from './context.js';

// Each card takes up to six blocks; Slack allows 100 per view.
const MAX_SHOWN = 15;

export function homeView(reservations: readonly StoredReservation[], actor: SlackActor, now: Date): types.HomeView {
  const blocks: Block[] = [
    header('Your reservations'),
    actions('home_actions', [button('New reservation', HOME_NEW, 'new', { style: 'primary' })]),
    divider(),
  ];
  if (reservations.length === 0)
    blocks.push(section('Nothing booked yet. Press *New reservation* or type `/reserve` anywhere.'));
  for (const reservation of reservations.slice(0, MAX_SHOWN)) {
    // The stream key stays in the DM: Home is a screen people share.
    blocks.push(...reservationCard(cardFor(reservation, { reader: actor, place: 'shared', now })).blocks, divider());
  }
  if (reservations.length > MAX_SHOWN) blocks.push(context('There are more: type `/reserve list` to see them all.'));
  return { type: 'home', blocks };
}

export async function publishHome(services: SlackContext, client: webApi.WebClient, actor: SlackActor): Promise<void> {
  // Home shows the user's own reservations, admin or not: the workspace's would crowd it out.
  const own = { ...actor, isAdmin: false };
  const reservations = await services.chat.upcoming(own, MAX_SHOWN + 1);
  await client.views.publish({ user_id: actor.userId, view: homeView(reservations, actor, services.chat.clock()) });
}
