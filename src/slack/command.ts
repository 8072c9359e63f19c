/**
 * `/reserve`: with no text (or `new`) it opens the reservation modal; `list` and `help` do what
 * they say. Ack first: the modal opens right after, while the trigger_id is fresh.
 */
import type { App, webApi } from '@slack/bolt';
import type { StoredReservation } from '../chat/port.js';
import { openLabel, openNotice } from '../chat/open.js';
import { dateToken, escapeText, link, mentionUser, rangeTokens } from './text.js';
import type { ViewMetadata } from './ids.js';
import { reservationForm } from './modal.js';
import { noServersView } from './views.js';
import type { SlackContext } from './context.js';

export const COMMAND = '/reserve';
const HOUR = 3_600_000;

export function registerCommand(app: App, services: SlackContext): void {
  app.command(COMMAND, async ({ command, ack, client, respond }) => {
    const [first, ...rest] = command.text.trim().split(/\s+/);
    const word = first?.toLowerCase() ?? '';
    switch (word) {
      case '':
      case 'new':
        await ack();
        await openNewForm(services, client, command.trigger_id);
        return;
      case 'list': {
        await ack();
        const actor = await services.actors.get({
          teamId: command.team_id,
          userId: command.user_id,
          fallbackName: command.user_name,
        });
        const reservations = await services.chat.upcoming(actor, 30);
        await respond({ response_type: 'ephemeral', text: listText(reservations, actor.isAdmin) });
        return;
      }
      case 'open': {
        // The link is a secret for this user: only the ephemeral answer (response_url) carries it.
        await ack();
        const actor = await services.actors.get({
          teamId: command.team_id,
          userId: command.user_id,
          fallbackName: command.user_name,
        });
        const outcome = await services.chat.openLink(actor, rest[0]);
        const text = outcome.ok
          ? `${link(outcome.value.url, openLabel(outcome.value))}\n${openNotice(dateToken(outcome.value.expiresAt, '{time}'))}`
          : outcome.reason === 'not_found'
            ? `No reservation you can see has the code \`${shownCode(rest[0])}\`. \`/reserve list\` shows yours.`
            : escapeText(outcome.message);
        await respond({ response_type: 'ephemeral', replace_original: false, text });
        return;
      }
      case 'help':
        await ack({ response_type: 'ephemeral', text: helpText() });
        return;
      default:
        await ack({ response_type: 'ephemeral', text: `I don't know \`${escapeText(word)}\`.\n\n${helpText()}` });
    }
  });
}

/** Opens the empty form; the servers come from a cache, so the trigger_id is used within milliseconds. */
export async function openNewForm(
  services: SlackContext,
  client: webApi.WebClient,
  triggerId: string,
  metadata: ViewMetadata = {},
): Promise<void> {
  const servers = await services.chat.servers();
  if (servers.length === 0) {
    await client.views.open({ trigger_id: triggerId, view: noServersView() });
    return;
  }
  // A suggestion, not a rule: tomorrow at the next full hour, for an hour.
  const start = Math.ceil((services.chat.clock().getTime() + 24 * HOUR) / HOUR) * HOUR;
  const form = {
    startsAt: start / 1000,
    endsAt: (start + HOUR) / 1000,
    ...(servers.length === 1 ? { serverId: servers[0]!.id } : {}),
  };
  await client.views.open({
    trigger_id: triggerId,
    view: reservationForm({ mode: 'request', servers, form, metadata }),
  });
}

const STATUS_ICON: Record<string, string> = {
  permitted: ':hourglass_flowing_sand:',
  confirmed: ':white_check_mark:',
  live: ':red_circle:',
};

function listText(reservations: readonly StoredReservation[], isAdmin: boolean): string {
  if (reservations.length === 0) return 'Nothing upcoming. Type `/reserve` to book a slot.';
  const heading = isAdmin ? '*Upcoming reservations in this workspace*' : '*Your upcoming reservations*';
  const lines = reservations.map((r) => {
    const who = isAdmin ? ` · ${mentionUser(r.organizer.userId)}` : '';
    const what = `${STATUS_ICON[r.status] ?? ''} *${escapeText(r.title)}* (${r.code})`;
    return `${what} · ${escapeText(r.server.name)} · ${rangeTokens(r.startsAt, r.endsAt)} · ${r.status}${who}`;
  });
  return [heading, ...lines, '_The buttons for each are in your DM from Slotcast and on its Home tab._'].join('\n');
}

/** A code as typed, safe inside inline code (no backtick, no markup). */
function shownCode(typed: string | undefined): string {
  return (typed ?? '').replace(/[^\w-]/g, '').slice(0, 16);
}

function helpText(): string {
  return [
    '*Slotcast* books time on a distribution server and tells your viewers how to watch.',
    '• `/reserve` — request a slot: title, server, times, who to invite',
    '• `/reserve list` — your upcoming reservations',
    '• `/reserve open [R-XXXX]` — a sign-in link to the web pages: the timeline, or that reservation',
    '• `/reserve help` — this help',
    'When a request is permitted you get a DM with the stream key and a *Reconfirm* button; invitations go out once you reconfirm.',
  ].join('\n');
}
