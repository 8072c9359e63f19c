/**
 * Modal submissions and the buttons that continue them: a request, a change, a cancellation,
 * "Edit and try again", and a free slot picked after a refusal. Each parses, validates with the
 * shared schemas, calls one use case and renders its outcome.
 */
import type { ButtonInteraction, ModalSubmitInteraction } from 'discord.js';
import { MessageFlags } from 'discord.js';
import { changeReservation } from '../app/change.js';
import { cancelReservation } from '../app/lifecycle.js';
import type { Outcome } from '../app/outcome.js';
import { requestReservation } from '../app/request.js';
import type { Actor } from '../domain/reservation.js';
import { isOrganizer } from '../domain/reservation.js';
import type { StoredReservation } from '../store/reservations.js';
import { actorOf } from './actor.js';
import type { Draft } from './drafts.js';
import { toCancelCommand, toChangeCommand, toRequestCommand } from './form.js';
import type { ReservationRef } from './ids.js';
import { encodeId } from './ids.js';
import { changeModal, readForm, requestModal, textValue } from './modal.js';
import { COLORS, promptMessage, viewOf } from './render.js';
import type { BotContext } from './respond.js';
import { asEdit, defer, tell } from './respond.js';
import { zoneFor } from './settings.js';
import { alternativesView, changedView, doneView, permittedView, problemsView, refusalView } from './views.js';

const EXPIRED = doneView('This form has expired', 'Run `/reserve new` again (forms are kept for 30 minutes, and not across a restart of the bot).', COLORS.error);

/** The DM prompt as the organizer sees it now; the stream key only ever to the organizer. */
export function promptFor(reservation: StoredReservation, actor: Actor) {
  const ingest = isOrganizer(actor, reservation.organizer) ? { url: reservation.server.ingestBaseUrl, streamKey: reservation.streamKey } : undefined;
  return promptMessage(viewOf(reservation), ingest);
}

/**
 * After a use case on a reservation: the prompt is re-rendered in place when the action came
 * from it, and `summary` is told ephemerally either way.
 */
export async function answer(interaction: ButtonInteraction | ModalSubmitInteraction, mode: 'prompt' | 'reply', actor: Actor, outcome: Outcome<StoredReservation>, summary: (reservation: StoredReservation) => ReturnType<typeof doneView>): Promise<void> {
  if (!outcome.ok) return tell(interaction, refusalView(outcome));
  if (mode === 'prompt') await interaction.editReply(asEdit(promptFor(outcome.value, actor)));
  await tell(interaction, summary(outcome.value));
}

export async function onRequestSubmit(context: BotContext, interaction: ModalSubmitInteraction, draftId: string): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const draft = context.drafts.get(draftId, interaction.user.id);
  const actor = actorOf(interaction);
  if (!draft || draft.kind !== 'new' || !draft.server || !actor) return tell(interaction, EXPIRED);
  const values = readForm(interaction);
  const current = context.drafts.put({ ...draft, values });
  const { zone } = await zoneFor(context.deps.pool, actor.tenantId, actor.userId);
  const checked = toRequestCommand(values, { server: draft.server, passcode: draft.passcode, description: draft.description }, zone, context.deps.clock());
  if (!checked.ok) return tell(interaction, problemsView(checked.fields, current.id));
  // A redelivered interaction carries the same id: the core answers with the first booking.
  const requestKey = `discord:${interaction.id}`;
  const outcome = await requestReservation(context.deps, actor, checked.command, { requestKey });
  await renderRequest(context, interaction, { ...current, requestKey }, outcome, zone);
}

async function renderRequest(context: BotContext, interaction: ButtonInteraction | ModalSubmitInteraction, draft: Draft, outcome: Outcome<StoredReservation>, zone: string): Promise<void> {
  if (outcome.ok) return tell(interaction, permittedView(outcome.value, zone));
  if (outcome.reason === 'invalid') return tell(interaction, problemsView(outcome.fields, draft.id));
  if (outcome.reason === 'unavailable') {
    context.drafts.put({ ...draft, alternatives: outcome.alternatives });
    return tell(interaction, alternativesView(outcome.message, outcome.alternatives, draft.id, zone));
  }
  return tell(interaction, refusalView(outcome));
}

export async function onChangeSubmit(context: BotContext, interaction: ModalSubmitInteraction, id: ReservationRef): Promise<void> {
  const mode = await defer(interaction);
  const actor = actorOf(interaction, id.guildId);
  if (!actor) return tell(interaction, EXPIRED);
  const values = readForm(interaction);
  const draft = context.drafts.put({ id: interaction.id, kind: 'change', guildId: id.guildId, userId: actor.userId, reservationId: id.reservationId, values });
  const { zone } = await zoneFor(context.deps.pool, id.guildId, actor.userId);
  const checked = toChangeCommand(values, zone, context.deps.clock());
  if (!checked.ok) return tell(interaction, problemsView(checked.fields, draft.id));
  const outcome = await changeReservation(context.deps, actor, id.reservationId, checked.command);
  await renderChange(context, interaction, mode, actor, draft, outcome, zone);
}

