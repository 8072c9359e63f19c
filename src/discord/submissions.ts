/**
 * Modal submissions and the buttons that continue them: a request, a change, a cancellation,
 * "Edit and try again", and a free slot picked after a refusal. Each parses, validates with the
 * shared schemas, calls one use case and renders its outcome.
 */
import type { ButtonInteraction, ModalSubmitInteraction } from 'discord.js';
import { MessageFlags } from 'discord.js';
import type { Outcome, Refusal } from '../app/outcome.js';
import type { Actor } from '../domain/reservation.js';
import type { StoredReservation } from '../chat/port.js';
import { actorOf } from './actor.js';
import type { Draft } from './drafts.js';
import type { PickedSlot } from './form.js';
import { toCancelCommand, toChangeCommand, toRequestCommand } from './form.js';
import type { ReservationRef } from './ids.js';
import { encodeId } from './ids.js';
import { changeModal, readForm, requestModal, textValue } from './modal.js';
import type { DiscordMessage } from './render.js';
import { COLORS } from './render.js';
import type { DiscordContext } from './context.js';
import { asEdit, defer, tell } from './respond.js';
import { alternativesView, changedView, doneView, permittedView, problemsView, refusalView } from './views.js';

const EXPIRED = doneView(
  'This form has expired',
  'Run `/reserve new` again (forms are kept for 30 minutes, and not across a restart of the bot).',
  COLORS.error,
);

/**
 * After a use case on a reservation. The organizer's recorded DM prompt follows the commit by
 * itself (src/chat/follow.ts); a button pressed on it is answered by drawing it through the
 * interaction, unless the follower drew it first. A DM message other than the prompt (a
 * reminder) becomes the short summary, so its buttons are not pressed again; otherwise the
 * summary is told ephemerally.
 */
export async function answer(
  context: DiscordContext,
  interaction: ButtonInteraction | ModalSubmitInteraction,
  mode: 'prompt' | 'reply',
  outcome: Outcome<StoredReservation>,
  summary: (reservation: StoredReservation) => DiscordMessage,
): Promise<void> {
  if (!outcome.ok) return tell(interaction, refusalView(outcome));
  const done = summary(outcome.value);
  if (mode === 'prompt' && !(await drawPressedPrompt(context, interaction, outcome.value.id)))
    return void (await interaction.editReply(asEdit(done)));
  await tell(interaction, done);
}

