/**
 * Reconfirm / Change / Cancel, on the organizer's DM prompt, the reconfirm reminder or
 * `/reserve list` (answer() keeps the recorded prompt current from any of them). Whoever
 * clicks, the use case decides whether they may (organizer or guild admin); others get an
 * ephemeral refusal and the reservation and the message stay as they were.
 */
import type { ButtonInteraction } from 'discord.js';
import type { Outcome } from '../app/outcome.js';
import type { StoredReservation } from '../chat/port.js';
import type { ZoneSource } from '../chat/zones.js';
import { actionRefusal } from '../domain/actions.js';
import { formatDuration } from '../domain/duration.js';
import { actorOf } from './actor.js';
import { answer } from './submissions.js';
import type { ReservationRef } from './ids.js';
import { encodeId } from './ids.js';
import { cancelModal, changeModal } from './modal.js';
import { ButtonStyle } from 'discord.js';
import { button, COLORS, message, row } from './render.js';
import type { DiscordContext } from './context.js';
import { beforeModal, defer, tell, TooSlow } from './respond.js';
import { formatWallTime } from '../chat/times.js';
import { discordTime } from './text.js';
import { doneView, refusalView } from './views.js';

const BUSY = doneView('Busy', 'Slotcast is busy right now; click again in a moment.', COLORS.error);

export async function onReconfirm(
  context: DiscordContext,
  interaction: ButtonInteraction,
  ref: ReservationRef,
): Promise<void> {
  const mode = await defer(interaction);
  const actor = actorOf(interaction, ref.guildId)!;
  const outcome = await context.chat.reconfirm(actor, ref.reservationId);
  await answer(context, interaction, mode, outcome, (reservation) =>
    doneView(
      'Reconfirmed',
      `\`${reservation.code}\` is reconfirmed for ${discordTime(reservation.startsAt)}: the invitations are on their way.`,
    ),
  );
}

/** Extend by some minutes (issue 17): the prompt shows the new end; a refusal says how far it can go. */
export async function onExtend(
  context: DiscordContext,
  interaction: ButtonInteraction,
  ref: ReservationRef,
  minutes: number,
): Promise<void> {
  const mode = await defer(interaction);
  const actor = actorOf(interaction, ref.guildId)!;
  const outcome = await context.chat.extend(actor, ref.reservationId, { minutes });
  await answer(context, interaction, mode, outcome, (reservation) =>
    doneView(
      'Extended',
      `\`${reservation.code}\` now ends ${discordTime(reservation.endsAt)}: viewers see the new end, and invitees hear of it.`,
    ),
  );
}

/**
 * Replace the stream key asks first, privately: it cuts whoever streams with the current key,
 * the organizer's own encoder too. The confirmation's button does it.
 */
export async function onReplaceKey(
  context: DiscordContext,
  interaction: ButtonInteraction,
  ref: ReservationRef,
  confirmed: boolean,
): Promise<void> {
  if (!confirmed)
    return tell(
      interaction,
      message({
        embeds: [
          {
            title: 'Replace the stream key?',
            description:
              'Whoever streams with the current key is cut off at once, and it stops working. Your encoder then needs the new key, which your DM from Slotcast shows.',
            color: COLORS.error,
          },
        ],
        components: [
          row(
            button(
              'Replace it',
              ButtonStyle.Danger,
              encodeId({ action: 'rotate-key-confirmed', reservationId: ref.reservationId, guildId: ref.guildId }),
            ),
          ),
        ],
      }),
    );
  const mode = await defer(interaction);
  const actor = actorOf(interaction, ref.guildId)!;
  const outcome = await context.chat.replaceKey(actor, ref.reservationId);
  await answer(context, interaction, mode, outcome, (reservation) =>
    doneView(
      'Stream key replaced',
      `Whoever streamed into \`${reservation.code}\` with the old key was cut off, and it no longer works. The new key is on your reservation in your DM from Slotcast.`,
    ),
  );
}

/** Change and Cancel open a modal, which must be the first answer: the reads before it are bounded. */
export async function onOpenForm(
  context: DiscordContext,
  interaction: ButtonInteraction,
  ref: ReservationRef,
  action: 'change' | 'cancel',
): Promise<void> {
  const actor = actorOf(interaction, ref.guildId)!;
  let loaded: [Outcome<StoredReservation>, ZoneSource];
  try {
    loaded = await beforeModal(
      Promise.all([
        context.chat.find(actor, ref.reservationId),
        context.chat.zone({ platform: 'discord', tenantId: ref.guildId, userId: actor.userId }),
      ]),
    );
  } catch (error) {
    if (error instanceof TooSlow) return tell(interaction, BUSY);
    throw error;
  }
  const [outcome, { zone }] = loaded;
  if (!outcome.ok) return tell(interaction, refusalView(outcome));
  const reservation = outcome.value;
  // A form certain to be refused does not open.
  const refused = actionRefusal(reservation, action, context.chat.clock());
  if (refused) return tell(interaction, refusalView({ ok: false, ...refused }));
  if (action === 'cancel') {
    return interaction.showModal(
      cancelModal(
        encodeId({ action: 'cancel-form', reservationId: ref.reservationId, guildId: ref.guildId }),
        reservation.code,
      ),
    );
  }
  const values = {
    title: reservation.title,
    start: formatWallTime(reservation.startsAt, zone),
    end: formatDuration(reservation.endsAt.getTime() - reservation.startsAt.getTime()),
    emails: reservation.invitees.emails.join('\n'),
    description: reservation.description ?? '',
  };
  return interaction.showModal(
    changeModal(
      encodeId({ action: 'change-form', reservationId: ref.reservationId, guildId: ref.guildId }),
      reservation.code,
      zone,
      values,
    ),
  );
}