async function renderChange(context: BotContext, interaction: ButtonInteraction | ModalSubmitInteraction, mode: 'prompt' | 'reply', actor: Actor, draft: Draft, outcome: Outcome<StoredReservation>, zone: string): Promise<void> {
  if (!outcome.ok && outcome.reason === 'invalid') return tell(interaction, problemsView(outcome.fields, draft.id));
  if (!outcome.ok && outcome.reason === 'unavailable') {
    context.drafts.put({ ...draft, alternatives: outcome.alternatives });
    return tell(interaction, alternativesView(outcome.message, outcome.alternatives, draft.id, zone));
  }
  await answer(interaction, mode, actor, outcome, (reservation) => changedView(reservation, true));
}

export async function onCancelSubmit(context: BotContext, interaction: ModalSubmitInteraction, id: ReservationRef): Promise<void> {
  const mode = await defer(interaction);
  const actor = actorOf(interaction, id.guildId);
  if (!actor) return tell(interaction, EXPIRED);
  const checked = toCancelCommand(textValue(interaction, 'reason'));
  if (!checked.ok) return tell(interaction, problemsView(checked.fields, undefined));
  const outcome = await cancelReservation(context.deps, actor, id.reservationId, checked.command);
  await answer(interaction, mode, actor, outcome, (reservation) => doneView('Cancelled', `\`${reservation.code}\` is cancelled and its slot is free; everyone who had been told is told.`, COLORS.cancelled));
}

/** "Edit and try again": the modal again, with what was typed. Opens at once (no database read). */
export async function onEdit(context: BotContext, interaction: ButtonInteraction, draftId: string): Promise<void> {
  const draft = context.drafts.get(draftId, interaction.user.id);
  if (!draft) return tell(interaction, EXPIRED);
  if (draft.kind === 'new' && draft.server) {
    return interaction.showModal(requestModal(encodeId({ action: 'new-form', draftId: draft.id }), draft.server, undefined, draft.values));
  }
  if (draft.kind === 'change' && draft.reservationId && draft.values) {
    const customId = encodeId({ action: 'change-form', reservationId: draft.reservationId, guildId: draft.guildId });
    return interaction.showModal(changeModal(customId, 'reservation', undefined, draft.values));
  }
  return tell(interaction, EXPIRED);
}

/** A free slot offered after a refusal: books it (or moves the reservation to it) in one click. */
export async function onSlot(context: BotContext, interaction: ButtonInteraction, draftId: string, index: number): Promise<void> {
  // The offer is an ephemeral message: update it, so the slot buttons cannot be clicked twice.
  await interaction.deferUpdate();
  const draft = context.drafts.get(draftId, interaction.user.id);
  const slot = draft?.alternatives?.[index];
  const actor = draft ? actorOf(interaction, draft.guildId) : undefined;
  if (!draft || !slot || !actor || !draft.values) return void (await interaction.editReply(asEdit(EXPIRED)));
  const { zone } = await zoneFor(context.deps.pool, draft.guildId, actor.userId);
  const picked = { server: slot.serverId, startsAt: slot.startsAt, endsAt: slot.endsAt };
  let reply;
  if (draft.kind === 'new' && draft.server) {
    const checked = toRequestCommand(draft.values, { server: draft.server, passcode: draft.passcode, description: draft.description }, zone, context.deps.clock());
    if (!checked.ok) return void (await interaction.editReply(asEdit(problemsView(checked.fields, draft.id))));
    // The refused submission's key: whichever slot is clicked first is booked, once.
    const outcome = await requestReservation(context.deps, actor, { ...checked.command, ...picked }, { requestKey: draft.requestKey ?? `discord:${interaction.id}` });
    reply = outcome.ok ? permittedView(outcome.value, zone) : outcome.reason === 'unavailable' ? alternativesView(outcome.message, outcome.alternatives, draft.id, zone) : refusalView(outcome);
    if (!outcome.ok && outcome.reason === 'unavailable') context.drafts.put({ ...draft, alternatives: outcome.alternatives });
  } else if (draft.kind === 'change' && draft.reservationId) {
    const outcome = await changeReservation(context.deps, actor, draft.reservationId, picked);
    reply = outcome.ok ? changedView(outcome.value, true) : outcome.reason === 'unavailable' ? alternativesView(outcome.message, outcome.alternatives, draft.id, zone) : refusalView(outcome);
    if (!outcome.ok && outcome.reason === 'unavailable') context.drafts.put({ ...draft, alternatives: outcome.alternatives });
  } else {
    reply = EXPIRED;
  }
  await interaction.editReply(asEdit(reply));
}
