/**
 * The Slack app's inbound flows against the real Bolt app, real PostgreSQL and the fake Slack Web
 * API: /reserve, the modal submission, the card's buttons, Change, Cancel, App Home, and the
 * safety rules (signatures, owners, retries, double clicks). Effects are asserted on the rows the
 * use cases write (reservation, notification outbox, audit) and on the Web API calls made.
 */
import { requestReservation } from '../../src/app/request.js';
import { redeemWebLink } from '../../src/app/web-access.js';
import { saveChatMessage } from '../../src/store/chat-messages.js';
import { FAKE_TEAM } from '../support/fake-slack.js';
import type { Logger } from '../../src/log.js';
import { silentLogger } from '../../src/log.js';
import { defaultPolicy, makeActor, makeRequest, makeServer, waitFor } from '../support/fixtures.js';
import {
  formValues,
  inHours,
  startSlackHarness,
  type FormFields,
  type SlackHarness,
} from '../support/slack-harness.js';
import {
  buildViewSubmission,
  FAKE_USER,
  FORM,
  interactiveBody,
  nowSeconds,
  postToSlackEndpoint,
  sendBlockActions,
  sendEvent,
  sendSlashCommand,
  sendViewSubmission,
  buildAppHomeOpened,
  stateValue,
} from '../support/slack-signing.js';

let h: SlackHarness;
let roomy: { id: string; name: string };
let single: { id: string; name: string };
const ADMIN = 'U0ADMIN';
const OTHER = 'U0OTHER';
/** The errors the Slack platform logged (listener failures), to wait on instead of sleeping. */
const loggedErrors: Array<{ message: string; fields?: Record<string, unknown> }> = [];
const recordingLog: Logger = {
  ...silentLogger,
  error: (message, fields) => void loggedErrors.push({ message, ...(fields ? { fields } : {}) }),
};
let viewCounter = 0;
const newViewId = () => `V0TEST${String(++viewCounter).padStart(5, '0')}`;

beforeAll(async () => {
  h = await startSlackHarness({
    fake: {
      users: { [ADMIN]: { is_admin: true, real_name: 'Ada Admin' }, [FAKE_USER.id]: { real_name: 'Alice Organizer' } },
    },
    deps: { policy: { ...defaultPolicy, maxInvitees: 5 } },
    log: recordingLog,
  });
  // Before the first request: the server directory caches the list for a few seconds.
  roomy = await makeServer(h.db.prisma, { name: 'Studio-A', capacity: 5 });
  single = await makeServer(h.db.prisma, { name: 'Studio-B', capacity: 1 });
});
afterAll(() => h?.close());
afterEach(() => h.servers.reset());

const reservationsByKey = (viewId: string) =>
  h.db.prisma.reservation.findMany({ where: { requestKey: `slack:${FAKE_TEAM.id}:${viewId}` } });
const outboxOf = (reservationId: string) =>
  h.db.prisma.notification.findMany({ where: { reservationId }, orderBy: { createdAt: 'asc' } });

async function submit(fields: FormFields, options: { viewId?: string; userId?: string; retryNum?: number } = {}) {
  const viewId = options.viewId ?? newViewId();
  const res = await sendViewSubmission(
    h.eventsUrl,
    {
      view: { id: viewId, callbackId: 'reserve_new', values: formValues({ serverId: roomy.id, ...fields }) },
      ...(options.userId ? { userId: options.userId } : {}),
    },
    {
      ...h.sign,
      ...(options.retryNum
        ? { extraHeaders: { 'X-Slack-Retry-Num': String(options.retryNum), 'X-Slack-Retry-Reason': 'http_timeout' } }
        : {}),
    },
  );
  // biome-ignore lint/suspicious/noExplicitAny: tests read Slack's answers at any depth; a wrong path fails the assertion.
  return { viewId, status: res.status, body: res.body ? (JSON.parse(res.body) as Record<string, any>) : {} };
}

