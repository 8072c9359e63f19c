/**
 * The whole service as `npm start` runs it, with the Slack app connected to the fake Slack Web
 * API: real PostgreSQL, real Agenda (the delivery worker), real SMTP. A user drives it as in
 * Slack: /reserve, the modal, the DM prompt and its buttons; the effects are read back from the
 * fake (DMs, channel posts) and the SMTP server (e-mails).
 */
import type { RecordedCall } from '../support/fake-slack.js';
import { FAKE_TEAM, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { makeServer, waitFor } from '../support/fixtures.js';
import type { TestService } from '../support/service.js';
import { startTestService } from '../support/service.js';
import { BOT_TOKEN, formValues, inHours, SIGNING_SECRET, type FormFields } from '../support/slack-harness.js';
import {
  buildViewSubmission,
  FAKE_USER,
  FORM,
  interactiveBody,
  nowSeconds,
  postToSlackEndpoint,
  sendBlockActions,
  sendSlashCommand,
  sendViewSubmission,
  stateValue,
} from '../support/slack-signing.js';
import type { TestSmtp } from '../support/smtp.js';
import { startTestSmtp } from '../support/smtp.js';

let smtp: TestSmtp;
let fake: FakeSlack;
let world: TestService;
let server: { id: string; name: string };
let small: { id: string; name: string };
const sign = { signingSecret: SIGNING_SECRET };
const OTHER = 'U0E2EOTHER';

beforeAll(async () => {
  smtp = await startTestSmtp();
  fake = await startFakeSlack({ users: { [FAKE_USER.id]: { real_name: 'Alice Organizer' } } });
  world = await startTestService({
    SMTP_URL: smtp.url,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: fake.apiUrl,
  });
  server = await makeServer(world.db.prisma, {
    name: 'E2E-Studio',
    capacity: 10,
    playbackBaseUrl: 'https://watch.example.org/live',
  });
  small = await makeServer(world.db.prisma, { name: 'E2E-Small', capacity: 1 });
}, 60_000);
afterAll(async () => {
  await world?.close();
  await fake?.close();
  await smtp?.close();
});

const eventsUrl = () => `${world.service.url}/slack/events`;
const shown = (call: RecordedCall) =>
  JSON.stringify(call.args.blocks ?? call.args.view ?? '') + String(call.args.text ?? '');
let views = 0;

/** Change and Cancel open a loading modal with the trigger_id at once, then fill it in: the form. */
async function formOpenedBy(triggerId: string): Promise<{ private_metadata: string }> {
  const open = await fake.waitForCall('views.open', (call) => call.args.trigger_id === triggerId);
  const viewId = (open.result.view as { id: string }).id;
  const update = await fake.waitForCall('views.update', (call) => call.args.view_id === viewId);
  return update.args.view as { private_metadata: string };
}
let hour = 48;
let inviteeCounter = 0;

/** /reserve, then the modal submitted: the reservation row made from it. */
async function reserve(fields: FormFields = {}, options: { retry?: boolean } = {}) {
  const triggerId = `e2e-trigger-${++views}`;
  expect((await sendSlashCommand(eventsUrl(), { command: '/reserve', triggerId }, sign)).status).toBe(200);
  await fake.waitForCall('views.open', (call) => call.args.trigger_id === triggerId);
  const viewId = `V0E2E${String(views).padStart(5, '0')}`;
  hour += 3;
  const start = inHours(hour);
  const values = formValues({ serverId: server.id, startsAt: start, endsAt: start + 3600, ...fields });
  const res = await sendViewSubmission(eventsUrl(), { view: { id: viewId, callbackId: 'reserve_new', values } }, sign);
  const body = JSON.parse(res.body) as {
    response_action: string;
    view?: { title: { text: string } };
    errors?: Record<string, string>;
  };
  if (options.retry) {
    await sendViewSubmission(
      eventsUrl(),
      { view: { id: viewId, callbackId: 'reserve_new', values } },
      { ...sign, extraHeaders: { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' } },
    );
  }
  const reservation = await world.db.prisma.reservation.findFirst({
    where: { requestKey: `slack:${FAKE_TEAM.id}:${viewId}` },
  });
  return { body, reservation, viewId, values };
}

/** The organizer's DM card for a reservation, once the delivery worker has posted it. */
const promptOf = (code: string) =>
  fake.waitForCall(
    'chat.postMessage',
    (call) =>
      call.result.ok && String(call.args.channel).startsWith('D') && !call.args.thread_ts && shown(call).includes(code),
    15_000,
  );

const channelPost = (channel: string, predicate: (call: RecordedCall) => boolean = () => true) =>
  fake.waitForCall(
    'chat.postMessage',
    (call) => call.result.ok && call.args.channel === channel && predicate(call),
    15_000,
  );

function pressOn(
  card: RecordedCall,
  action: string,
  reservationId: string,
  extra: { userId?: string; triggerId?: string; responseId?: string } = {},
) {
  return sendBlockActions(
    eventsUrl(),
    {
      actions: [{ actionId: action, blockId: `card_${reservationId}`, value: reservationId }],
      channelId: card.result.channel as string,
      messageTs: card.result.ts as string,
      ...(extra.userId ? { userId: extra.userId } : {}),
      ...(extra.triggerId ? { triggerId: extra.triggerId } : {}),
      ...(extra.responseId ? { responseUrl: fake.responseUrl(extra.responseId) } : {}),
    },
    sign,
  );
}

async function mailsTo(address: string, count: number) {
  await waitFor(() => smtp.to(address).length >= count, 20_000);
  return smtp.to(address);
}

const invitee = () => `e2e-viewer${++inviteeCounter}@example.org`;

/** A reservation made in Slack, reconfirmed from its DM card; its channel invitation posted. */
async function confirmedWithChannel(channel: string, email: string) {
  const { reservation } = await reserve({ emails: email, channels: [channel], passcode: 'sesame-42' });
  const card = await promptOf(reservation!.code);
  await pressOn(card, 'reservation_reconfirm', reservation!.id);
  const invitation = await channelPost(channel);
  return { reservation: reservation!, card, invitation };
}

test('claims 1, 2, 3, 6: /reserve → modal → DM prompt → Reconfirm → channel invitation and e-mail with playback URL and passcode', async () => {
  const email = invitee();
  const { body, reservation } = await reserve({
    title: 'All-hands',
    emails: email,
    channels: ['C0E2ECHAN1'],
    passcode: 'sesame-42',
  });
  expect(body).toMatchObject({ response_action: 'update', view: { title: { text: 'Requested' } } });
  expect(reservation).toMatchObject({ status: 'permitted', organizerUserId: FAKE_USER.id });

  // The permit prompt (claim 6): the DM with the deadline, ingest URL, stream key and buttons.
  const card = await promptOf(reservation!.code);
  const prompt = shown(card);
  for (const expected of [
    reservation!.streamKey,
    'rtmp://ingest.example.org/live',
    'reservation_reconfirm',
    `<!date^${reservation!.reconfirmDeadline.getTime() / 1000}^`,
    // The reservation's web page, at the address the service listens on.
    `<${world.service.url}/r/${reservation!.code}|On the web>`,
  ]) {
    expect(prompt).toContain(expected);
  }
  // Nobody else has heard yet: invitations wait for the reconfirmation.
  expect(await world.db.prisma.notification.findMany({ where: { reservationId: reservation!.id } })).toEqual([
    expect.objectContaining({ event: 'permit_prompt', channel: 'slack_dm' }),
  ]);
  expect(fake.callsTo('chat.postMessage').filter((call) => call.args.channel === 'C0E2ECHAN1')).toHaveLength(0);

  await pressOn(card, 'reservation_reconfirm', reservation!.id);
  const redrawn = await fake.waitForCall(
    'chat.update',
    (call) => call.args.ts === card.result.ts && shown(call).includes('Confirmed'),
  );
  expect(shown(redrawn)).not.toContain('reservation_reconfirm');

  const post = await channelPost('C0E2ECHAN1');
  const playback = `https://watch.example.org/live/${reservation!.code}`;
  expect(shown(post)).toContain(playback); // claim 2
  expect(shown(post)).toContain('sesame-42'); // claim 3
  expect(shown(post)).not.toContain(reservation!.streamKey);
  const [mail] = await mailsTo(email, 1);
  expect(mail!.parsed.text).toContain(playback);
  expect(mail!.parsed.text).toContain('sesame-42');
});

test('claim 5: Change from the DM → pre-filled modal → new time: the channel post is edited, a notice threaded, the invitee e-mailed', async () => {
  const email = invitee();
  const { reservation, card, invitation } = await confirmedWithChannel('C0E2ECHAN2', email);
  await mailsTo(email, 1);
  const triggerId = 'e2e-change';
  await pressOn(card, 'reservation_change', reservation.id, { triggerId });
  const form = await formOpenedBy(triggerId);
  const start = reservation.startsAt.getTime() / 1000 + 1800;
  const res = await sendViewSubmission(
    eventsUrl(),
    {
      view: {
        callbackId: 'reserve_change',
        privateMetadata: form.private_metadata,
        values: formValues({
          serverId: server.id,
          startsAt: start,
          endsAt: start + 3600,
          emails: email,
          channels: ['C0E2ECHAN2'],
          passcode: 'sesame-42',
        }),
      },
    },
    sign,
  );
  expect(JSON.parse(res.body)).toMatchObject({ response_action: 'update', view: { title: { text: 'Changed' } } });

  const notice = await channelPost('C0E2ECHAN2', (call) => call.args.thread_ts === invitation.result.ts);
  expect(shown(notice)).toContain(`<!date^${start}^`);
  await fake.waitForCall(
    'chat.update',
    (call) => call.args.ts === invitation.result.ts && shown(call).includes(`<!date^${start}^`),
  );
  const mails = await mailsTo(email, 2);
  expect(mails[1]!.parsed.subject).toBe(`Changed: ${reservation.title}`);
});

test('claim 4: Cancel from the DM → reason → the channel post is marked cancelled with a threaded notice, the invitee e-mailed, the card redrawn', async () => {
  const email = invitee();
  const { reservation, card, invitation } = await confirmedWithChannel('C0E2ECHAN3', email);
  const triggerId = 'e2e-cancel';
  await pressOn(card, 'reservation_cancel', reservation.id, { triggerId });
  const form = await formOpenedBy(triggerId);
  await sendViewSubmission(
    eventsUrl(),
    {
      view: {
        callbackId: 'reserve_cancel',
        privateMetadata: form.private_metadata,
        values: { reason: { value: stateValue.text('Speaker is ill') } },
      },
    },
    sign,
  );
  const notice = await channelPost('C0E2ECHAN3', (call) => call.args.thread_ts === invitation.result.ts);
  expect(shown(notice)).toContain('Speaker is ill');
  await fake.waitForCall(
    'chat.update',
    (call) => call.args.ts === invitation.result.ts && shown(call).includes('Cancelled'),
  );
  await fake.waitForCall(
    'chat.update',
    (call) =>
      call.args.ts === card.result.ts &&
      shown(call).includes('Cancelled') &&
      !shown(call).includes('reservation_cancel'),
  );
  const mails = await mailsTo(email, 2);
  expect(mails.map((mail) => mail.parsed.subject)).toContain(`Cancelled: ${reservation.title}`);
});

test('field errors: bad addresses and an end before the start come back on their fields, and nothing is stored', async () => {
  const { body, reservation } = await reserve({ emails: 'ok@example.org, nope@' });
  expect(body).toEqual({ response_action: 'errors', errors: { emails: expect.stringContaining('"nope@"') } });
  const start = inHours(90);
  const second = await reserve({ startsAt: start, endsAt: start - 60 });
  expect(second.body).toEqual({ response_action: 'errors', errors: { ends_at: 'The end must be after the start.' } });
  expect([reservation, second.reservation]).toEqual([null, null]);
});

test('refused: the modal offers the nearest free slots; picking one books it', async () => {
  const start = inHours(200);
  const first = await reserve({ serverId: small.id, startsAt: start, endsAt: start + 3600 });
  expect(first.reservation).not.toBeNull();
  const { body, reservation, viewId, values } = await reserve({
    serverId: small.id,
    startsAt: start,
    endsAt: start + 3600,
  });
  expect(reservation).toBeNull();
  const blocks = (
    body as unknown as {
      view: { blocks: Array<{ block_id?: string; accessory?: { action_id: string; value: string } }> };
    }
  ).view.blocks;
  const slot = blocks.find((block) => block.accessory?.action_id === 'pick_slot')!;
  await sendBlockActions(
    eventsUrl(),
    {
      actions: [{ actionId: 'pick_slot', blockId: slot.block_id!, value: slot.accessory!.value }],
      view: { id: viewId, callbackId: 'reserve_new', values },
    },
    sign,
  );
  await fake.waitForCall('views.update', (call) => call.args.view_id === viewId && shown(call).includes('Requested'));
  const booked = await world.db.prisma.reservation.findFirstOrThrow({
    where: { requestKey: `slack:${FAKE_TEAM.id}:${viewId}` },
  });
  expect(booked.startsAt.getTime()).toBe((JSON.parse(slot.accessory!.value) as { a: number }).a * 1000);
  await promptOf(booked.code);
});

test('a non-owner pressing Reconfirm is refused privately and nothing changes', async () => {
  const { reservation } = await reserve();
  const card = await promptOf(reservation!.code);
  await pressOn(card, 'reservation_reconfirm', reservation!.id, { userId: OTHER, responseId: 'e2e-other' });
  const refusal = await fake.waitForResponseUrlPost('e2e-other');
  expect(refusal.body).toMatchObject({
    response_type: 'ephemeral',
    text: expect.stringContaining('Only the organizer'),
  });
  expect((await world.db.prisma.reservation.findUniqueOrThrow({ where: { id: reservation!.id } })).status).toBe(
    'permitted',
  );
});

test('forged and stale signatures are refused with 401 and book nothing', async () => {
  const start = inHours(300);
  const body = interactiveBody(
    buildViewSubmission({
      view: {
        id: 'V0E2EFORGED',
        callbackId: 'reserve_new',
        values: formValues({ serverId: server.id, startsAt: start, endsAt: start + 3600 }),
      },
    }),
  );
  const forged = await postToSlackEndpoint(eventsUrl(), body, { ...sign, contentType: FORM, forgeSignature: true });
  const stale = await postToSlackEndpoint(eventsUrl(), body, {
    ...sign,
    contentType: FORM,
    timestamp: nowSeconds() - 6 * 60,
  });
  expect([forged.status, stale.status]).toEqual([401, 401]);
  expect(await world.db.prisma.reservation.count({ where: { requestKey: `slack:${FAKE_TEAM.id}:V0E2EFORGED` } })).toBe(
    0,
  );
});

test('a submission Slack delivers twice (X-Slack-Retry-Num) makes one reservation and one DM', async () => {
  const { reservation } = await reserve({}, { retry: true });
  await promptOf(reservation!.code);
  await waitFor(async () =>
    (await world.db.prisma.notification.findMany({ where: { reservationId: reservation!.id } })).every(
      (row) => row.status === 'sent',
    ),
  );
  expect(await world.db.prisma.notification.count({ where: { reservationId: reservation!.id } })).toBe(1);
  expect(
    fake.succeededCallsTo('chat.postMessage').filter((call) => shown(call).includes(reservation!.code)),
  ).toHaveLength(1);
});

test('a 429 on posting the invitation: delivered exactly once, after Retry-After', async () => {
  fake.failNext('chat.postMessage', {
    kind: 'ratelimited',
    retryAfterSeconds: 1,
    when: (args) => args.channel === 'C0E2E0429',
  });
  const { reservation } = await reserve({ channels: ['C0E2E0429'] });
  await pressOn(await promptOf(reservation!.code), 'reservation_reconfirm', reservation!.id);
  const posted = await channelPost('C0E2E0429');
  const attempts = fake.callsTo('chat.postMessage').filter((call) => call.args.channel === 'C0E2E0429');
  expect(attempts.map((call) => call.status)).toEqual([429, 200]);
  expect(posted.receivedAt.getTime() - attempts[0]!.receivedAt.getTime()).toBeGreaterThanOrEqual(1000);
  const row = await waitFor(async () => {
    const found = await world.db.prisma.notification.findFirstOrThrow({
      where: { reservationId: reservation!.id, channel: 'slack_channel' },
    });
    return found.status === 'sent' && found;
  });
  expect(row.attempts).toBe(2);
}, 20_000);

test('a channel Slotcast is not in: the delivery fails for good with a reason telling the organizer what to do', async () => {
  fake.failNext('chat.postMessage', {
    kind: 'error',
    error: 'not_in_channel',
    when: (args) => args.channel === 'C0E2ELOCK',
  });
  const { reservation } = await reserve({ channels: ['C0E2ELOCK'] });
  await pressOn(await promptOf(reservation!.code), 'reservation_reconfirm', reservation!.id);
  // The worker batches such failures into one report DM a while later (its rendering is tested in channel.test.ts).
  const row = await waitFor(async () => {
    const found = await world.db.prisma.notification.findFirstOrThrow({
      where: { reservationId: reservation!.id, channel: 'slack_channel' },
    });
    return found.status === 'failed' && found;
  });
  expect(row.lastError).toContain('/invite @Slotcast');
  expect(fake.callsTo('chat.postMessage').filter((call) => call.args.channel === 'C0E2ELOCK')).toHaveLength(1);
});

describe('NOTIFY_MODE=permit-and-reconfirm', () => {
  beforeAll(async () => {
    await world.restart({ NOTIFY_MODE: 'permit-and-reconfirm' });
  }, 60_000);

  test('claim 7: invitations go out at permission already, and again (edited in place, e-mailed) at reconfirmation', async () => {
    const email = invitee();
    const { reservation } = await reserve({ emails: email, channels: ['C0E2EMODE7'] });
    const tentative = await channelPost('C0E2EMODE7');
    expect(shown(tentative)).toContain('tentative');
    const [first] = await mailsTo(email, 1);
    expect(first!.parsed.subject).toBe(`Tentative invitation: ${reservation!.title}`);

    await pressOn(await promptOf(reservation!.code), 'reservation_reconfirm', reservation!.id);
    await fake.waitForCall(
      'chat.update',
      (call) => call.args.ts === tentative.result.ts && !shown(call).includes('tentative'),
      15_000,
    );
    const mails = await mailsTo(email, 2);
    expect(mails[1]!.parsed.subject).toBe(`Invitation: ${reservation!.title}`);
    // One post in the channel, edited: never a second one.
    expect(fake.succeededCallsTo('chat.postMessage').filter((call) => call.args.channel === 'C0E2EMODE7')).toHaveLength(
      1,
    );
  });
});
