/**
 * Modal submissions (new, change, cancel) and the nearest-free-slot buttons inside the form.
 * Each parses and validates the view's state, calls one use case, and answers with the result:
 * field errors on their blocks, or the modal updated to what happened.
 */
import type { App, ViewSubmitAction, webApi } from '@slack/bolt';
import type { ChangeCommand, RequestCommand } from '../app/commands.js';
import type { Outcome, Refusal } from '../app/outcome.js';
import { refusalText } from '../chat/refusals.js';
import type { StoredReservation } from '../chat/port.js';
import type { SlackActor } from './actor.js';
import { escapeText, rangeTokens } from './text.js';
import type { ModalView } from './modal.js';
import { reservationForm } from './modal.js';
import { changedView, failedView, messageView, requestedView, workingView } from './views.js';
import { publishHome } from './home.js';
import type { BlockErrors, FormInput, StateValues } from './form.js';
import { blockErrors, parseCancel, parseChange, parseRequest, readForm } from './form.js';
import type { ViewMetadata } from './ids.js';
import { decodeMetadata, decodeSlot, PICK_SLOT, VIEW } from './ids.js';
import type { SlackContext } from './context.js';
import { ADMIN, requestKey, teamOf } from './context.js';

type ViewAnswer = { response_action: 'errors'; errors: BlockErrors } | { response_action: 'update'; view: ModalView };

interface Answer {
  view: ViewAnswer;
  /** Follow-up work once Slack has its answer (refresh the DM card, App Home). */
  after?: () => Promise<void>;
}

/** Slack gives a submission 3 s; past this, the modal says "working" and is updated when done. */
const ACK_BUDGET_MS = 2_000;

interface FormContext {
  services: SlackContext;
  client: webApi.WebClient;
  teamId: string;
  userId: string;
  userName: string | undefined;
  viewId: string;
  mode: 'request' | 'change';
  metadata: ViewMetadata;
  form: FormInput;
}

export function registerForms(app: App, services: SlackContext): void {
  for (const mode of ['request', 'change'] as const) {
    app.view<ViewSubmitAction>(mode === 'request' ? VIEW.request : VIEW.change, async ({ ack, body, view, client }) => {
      const context: FormContext = {
        services,
        client,
        teamId: teamOf(body),
        userId: body.user.id,
        userName: body.user.name,
        viewId: view.id,
        mode,
        metadata: decodeMetadata(view.private_metadata),
        form: readForm(view.state.values as StateValues),
      };
      const parsed = parseSubmission(context);
      if (!parsed.ok) {
        await ack({ response_action: 'errors', errors: parsed.errors });
        return;
      }
      await answerInTime(services, ack, client, view.id, submit(context, parsed.submission), (answer) =>
        asView(context, answer),
      );
    });
  }

  app.view<ViewSubmitAction>(VIEW.cancel, async ({ ack, body, view, client }) => {
    const parsed = parseCancel(view.state.values as StateValues);
    if (!parsed.ok) {
      await ack({ response_action: 'errors', errors: parsed.errors });
      return;
    }
    const metadata = decodeMetadata(view.private_metadata);
    const work = (async (): Promise<Answer> => {
      const actor = await services.actors.get({
        teamId: teamOf(body),
        userId: body.user.id,
        fallbackName: body.user.name,
      });
      const outcome = await services.chat.cancel(actor, metadata.reservationId ?? '', parsed.command);
      if (!outcome.ok)
        return { view: update(messageView('Not cancelled', `:no_entry: ${escapeText(refusalText(outcome, ADMIN))}`)) };
      const reservation = outcome.value;
      return {
        view: update(
          messageView(
            'Cancelled',
            `:x: *${escapeText(reservation.title)}* is cancelled. Everyone who had been told gets a cancellation notice.`,
          ),
        ),
        after: () => refreshSurfaces(services, client, actor, metadata),
      };
    })();
    // A cancel's work never answers with field errors (the reason is checked above).
    await answerInTime(services, ack, client, view.id, work, async (answer) =>
      answer.response_action === 'update' ? answer.view : failedView(),
    );
  });

  // "Book this" on a nearest free slot: the form as it stands, with that server and time.
  app.action(PICK_SLOT, async ({ ack, body, action, client }) => {
    await ack();
    if (body.type !== 'block_actions' || !body.view || action.type !== 'button') return;
    const slot = decodeSlot(action.value);
    const teamId = teamOf(body);
    const key = `${teamId}:${body.view.id}:${action.value}`;
    if (!slot || !services.recent.firstTime(key)) return;
    const context: FormContext = {
      services,
      client,
      teamId,
      userId: body.user.id,
      userName: body.user.name,
      viewId: body.view.id,
      mode: body.view.callback_id === VIEW.change ? 'change' : 'request',
      metadata: decodeMetadata(body.view.private_metadata),
      form: {
        ...readForm((body.view.state?.values ?? {}) as StateValues),
        serverId: slot.serverId,
        startsAt: slot.startsAt,
        endsAt: slot.endsAt,
      },
    };
    const parsed = parseSubmission(context);
    const work = parsed.ok
      ? submit(context, parsed.submission).catch((error: unknown) => {
          // Not booked: a second click must get through, not be taken for a double click.
          services.recent.forget(key);
          throw error;
        })
      : Promise.resolve<Answer>({ view: { response_action: 'errors', errors: parsed.errors } });
    await showLate(services, client, body.view.id, await guarded(services, work), (answer) => asView(context, answer));
  });
}

/** A valid form, parsed once: the command for the mode the modal is in. */
type Submission = { mode: 'request'; command: RequestCommand } | { mode: 'change'; command: ChangeCommand };