/** A permitted reservation made through the modal, as the organizer (FAKE_USER) would. */
async function reserveThroughModal(fields: FormFields = {}) {
  const start = fields.startsAt ?? inHours(48 + 24 * Math.random() * 30);
  const { viewId, body } = await submit({
    startsAt: start,
    endsAt: start + 3600,
    emails: 'viewer@example.org',
    ...fields,
  });
  expect(body.response_action).toBe('update');
  const [reservation] = await reservationsByKey(viewId);
  if (!reservation) throw new Error(`no reservation for ${viewId}: ${JSON.stringify(body)}`);
  return reservation;
}

function press(
  action: 'reservation_reconfirm' | 'reservation_change' | 'reservation_cancel',
  reservationId: string,
  options: { userId?: string; ts?: string; responseId?: string } = {},
) {
  return sendBlockActions(
    h.eventsUrl,
    {
      actions: [{ actionId: action, blockId: `card_${reservationId}`, value: reservationId }],
      channelId: 'D0CARDDM',
      messageTs: options.ts ?? `${nowSeconds()}.${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`,
      ...(options.userId ? { userId: options.userId } : {}),
      ...(options.responseId ? { responseUrl: h.fake.responseUrl(options.responseId) } : {}),
    },
    h.sign,
  );
}

const blockText = (blocks: unknown) => JSON.stringify(blocks);

type OpenedView = { callback_id: string; private_metadata: string; title: { text: string }; blocks: unknown[] };

/** A Change or Cancel press opens a loading modal at once; this is what it becomes once the reads are done. */
async function modalOpenedBy(triggerId: string): Promise<OpenedView> {
  const open = await h.fake.waitForCall('views.open', (call) => call.args.trigger_id === triggerId);
  expect((open.args.view as OpenedView).title.text).toBe('Loading…');
  const viewId = (open.result.view as { id: string }).id;
  const update = await h.fake.waitForCall('views.update', (call) => call.args.view_id === viewId);
  return update.args.view as OpenedView;
}

describe('/reserve', () => {
  test('GIVEN /reserve THEN it acks at once and opens the form: active servers with capacity, pickers, stable block ids', async () => {
    const triggerId = 'trigger-new-1';
    const res = await sendSlashCommand(h.eventsUrl, { command: '/reserve', triggerId }, h.sign);
    expect(res.status).toBe(200);
    const open = await h.fake.waitForCall('views.open', (call) => call.args.trigger_id === triggerId);
    const view = open.args.view as {
      callback_id: string;
      blocks: Array<{ block_id?: string; element?: { type: string; options?: Array<{ text: { text: string } }> } }>;
    };
    expect(view.callback_id).toBe('reserve_new');
    expect(view.blocks.map((block) => block.block_id)).toEqual([
      'title',
      'server',
      'starts_at',
      'ends_at',
      'emails',
      'channels',
      'passcode',
      'description',
    ]);
    const server = view.blocks.find((block) => block.block_id === 'server')!.element!;
    expect(server.options!.map((option) => option.text.text)).toEqual(
      expect.arrayContaining(['Studio-A · 5 streams at once', 'Studio-B · 1 stream at once']),
    );
    expect(view.blocks.find((block) => block.block_id === 'starts_at')!.element!.type).toBe('datetimepicker');
    expect(view.blocks.find((block) => block.block_id === 'channels')!.element!.type).toBe(
      'multi_conversations_select',
    );
  });

  test('GIVEN /reserve help THEN the ack itself carries the help, ephemeral', async () => {
    const res = await sendSlashCommand(h.eventsUrl, { command: '/reserve', text: 'help' }, h.sign);
    expect(JSON.parse(res.body)).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('/reserve list'),
    });
  });

  test('GIVEN /reserve list THEN the user gets their upcoming reservations by response_url, times as date tokens', async () => {
    const reservation = await reserveThroughModal({ title: 'Listed show' });
    await sendSlashCommand(
      h.eventsUrl,
      { command: '/reserve', text: 'list', responseUrl: h.fake.responseUrl('list-1') },
      h.sign,
    );
    const post = await h.fake.waitForResponseUrlPost('list-1');
    const text = (post.body as { text: string }).text;
    expect(text).toContain('*Listed show*');
    expect(text).toContain(`<!date^${reservation.startsAt.getTime() / 1000}^`);
  });
});

