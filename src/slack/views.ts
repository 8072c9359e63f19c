/**
 * The small modals a submission or a button press is answered with: what happened, or why not.
 */
import { context, fields, plain, section } from './blocks.js';
import type { Block } from './blocks.js';
import { VIEW } from './ids.js';
import type { ModalView } from './modal.js';
import { dateToken, escapeText, rangeTokens } from './text.js';
import type { StoredReservation } from '../chat/port.js';

/** A view with a message and a Done button: what a submission is answered with. */
export function infoView(title: string, blocks: Block[]): ModalView {
  return { type: 'modal', callback_id: VIEW.info, title: plain(title, 24), close: plain('Done', 24), blocks };
}

/** The reply to a request: the times as understood, as date tokens, so a picker in the wrong zone shows at once. */
export function requestedView(reservation: StoredReservation): ModalView {
  return infoView('Requested', [
    section(
      `:white_check_mark: *${escapeText(reservation.title)}* is permitted on *${escapeText(reservation.server.name)}*.`,
    ),
    fields([
      ['Start', dateToken(reservation.startsAt)],
      ['End', dateToken(reservation.endsAt)],
      ['Reconfirm by', dateToken(reservation.reconfirmDeadline)],
      ['Code', reservation.code],
    ]),
    context(
      'These are the times as Slotcast understood them, shown in your time zone. If they are off, your device ' +
        'may be set to another zone than your Slack profile: use *Change* in the DM from Slotcast.',
    ),
    context('Your DM from Slotcast has the stream key and the *Reconfirm* button.'),
  ]);
}

export function changedView(reservation: StoredReservation, changed: boolean): ModalView {
  return infoView(changed ? 'Changed' : 'Nothing changed', [
    section(
      changed
        ? `:pencil2: *${escapeText(reservation.title)}* now runs ${rangeTokens(reservation.startsAt, reservation.endsAt)} ` +
            `on *${escapeText(reservation.server.name)}*. Everyone who had been told gets a change notice.`
        : `*${escapeText(reservation.title)}* already had these details; nothing was sent.`,
    ),
  ]);
}

export function messageView(title: string, text: string): ModalView {
  return infoView(title, [section(text)]);
}

export const workingView = (): ModalView => messageView('Working…', ':hourglass_flowing_sand: Checking availability…');

/** Opened at once on a button press, while the trigger_id is fresh; replaced when the reads are done. */
export const loadingView = (): ModalView =>
  messageView('Loading…', ':hourglass_flowing_sand: Loading the reservation…');

export const failedView = (): ModalView =>
  messageView(
    'Something went wrong',
    'Slotcast could not do that just now; it has been logged. Please try again in a minute.',
  );

export const noServersView = (): ModalView =>
  messageView(
    'No servers yet',
    'There is no distribution server to book yet. An operator adds one with `npx slotcast server add --name … --ingest … --playback …`.',
  );