/** Whether the pressed message was the prompt. The action already happened: a failed draw is logged, not reported as a failed action. */
async function drawPressedPrompt(
  context: DiscordContext,
  interaction: ButtonInteraction | ModalSubmitInteraction,
  reservationId: string,
): Promise<boolean> {
  // Only a deferred update (mode 'prompt') may rewrite the pressed message through the interaction.
  if (!interaction.message) return false;
  const pressed = {
    channelId: interaction.message.channelId,
    messageId: interaction.message.id,
    edit: async (body: DiscordMessage) => void (await interaction.editReply(asEdit(body))),
  };
  try {
    return (await context.prompts.redraw(reservationId, pressed)).pressedWasPrompt;
  } catch (error) {
    context.log.warn('discord prompt could not be refreshed', {
      reservation: reservationId,
      error: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
}

export async function onRequestSubmit(
  context: DiscordContext,
  interaction: ModalSubmitInteraction,
  draftId: string,
): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const draft = context.drafts.get(draftId, interaction.user.id);
  const actor = actorOf(interaction);
  if (draft?.kind !== 'new' || !draft.server || !actor) return tell(interaction, EXPIRED);
  const values = readForm(interaction);
  const current = context.drafts.put({ ...draft, values });
  const { zone } = await context.chat.zone({ platform: 'discord', tenantId: actor.tenantId, userId: actor.userId });
  const checked = toRequestCommand(
    values,
    { server: draft.server, passcode: draft.passcode, description: draft.description },
    zone,
    context.chat.clock(),
  );
  if (!checked.ok) return tell(interaction, problemsView(checked.fields, current.id));
  // A redelivered interaction carries the same id: the core answers with the first booking.
  const requestKey = `discord:${interaction.id}`;
  const outcome = await context.chat.request(actor, checked.command, {
    requestKey,
    // Relative times ("in 5 days") parse to a later instant when redelivered: compare what was typed.
    requestedAs: { values, server: draft.server, passcode: draft.passcode, description: draft.description, zone },
  });
  await renderRequest(context, interaction, { ...current, requestKey }, outcome, zone);
}

async function renderRequest(
  context: DiscordContext,
  interaction: ButtonInteraction | ModalSubmitInteraction,
  draft: Draft,
  outcome: Outcome<StoredReservation>,
  zone: string,
): Promise<void> {
  if (outcome.ok) return tell(interaction, permittedView(outcome.value, zone));
  if (outcome.reason === 'invalid') return tell(interaction, problemsView(outcome.fields, draft.id));
  if (outcome.reason === 'unavailable') {
    context.drafts.put({ ...draft, alternatives: outcome.alternatives });
    return tell(interaction, alternativesView(outcome.message, outcome.alternatives, draft.id, zone));
  }
  return tell(interaction, refusalView(outcome));
}

export async function onChangeSubmit(
  context: DiscordContext,
  interaction: ModalSubmitInteraction,
  id: ReservationRef,
): Promise<void> {
  const mode = await defer(interaction);
  const actor = actorOf(interaction, id.guildId);
  if (!actor) return tell(interaction, EXPIRED);
  const values = readForm(interaction);
  const draft = context.drafts.put({
    id: interaction.id,
    kind: 'change',
    guildId: id.guildId,
    userId: actor.userId,
    reservationId: id.reservationId,
    values,
  });
  const { zone } = await context.chat.zone({ platform: 'discord', tenantId: id.guildId, userId: actor.userId });
  const checked = toChangeCommand(values, zone, context.chat.clock());
  if (!checked.ok) return tell(interaction, problemsView(checked.fields, draft.id));
  const outcome = await context.chat.change(actor, id.reservationId, checked.command);
  await renderChange(context, interaction, mode, draft, outcome, zone);
}

async function renderChange(
  context: DiscordContext,
  interaction: ButtonInteraction | ModalSubmitInteraction,
  mode: 'prompt' | 'reply',
  draft: Draft,
  outcome: Outcome<StoredReservation>,
  zone: string,
): Promise<void> {
  if (!outcome.ok && outcome.reason === 'invalid') return tell(interaction, problemsView(outcome.fields, draft.id));
  if (!outcome.ok && outcome.reason === 'unavailable') {
    context.drafts.put({ ...draft, alternatives: outcome.alternatives });
    return tell(interaction, alternativesView(outcome.message, outcome.alternatives, draft.id, zone));
  }
  await answer(context, interaction, mode, outcome, (reservation) => changedView(reservation, true));
}

export async function onCancelSubmit(
  context: DiscordContext,
  interaction: ModalSubmitInteraction,
  id: ReservationRef,
): Promise<void> {
  const mode = await defer(interaction);
  const actor = actorOf(interaction, id.guildId);
  if (!actor) return tell(interaction, EXPIRED);
  const checked = toCancelCommand(textValue(interaction, 'reason'));
  if (!checked.ok) return tell(interaction, problemsView(checked.fields, undefined));
  const outcome = await context.chat.cancel(actor, id.reservationId, checked.command);
  await answer(context, interaction, mode, outcome, (reservation) =>
    doneView(
      'Cancelled',
      `\`${reservation.code}\` is cancelled and its slot is free; everyone who had been told is told.`,
      COLORS.cancelled,
    ),
  );
}

/** "Edit and try again": the modal again, with what was typed. Opens at once (no database read). */
export async function onEdit(context: DiscordContext, interaction: ButtonInteraction, draftId: string): Promise<void> {
  const draft = context.drafts.get(draftId, interaction.user.id);
  if (!draft) return tell(interaction, EXPIRED);
  if (draft.kind === 'new' && draft.server) {
    return interaction.showModal(
      requestModal(encodeId({ action: 'new-form', draftId: draft.id }), draft.server, undefined, draft.values),
    );
  }
  if (draft.kind === 'change' && draft.reservationId && draft.values) {
    const customId = encodeId({ action: 'change-form', reservationId: draft.reservationId, guildId: draft.guildId });
    return interaction.showModal(changeModal(customId, 'reservation', undefined, draft.values));
  }
  return tell(interaction, EXPIRED);
}

/** A free slot offered after a refusal: books it (or moves the reservation to it) in one click. */
export async function onSlot(
  context: DiscordContext,
  interaction: ButtonInteraction,
  draftId: string,
  index: number,
): Promise<void> {
  // The offer is an ephemeral message: update it, so the slot buttons cannot be clicked twice.
  await interaction.deferUpdate();
  const draft = context.drafts.get(draftId, interaction.user.id);
  const slot = draft?.alternatives?.[index];
  const actor = draft ? actorOf(interaction, draft.guildId) : undefined;
  if (!draft || !slot || !actor || !draft.values) return void (await interaction.editReply(asEdit(EXPIRED)));
  const { zone } = await context.chat.zone({ platform: 'discord', tenantId: draft.guildId, userId: actor.userId });
  const picked = { server: slot.serverId, startsAt: slot.startsAt, endsAt: slot.endsAt };
  let reply = EXPIRED;
  if (draft.kind === 'new' && draft.server)
    reply = await bookSlot(
      context,
      interaction,
      actor,
      { ...draft, values: draft.values, server: draft.server },
      picked,
      zone,
    );
  else if (draft.kind === 'change' && draft.reservationId)
    reply = await moveToSlot(
      context,
      actor,
      { ...draft, values: draft.values, reservationId: draft.reservationId },
      picked,
      zone,
    );
  await interaction.editReply(asEdit(reply));
}

type SlotDraft<K extends keyof Draft> = Draft & Required<Pick<Draft, 'values' | K>>;

async function bookSlot(
  context: DiscordContext,
  interaction: ButtonInteraction,
  actor: Actor,
  draft: SlotDraft<'server'>,
  picked: PickedSlot,
  zone: string,
): Promise<DiscordMessage> {
  const checked = toRequestCommand(
    draft.values,
    { server: draft.server, passcode: draft.passcode, description: draft.description },
    zone,
    context.chat.clock(),
  );
  if (!checked.ok) return problemsView(checked.fields, draft.id);
  // The refused submission's key: whichever slot is clicked first is booked, once.
  const outcome = await context.chat.request(
    actor,
    { ...checked.command, ...picked },
    { requestKey: draft.requestKey ?? `discord:${interaction.id}` },
  );
  return outcome.ok ? permittedView(outcome.value, zone) : slotRefused(context, draft, outcome, zone);
}

async function moveToSlot(
  context: DiscordContext,
  actor: Actor,
  draft: SlotDraft<'reservationId'>,
  picked: PickedSlot,
  zone: string,
): Promise<DiscordMessage> {
  // The whole change as typed (title, e-mails…), moved to the slot: picking a slot drops no edit.
  const checked = toChangeCommand(draft.values, zone, context.chat.clock(), picked);
  if (!checked.ok) return problemsView(checked.fields, draft.id);
  const outcome = await context.chat.change(actor, draft.reservationId, checked.command);
  if (!outcome.ok) return slotRefused(context, draft, outcome, zone);
  return changedView(outcome.value, true);
}

/** Taken again in the meantime: the new free slots replace the old ones on the same draft. */
function slotRefused(context: DiscordContext, draft: Draft, refusal: Refusal, zone: string): DiscordMessage {
  if (refusal.reason !== 'unavailable') return refusalView(refusal);
  context.drafts.put({ ...draft, alternatives: refusal.alternatives });
  return alternativesView(refusal.message, refusal.alternatives, draft.id, zone);
}