describe('/reserve open', () => {
  const tokenIn = (text: string) => /\/open\/(wl_[\w-]{43})/.exec(text)?.[1];

  test('GIVEN /reserve open R-XXXX THEN only the caller gets a sign-in link (response_url, ephemeral) that opens a session as them, to that reservation', async () => {
    const reservation = await reserveThroughModal({ title: 'Open me' });
    const posts = h.fake.calls.length;
    const res = await sendSlashCommand(
      h.eventsUrl,
      {
        command: '/reserve',
        text: `open ${reservation.code.toLowerCase()}`,
        responseUrl: h.fake.responseUrl('open-1'),
      },
      h.sign,
    );
    expect(res.status).toBe(200);
    const post = await h.fake.waitForResponseUrlPost('open-1');
    const body = post.body as { response_type: string; text: string };
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain(`|Open ${reservation.code} in the browser>`);
    expect(body.text).toMatch(/It works once, until <!date\^\d+\^\{time\}\|/);
    // Nothing else was posted anywhere: the link went to the caller alone.
    const token = tokenIn(body.text)!;
    expect(JSON.stringify(h.fake.calls.slice(posts))).not.toContain(token);
    const opened = await redeemWebLink(h.deps, token);
    expect(opened).toMatchObject({
      ok: true,
      next: `/r/${reservation.code}`,
      actor: {
        platform: 'slack',
        tenantId: FAKE_TEAM.id,
        userId: FAKE_USER.id,
        name: 'Alice Organizer',
        isAdmin: false,
      },
    });
  });

  test('GIVEN /reserve open alone THEN the link leads to the timeline; an admin’s link keeps their reach', async () => {
    await sendSlashCommand(
      h.eventsUrl,
      { command: '/reserve', text: 'open', userId: ADMIN, responseUrl: h.fake.responseUrl('open-2') },
      h.sign,
    );
    const text = ((await h.fake.waitForResponseUrlPost('open-2')).body as { text: string }).text;
    expect(text).toContain('|Open the timeline in the browser>');
    expect(await redeemWebLink(h.deps, tokenIn(text)!)).toMatchObject({
      ok: true,
      next: '/timeline',
      actor: { userId: ADMIN, isAdmin: true },
    });
  });

  test('GIVEN /reserve open with someone else’s code THEN no link, and the code is not confirmed to exist', async () => {
    const reservation = await reserveThroughModal({ title: 'Not yours' });
    const links = await h.db.prisma.webLink.count();
    await sendSlashCommand(
      h.eventsUrl,
      {
        command: '/reserve',
        text: `open ${reservation.code}`,
        userId: OTHER,
        responseUrl: h.fake.responseUrl('open-3'),
      },
      h.sign,
    );
    const text = ((await h.fake.waitForResponseUrlPost('open-3')).body as { text: string }).text;
    expect(text).toBe(
      `No reservation you can see has the code \`${reservation.code}\`. \`/reserve list\` shows yours.`,
    );
    expect(await h.db.prisma.webLink.count()).toBe(links);
  });
});