function parseSubmission(
  context: FormContext,
): { ok: true; submission: Submission } | { ok: false; errors: BlockErrors } {
  if (context.mode === 'request') {
    const parsed = parseRequest(context.form);
    return parsed.ok ? { ok: true, submission: { mode: 'request', command: parsed.command } } : parsed;
  }
  const parsed = parseChange(context.form);
  return parsed.ok ? { ok: true, submission: { mode: 'change', command: parsed.command } } : parsed;
}

/** Runs the use case for a valid form and words its outcome. */
async function submit(context: FormContext, submission: Submission): Promise<Answer> {
  const { services } = context;
  const actor = await services.actors.get({
    teamId: context.teamId,
    userId: context.userId,
    ...(context.userName ? { fallbackName: context.userName } : {}),
  });
  const outcome: Outcome<StoredReservation> =
    submission.mode === 'request'
      ? await services.chat.request(actor, submission.command, {
          requestKey: requestKey(context.teamId, context.viewId),
        })
      : await services.chat.change(actor, context.metadata.reservationId ?? '', submission.command);
  if (outcome.ok) {
    const reservation = outcome.value;
    return {
      view: update(context.mode === 'request' ? requestedView(reservation) : changedView(reservation, true)),
      after: () => refreshSurfaces(services, context.client, actor, context.metadata),
    };
  }
  return { view: await refusalAnswer(context, outcome) };
}

async function refusalAnswer(context: FormContext, refusal: Refusal): Promise<ViewAnswer> {
  switch (refusal.reason) {
    case 'invalid':
      return { response_action: 'errors', errors: blockErrors(refusal.fields) };
    case 'unavailable': {
      const servers = await context.services.chat.servers();
      const chosen = servers.find((server) => server.id === context.form.serverId);
      const when =
        context.form.startsAt && context.form.endsAt
          ? ` ${rangeTokens(new Date(context.form.startsAt * 1000), new Date(context.form.endsAt * 1000))}`
          : '';
      const banner = chosen
        ? `:no_entry: *${escapeText(chosen.name)}* is taken${when}.`
        : ':no_entry: That server is not taking reservations at the moment.';
      const offer =
        refusal.alternatives.length > 0
          ? ' These are the nearest free slots; one click books one:'
          : ' No free slot is near; try another day.';
      return update(
        reservationForm({
          mode: context.mode,
          servers,
          form: context.form,
          banner: banner + offer,
          alternatives: refusal.alternatives,
          metadata: context.metadata,
        }),
      );
    }
    default:
      return update(messageView('Not possible', `:no_entry: ${escapeText(refusalText(refusal, ADMIN))}`));
  }
}

/** Outside a submission's answer (views.update), field errors can only be shown above the form. */
async function asView(context: FormContext, answer: ViewAnswer): Promise<ModalView> {
  if (answer.response_action === 'update') return answer.view;
  const servers = await context.services.chat.servers();
  const banner = `:warning: Please fix:\n${Object.values(answer.errors)
    .map((message) => `• ${escapeText(message)}`)
    .join('\n')}`;
  return reservationForm({ mode: context.mode, servers, form: context.form, banner, metadata: context.metadata });
}

const update = (view: ModalView): ViewAnswer => ({ response_action: 'update', view });

/** Turns a failed use case into a "went wrong" answer, logged: the user is never left without one. */
function guarded(services: SlackContext, work: Promise<Answer>): Promise<Answer> {
  return work.catch((error: unknown): Answer => {
    services.log.error('slack submission failed', { error: (error as Error).message });
    return { view: update(failedView()) };
  });
}

/**
 * Acks with the answer when the work is done within the budget (the usual case: one statement);
 * otherwise acks with a "working" view and updates the modal when the work is done. `asModal`
 * renders an answer for views.update, which cannot carry field errors.
 */
async function answerInTime(
  services: SlackContext,
  ack: (answer?: ViewAnswer) => Promise<void>,
  client: webApi.WebClient,
  viewId: string,
  work: Promise<Answer>,
  asModal: (answer: ViewAnswer) => Promise<ModalView>,
): Promise<void> {
  const answer = guarded(services, work);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ACK_BUDGET_MS);
  });
  const first = await Promise.race([answer, late]);
  clearTimeout(timer);
  if (first !== 'late') {
    await ack(first.view);
    await runAfter(services, first);
    return;
  }
  await ack(update(workingView()));
  await showLate(services, client, viewId, await answer, asModal);
}

/** Updates the open modal with an answer; its follow-up (the DM card, App Home) runs even if that fails. */
async function showLate(
  services: SlackContext,
  client: webApi.WebClient,
  viewId: string,
  answer: Answer,
  asModal: (answer: ViewAnswer) => Promise<ModalView>,
): Promise<void> {
  try {
    await client.views.update({ view_id: viewId, view: await asModal(answer.view) });
  } finally {
    await runAfter(services, answer);
  }
}

async function runAfter(services: SlackContext, answer: Answer): Promise<void> {
  try {
    await answer.after?.();
  } catch (error) {
    services.log.warn('slack follow-up failed', { error: (error as Error).message });
  }
}

/**
 * After a request, change or cancel: App Home shows the new state when the modal came from it.
 * The DM card follows the commit by itself (src/chat/follow.ts).
 */
async function refreshSurfaces(
  services: SlackContext,
  client: webApi.WebClient,
  actor: SlackActor,
  metadata: ViewMetadata,
): Promise<void> {
  if (metadata.fromHome) await publishHome(services, client, actor);
}