describe('submission', () => {
  test('GIVEN a valid form THEN permitted: one reservation, the permit prompt queued for the DM, and the times echoed as date tokens', async () => {
    const start = inHours(50);
    const { viewId, body } = await submit({
      title: 'Launch <!channel> & friends',
      startsAt: start,
      endsAt: start + 5400,
      emails: 'Ann@Example.org, bob@example.org\ncarol@example.org',
      channels: ['C0STREAMS'],
    });
    expect(body.response_action).toBe('update');
    expect(body.view.title.text).toBe('Requested');
    const shown = blockText(body.view.blocks);
    expect(shown).toContain(`<!date^${start}^{date_short_pretty} at {time}|`);
    expect(shown).toContain(`<!date^${start + 5400}^`);
    expect(shown).toContain('Launch &lt;!channel&gt; &amp; friends');

    const [reservation] = await reservationsByKey(viewId);
    expect(reservation).toMatchObject({
      organizerPlatform: 'slack',
      organizerTenantId: FAKE_TEAM.id,
      organizerUserId: FAKE_USER.id,
      organizerName: 'Alice Organizer',
      status: 'permitted',
      emails: ['ann@example.org', 'bob@example.org', 'carol@example.org'],
      slackChannels: ['C0STREAMS'],
    });
    expect(reservation!.startsAt.getTime()).toBe(start * 1000);
    const outbox = await outboxOf(reservation!.id);
    expect(outbox.map((row) => [row.event, row.channel, row.recipient])).toEqual([
      ['permit_prompt', 'slack_dm', FAKE_USER.id],
    ]);
  });

  test('GIVEN the same submission delivered again (X-Slack-Retry-Num) THEN still one reservation and one permit prompt', async () => {
    const start = inHours(52);
    const first = await submit({ startsAt: start, endsAt: start + 3600 });
    const again = await submit({ startsAt: start, endsAt: start + 3600 }, { viewId: first.viewId, retryNum: 1 });
    expect(again.body).toEqual(first.body);
    const rows = await reservationsByKey(first.viewId);
    expect(rows).toHaveLength(1);
    expect(await outboxOf(rows[0]!.id)).toHaveLength(1);
  });

  test('GIVEN bad addresses and a passcode with spaces THEN errors on exactly those blocks, naming the addresses, and no row', async () => {
    const start = inHours(30);
    const { viewId, body } = await submit({
      startsAt: start,
      endsAt: start + 3600,
      emails: 'ok@example.org, bob@, not an address',
      passcode: 'has space',
    });
    expect(body.response_action).toBe('errors');
    expect(Object.keys(body.errors).sort()).toEqual(['emails', 'passcode']);
    expect(body.errors.emails).toContain('"bob@"');
    expect(body.errors.emails).toContain('"address"');
    expect(await reservationsByKey(viewId)).toHaveLength(0);
  });

  test('GIVEN an end before the start in the past THEN errors on the start and the end', async () => {
    const start = inHours(-2);
    const { body } = await submit({ startsAt: start, endsAt: start - 600 });
    expect(body).toEqual({
      response_action: 'errors',
      errors: { starts_at: 'The start is in the past.', ends_at: 'The end must be after the start.' },
    });
  });

  test('GIVEN too long a reservation and too many invitees THEN errors on the end and the e-mails', async () => {
    const start = inHours(40);
    const { body } = await submit({
      startsAt: start,
      endsAt: start + 13 * 3600,
      emails: 'a@x.org b@x.org c@x.org d@x.org',
      channels: ['C0ONE1234', 'C0TWO1234'],
    });
    expect(body.response_action).toBe('errors');
    expect(body.errors.ends_at).toMatch(/at most 12h/);
    expect(body.errors.emails).toMatch(/At most 5 invitees.*has 6/);
  });

  test('GIVEN the server is taken THEN the modal says so and offers the nearest free slots; one click books one', async () => {
    const start = inHours(60);
    await requestReservation(
      h.deps,
      makeActor(),
      makeRequest(single.name, { startsAt: new Date(start * 1000), endsAt: new Date((start + 3600) * 1000) }),
    );
    const fields = { serverId: single.id, startsAt: start, endsAt: start + 3600, title: 'Wanted slot' };
    const { viewId, body } = await submit(fields);

    expect(body.response_action).toBe('update');
    expect(body.view.callback_id).toBe('reserve_new');
    const blocks = body.view.blocks as Array<{
      block_id?: string;
      text?: { text: string };
      accessory?: { action_id: string; value: string };
    }>;
    expect(blocks[0]!.text!.text).toContain('*Studio-B* is taken');
    const slots = blocks.filter((block) => block.accessory?.action_id === 'pick_slot');
    expect(slots.length).toBeGreaterThan(0);
    // The form keeps what was typed.
    expect(blockText(blocks)).toContain('"initial_value":"Wanted slot"');
    expect(await reservationsByKey(viewId)).toHaveLength(0);

    const chosen = slots[0]!;
    const choice = JSON.parse(chosen.accessory!.value) as { s: string; a: number; b: number };
    await sendBlockActions(
      h.eventsUrl,
      {
        actions: [{ actionId: 'pick_slot', blockId: chosen.block_id!, value: chosen.accessory!.value }],
        view: { id: viewId, callbackId: 'reserve_new', values: formValues(fields) },
      },
      h.sign,
    );
    const updated = await h.fake.waitForCall('views.update', (call) => call.args.view_id === viewId);
    expect((updated.args.view as { title: { text: string } }).title.text).toBe('Requested');
    const [booked] = await reservationsByKey(viewId);
    expect(booked).toMatchObject({ title: 'Wanted slot', serverId: choice.s });
    expect(booked!.startsAt.getTime()).toBe(choice.a * 1000);
  });
});

describe('answers that cannot be the ack', () => {
  test('GIVEN "Book this" fails THEN the modal says something went wrong, and a second click books the slot', async () => {
    const viewId = newViewId();
    const start = inHours(64);
    const value = JSON.stringify({ s: roomy.id, a: start, b: start + 3600 });
    const pick = () =>
      sendBlockActions(
        h.eventsUrl,
        {
          actions: [{ actionId: 'pick_slot', blockId: 'slot_0', value }],
          view: {
            id: viewId,
            callbackId: 'reserve_new',
            values: formValues({ title: 'Second try', serverId: single.id, startsAt: start, endsAt: start + 3600 }),
          },
        },
        h.sign,
      );
    h.servers.failNextRead = new Error('database down');
    await pick();
    const failed = await h.fake.waitForCall('views.update', (call) => call.args.view_id === viewId, 3_000);
    expect((failed.args.view as OpenedView).title.text).toBe('Something went wrong');
    expect(await reservationsByKey(viewId)).toHaveLength(0);

    await pick();
    await h.fake.waitForCall(
      'views.update',
      (call) => call.args.view_id === viewId && (call.args.view as OpenedView).title.text === 'Requested',
      3_000,
    );
    expect(await reservationsByKey(viewId)).toMatchObject([{ title: 'Second try', serverId: roomy.id }]);
  });

  test('GIVEN field errors found after the 2 s budget THEN the modal goes back to the form as typed, with the errors on top', async () => {
    h.servers.latencyMs.find = 2_300;
    const start = inHours(66);
    const { viewId, body } = await submit({
      title: 'Late and wrong',
      serverId: 'no-such-server',
      startsAt: start,
      endsAt: start + 3600,
    });
    expect(body.view.title.text).toBe('Working…');
    const update = await h.fake.waitForCall('views.update', (call) => call.args.view_id === viewId);
    const view = update.args.view as OpenedView;
    expect(view.callback_id).toBe('reserve_new');
    expect(blockText(view.blocks)).toContain('There is no server named');
    expect(blockText(view.blocks)).toContain('"initial_value":"Late and wrong"');
  });

  test('GIVEN a late answer whose modal update fails THEN the follow-up (App Home) still runs', async () => {
    h.servers.latencyMs.find = 2_300;
    const viewId = newViewId();
    const start = inHours(68);
    const sentAt = new Date();
    h.fake.failNext('views.update', { kind: 'error', error: 'not_found', when: (args) => args.view_id === viewId });
    const res = await sendViewSubmission(
      h.eventsUrl,
      {
        view: {
          id: viewId,
          callbackId: 'reserve_new',
          privateMetadata: JSON.stringify({ h: 1 }),
          values: formValues({ title: 'From Home', serverId: roomy.id, startsAt: start, endsAt: start + 3600 }),
        },
      },
      h.sign,
    );
    expect(JSON.parse(res.body)).toMatchObject({ view: { title: { text: 'Working…' } } });
    await h.fake.waitForCall('views.update', (call) => call.args.view_id === viewId);
    const publish = await h.fake.waitForCall(
      'views.publish',
      (call) => call.args.user_id === FAKE_USER.id && call.receivedAt >= sentAt,
    );
    expect(blockText(publish.args.view)).toContain('From Home');
  });
});

describe('the card buttons', () => {
  test('GIVEN the organizer presses Reconfirm THEN it is confirmed, invitations are queued, and the DM card is redrawn without stale buttons', async () => {
    const reservation = await reserveThroughModal({ channels: ['C0INVITE1'] });
    const ts = '1700000000.000101';
    expect((await press('reservation_reconfirm', reservation.id, { ts })).status).toBe(200);

    const update = await h.fake.waitForCall('chat.update', (call) => call.args.ts === ts);
    const shown = blockText(update.args.blocks);
    expect(shown).toContain('Confirmed');
    expect(shown).not.toContain('reservation_reconfirm');
    expect(shown).toContain('reservation_change');
    expect(shown).toContain(reservation.streamKey); // the organizer's own DM
    const row = await h.db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } });
    expect(row.status).toBe('confirmed');
    const invitations = (await outboxOf(reservation.id)).filter((n) => n.event === 'invitation_confirmed');
    expect(invitations.map((n) => `${n.channel}:${n.recipient}`).sort()).toEqual([
      'email:viewer@example.org',
      'slack_channel:C0INVITE1',
    ]);
  });

  test('GIVEN someone else presses Reconfirm THEN an ephemeral refusal, and nothing changes', async () => {
    const reservation = await reserveThroughModal();
    const callsBefore = h.fake.callsTo('chat.update').length;
    await press('reservation_reconfirm', reservation.id, { userId: OTHER, responseId: 'refuse-1' });
    const post = await h.fake.waitForResponseUrlPost('refuse-1');
    expect(post.body).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      text: expect.stringContaining('Only the organizer'),
    });
    expect((await h.db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } })).status).toBe(
      'permitted',
    );
    expect(h.fake.callsTo('chat.update')).toHaveLength(callsBefore);
  });

  test("GIVEN a workspace admin presses Reconfirm on someone else's reservation THEN it is confirmed, and the admin is not shown the stream key", async () => {
    const reservation = await reserveThroughModal();
    const ts = '1700000000.000202';
    await press('reservation_reconfirm', reservation.id, { userId: ADMIN, ts });
    const update = await h.fake.waitForCall('chat.update', (call) => call.args.ts === ts);
    expect(blockText(update.args.blocks)).not.toContain(reservation.streamKey);
    expect((await h.db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } })).status).toBe(
      'confirmed',
    );
  });

  test('GIVEN a double click on Reconfirm THEN it is reconfirmed once', async () => {
    const reservation = await reserveThroughModal();
    const ts = '1700000000.000303';
    await Promise.all([
      press('reservation_reconfirm', reservation.id, { ts }),
      press('reservation_reconfirm', reservation.id, { ts }),
    ]);
    await h.fake.waitForCall('chat.update', (call) => call.args.ts === ts);
    const audits = await h.db.prisma.auditEntry.findMany({
      where: { reservationId: reservation.id, action: 'reconfirmed' },
    });
    expect(audits).toHaveLength(1);
    const invitations = (await outboxOf(reservation.id)).filter((n) => n.event === 'invitation_confirmed');
    expect(invitations).toHaveLength(1);
  });

  test('GIVEN Change THEN the form opens pre-filled; saving new times changes the reservation and queues the change notice (claim 5)', async () => {
    const reservation = await reserveThroughModal({ title: 'Movable', passcode: 'secret-pass' });
    const triggerId = 'trigger-change-1';
    await sendBlockActions(
      h.eventsUrl,
      {
        actions: [{ actionId: 'reservation_change', blockId: `card_${reservation.id}`, value: reservation.id }],
        channelId: 'D0CARDDM',
        triggerId,
      },
      h.sign,
    );
    const view = await modalOpenedBy(triggerId);
    expect(view.callback_id).toBe('reserve_change');
    expect(view.private_metadata).toBe(JSON.stringify({ r: reservation.id }));
    expect(blockText(view.blocks)).toContain('"initial_value":"Movable"');
    expect(blockText(view.blocks)).toContain(`"initial_date_time":${reservation.startsAt.getTime() / 1000}`);

    const start = reservation.startsAt.getTime() / 1000 + 7200;
    const res = await sendViewSubmission(
      h.eventsUrl,
      {
        view: {
          id: newViewId(),
          callbackId: 'reserve_change',
          privateMetadata: view.private_metadata,
          values: formValues({
            title: 'Movable',
            serverId: roomy.id,
            startsAt: start,
            endsAt: start + 3600,
            emails: 'viewer@example.org',
            passcode: 'secret-pass',
          }),
        },
      },
      h.sign,
    );
    expect(JSON.parse(res.body)).toMatchObject({ response_action: 'update', view: { title: { text: 'Changed' } } });
    const row = await h.db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } });
    expect(row.startsAt.getTime()).toBe(start * 1000);
    const notices = (await outboxOf(reservation.id)).filter((n) => n.event === 'change_notice');
    expect(notices.map((n) => n.recipient)).toEqual([FAKE_USER.id]);
  });

  test('GIVEN someone else presses Change THEN the modal says why and holds no form', async () => {
    const reservation = await reserveThroughModal();
    const triggerId = 'trigger-change-other';
    await sendBlockActions(
      h.eventsUrl,
      {
        actions: [{ actionId: 'reservation_change', blockId: 'card', value: reservation.id }],
        userId: OTHER,
        triggerId,
      },
      h.sign,
    );
    const view = await modalOpenedBy(triggerId);
    expect(view.title.text).toBe('Not possible');
    expect(blockText(view.blocks)).toContain('Only the organizer');
    expect(view.callback_id).toBe('reserve_info');
  });

  test("GIVEN Change while the reads are slow THEN a loading modal opens at once, inside the trigger_id's 3 s, and becomes the form", async () => {
    const reservation = await reserveThroughModal({ title: 'Slow to load' });
    h.servers.latencyMs.active = 1_500;
    const triggerId = 'trigger-change-slow';
    const pressedAt = Date.now();
    await sendBlockActions(
      h.eventsUrl,
      {
        actions: [{ actionId: 'reservation_change', blockId: `card_${reservation.id}`, value: reservation.id }],
        channelId: 'D0CARDDM',
        triggerId,
      },
      h.sign,
    );
    const open = await h.fake.waitForCall('views.open', (call) => call.args.trigger_id === triggerId);
    expect(open.receivedAt.getTime() - pressedAt).toBeLessThan(1_000);
    const view = await modalOpenedBy(triggerId);
    expect(view.callback_id).toBe('reserve_change');
    expect(blockText(view.blocks)).toContain('"initial_value":"Slow to load"');
  });

  test('GIVEN opening the modal fails THEN a second press right after is carried out, not dropped as a double click', async () => {
    const reservation = await reserveThroughModal();
    const ts = '1700000000.000505';
    const pressChange = (triggerId: string) =>
      sendBlockActions(
        h.eventsUrl,
        {
          actions: [{ actionId: 'reservation_change', blockId: `card_${reservation.id}`, value: reservation.id }],
          channelId: 'D0CARDDM',
          messageTs: ts,
          triggerId,
        },
        h.sign,
      );
    h.fake.failNext('views.open', {
      kind: 'error',
      error: 'expired_trigger_id',
      when: (args) => args.trigger_id === 'trigger-retry-1',
    });
    const failuresBefore = loggedErrors.length;
    await pressChange('trigger-retry-1');
    await h.fake.waitForCall('views.open', (call) => call.args.trigger_id === 'trigger-retry-1');
    // The failed handler has finished (and let the press through again) once Bolt reports its error.
    await waitFor(() => loggedErrors.slice(failuresBefore).some((entry) => entry.message === 'slack listener failed'));
    await pressChange('trigger-retry-2');
    const view = await modalOpenedBy('trigger-retry-2');
    expect(view.callback_id).toBe('reserve_change');
  });

  test('GIVEN Cancel (after its confirm dialog) THEN a reason is asked; submitting cancels (claim 4) and the DM card shows it', async () => {
    const reservation = await reserveThroughModal();
    // The card as the delivery worker would have recorded it in the organizer's DM.
    const dm = await fetch(`${h.fake.apiUrl}conversations.open`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-x', 'content-type': FORM },
      body: `users=${FAKE_USER.id}`,
    }).then((res) => res.json() as Promise<{ channel: { id: string } }>);
    await saveChatMessage(h.db.pool, {
      reservationId: reservation.id,
      platform: 'slack',
      channelId: dm.channel.id,
      messageId: '1700000000.000404',
      purpose: 'prompt',
    });

    const triggerId = 'trigger-cancel-1';
    await sendBlockActions(
      h.eventsUrl,
      { actions: [{ actionId: 'reservation_cancel', blockId: 'card', value: reservation.id }], triggerId },
      h.sign,
    );
    const view = await modalOpenedBy(triggerId);
    expect(view.callback_id).toBe('reserve_cancel');

    const res = await sendViewSubmission(
      h.eventsUrl,
      {
        view: {
          id: newViewId(),
          callbackId: 'reserve_cancel',
          privateMetadata: view.private_metadata,
          values: { reason: { value: stateValue.text('Speaker is ill') } },
        },
      },
      h.sign,
    );
    expect(JSON.parse(res.body)).toMatchObject({ response_action: 'update', view: { title: { text: 'Cancelled' } } });
    expect(await h.db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } })).toMatchObject({
      status: 'cancelled',
      cancelReason: 'Speaker is ill',
    });
    // The card follows the commits (src/chat/follow.ts): the one after the cancel shows it.
    const card = await h.fake.waitForCall(
      'chat.update',
      (call) => call.args.ts === '1700000000.000404' && blockText(call.args.blocks).includes('Cancelled'),
    );
    expect(blockText(card.args.blocks)).not.toContain('reservation_cancel');
  });

  test('GIVEN a cancel reason that is too long THEN the error is on the reason block and nothing is cancelled', async () => {
    const reservation = await reserveThroughModal();
    const res = await sendViewSubmission(
      h.eventsUrl,
      {
        view: {
          callbackId: 'reserve_cancel',
          privateMetadata: JSON.stringify({ r: reservation.id }),
          values: { reason: { value: stateValue.text('x'.repeat(501)) } },
        },
      },
      h.sign,
    );
    expect(JSON.parse(res.body)).toEqual({
      response_action: 'errors',
      errors: { reason: 'The reason can be at most 500 characters.' },
    });
    expect((await h.db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation.id } })).status).toBe(
      'permitted',
    );
  });
});

describe('App Home', () => {
  test('GIVEN the user opens Home THEN their upcoming reservations are published with state and buttons, no stream key', async () => {
    // Earlier than the other tests' reservations: Home shows only the first 15 upcoming.
    const reservation = await reserveThroughModal({ title: 'Home listed', startsAt: inHours(45) });
    await sendEvent(h.eventsUrl, buildAppHomeOpened({ userId: FAKE_USER.id }), h.sign);
    const publish = await h.fake.waitForCall(
      'views.publish',
      (call) => call.args.user_id === FAKE_USER.id && blockText(call.args.view).includes('Home listed'),
    );
    const shown = blockText(publish.args.view);
    expect(shown).toContain('reservation_reconfirm');
    expect(shown).toContain('home_new');
    expect(shown).not.toContain(reservation.streamKey);
  });
});

describe('signatures', () => {
  test('GIVEN a forged signature, or a timestamp more than 5 minutes old or ahead THEN 401, and no reservation and no Web API call', async () => {
    const start = inHours(70);
    const viewId = newViewId();
    const body = interactiveBody(
      buildViewSubmission({
        view: {
          id: viewId,
          callbackId: 'reserve_new',
          values: formValues({ serverId: roomy.id, startsAt: start, endsAt: start + 3600 }),
        },
      }),
    );
    const callsBefore = h.fake.calls.length;
    const forged = await postToSlackEndpoint(h.eventsUrl, body, { ...h.sign, contentType: FORM, forgeSignature: true });
    const stale = await postToSlackEndpoint(h.eventsUrl, body, {
      ...h.sign,
      contentType: FORM,
      timestamp: nowSeconds() - 6 * 60,
    });
    const ahead = await postToSlackEndpoint(h.eventsUrl, body, {
      ...h.sign,
      contentType: FORM,
      timestamp: nowSeconds() + 6 * 60,
    });
    expect([forged.status, stale.status, ahead.status]).toEqual([401, 401, 401]);
    expect(await reservationsByKey(viewId)).toHaveLength(0);
    expect(h.fake.calls.length).toBe(callsBefore);
  });
});
