/**
 * The Slack transport of the notification pipeline, called as the delivery worker calls it, against
 * the fake Slack Web API and real PostgreSQL (chat_message records).
 */
import { createChatPort } from '../../src/chat/port.js';
import { randomUUID } from 'node:crypto';
import { requestReservation } from '../../src/app/request.js';
import { playbackUrl } from '../../src/domain/reservation.js';
import { silentLogger } from '../../src/log.js';
import type { Transport } from '../../src/notify/transport.js';
import type { MessageModel } from '../../src/notify/message.js';
import type { StoredReservation } from '../../src/store/reservations.js';
import { createSlackTransport } from '../../src/slack/transport.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { FAKE_TEAM, startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { makeActor, makeDeps, makeRequest, makeServer } from '../support/fixtures.js';

const INTERVAL_MS = 300;
let fake: FakeSlack;
let db: TestDatabase;
let transport: Transport;
let deps: ReturnType<typeof makeDeps>;
let serverName: string;

beforeAll(async () => {
  fake = await startFakeSlack();
  db = await createTestDatabase();
  deps = makeDeps(db);
  serverName = (await makeServer(db.prisma)).name;
  transport = createSlackTransport({
    botToken: 'xoxb-fake1',
    apiUrl: fake.apiUrl,
    chat: createChatPort(deps),
    log: silentLogger,
    postIntervalMs: INTERVAL_MS,
  });
});
afterAll(async () => {
  await transport?.close?.();
  await fake?.close();
  await db?.drop();
});

let counter = 0;
async function reservation(overrides: Parameters<typeof makeRequest>[1] = {}): Promise<StoredReservation> {
  counter += 1;
  const organizer = makeActor({ platform: 'slack', tenantId: FAKE_TEAM.id, userId: `U0ORG${counter}`, name: 'Olga' });
  const outcome = await requestReservation(
    deps,
    organizer,
    makeRequest(serverName, { startInMs: (50 + counter * 3) * 3_600_000, ...overrides }),
  );
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.value;
}

/** A MessageModel as the delivery worker builds it from an outbox row. */
function message(
  r: StoredReservation,
  overrides: Partial<MessageModel> & Pick<MessageModel, 'event' | 'recipient'>,
): MessageModel {
  return {
    notificationId: randomUUID(),
    reservation: {
      id: r.id,
      code: r.code,
      title: r.title,
      description: r.description,
      serverName: r.server.name,
      playbackUrl: playbackUrl(r.server.playbackBaseUrl, r.code),
      passcode: r.passcode,
      startsAt: r.startsAt.toISOString(),
      endsAt: r.endsAt.toISOString(),
      reconfirmDeadline: r.reconfirmDeadline.toISOString(),
      status: r.status,
      version: r.version,
      organizer: r.organizer,
    },
    actorName: 'Olga',
    at: new Date(),
    ...overrides,
  };
}

const inChannel = (id: string) => ({ channel: 'slack_channel' as const, recipient: id });
const text = (value: unknown) => JSON.stringify(value);
/** The text Slack parses as mrkdwn (plain_text, like headers, is shown as typed and cannot ping or link). */
function mrkdwnOf(call: { args: Record<string, unknown> }): string {
  const found: string[] = [String(call.args.text)];
  JSON.stringify(call.args.blocks, (_key, value: unknown) => {
    const object = value as { type?: string; text?: unknown };
    if (object && object.type === 'mrkdwn' && typeof object.text === 'string') found.push(object.text);
    return value;
  });
  return found.join('\n');
}
const postsTo = (channelId: string) =>
  fake.succeededCallsTo('chat.postMessage').filter((call) => call.args.channel === channelId);

describe('channel invitations', () => {
  test('GIVEN a confirmed invitation THEN it is posted with playback URL, passcode and date tokens (claims 2, 3), escaped, without the stream key, and recorded', async () => {
    const r = await reservation({ title: 'Town hall <!channel> <https://evil.example|click>' });
    const result = await transport.send({
      message: message(r, { event: 'invitation_confirmed', recipient: inChannel('C0INV0001') }),
      attempt: 1,
    });
    expect(result).toMatchObject({ status: 'delivered', providerMessageId: expect.stringMatching(/^C0INV0001:/) });
    const [post] = postsTo('C0INV0001');
    const shown = mrkdwnOf(post!);
    expect(shown).toContain(playbackUrl(r.server.playbackBaseUrl, r.code));
    expect(shown).toContain(r.passcode);
    expect(text(post!.args.blocks)).not.toContain(r.streamKey);
    expect(shown).toContain(`<!date^${r.startsAt.getTime() / 1000}^{date_short_pretty} at {time}|`);
    expect(shown).not.toContain('<!channel>');
    expect(shown).not.toContain('<https://evil');
    expect(shown).toContain('&lt;!channel&gt;');
    expect(shown).not.toContain(r.streamKey);
    const recorded = await db.prisma.chatMessage.findMany({ where: { reservationId: r.id, channelId: 'C0INV0001' } });
    expect(recorded).toMatchObject([{ purpose: 'invitation', messageId: post!.result.ts }]);
  });

  test('GIVEN the invitation is delivered again (a retry, or the confirmed one after the tentative) THEN the post is edited, never posted twice', async () => {
    const r = await reservation();
    const recipient = inChannel('C0INV0002');
    const first = message(r, { event: 'invitation_tentative', recipient });
    await transport.send({ message: first, attempt: 1 });
    await transport.send({ message: first, attempt: 2 });
    await transport.send({ message: message(r, { event: 'invitation_confirmed', recipient }), attempt: 1 });
    expect(postsTo('C0INV0002')).toHaveLength(1);
    const edits = fake.callsTo('chat.update').filter((call) => call.args.channel === 'C0INV0002');
    expect(edits).toHaveLength(2);
    expect(edits.every((call) => call.args.ts === postsTo('C0INV0002')[0]!.result.ts)).toBe(true);
  });

  test('GIVEN a change notice THEN the invitation is updated and the notice threaded under it, once even when retried (claim 5)', async () => {
    const r = await reservation();
    const recipient = inChannel('C0INV0003');
    await transport.send({ message: message(r, { event: 'invitation_confirmed', recipient }), attempt: 1 });
    const invitationTs = postsTo('C0INV0003')[0]!.result.ts;
    const newStart = new Date(r.startsAt.getTime() + 3_600_000);
    const notice = message(r, {
      event: 'change_notice',
      recipient,
      changes: [
        { field: 'startsAt', from: r.startsAt.toISOString(), to: newStart.toISOString() },
        { field: 'emails', from: ['secret@example.org'], to: [] },
      ],
    });
    await transport.send({ message: notice, attempt: 1 });
    await transport.send({ message: notice, attempt: 2 });

    const threaded = postsTo('C0INV0003').filter((call) => call.args.thread_ts === invitationTs);
    expect(threaded).toHaveLength(1);
    const shown = text(threaded[0]!.args.blocks);
    expect(shown).toContain(`<!date^${newStart.getTime() / 1000}^`);
    expect(shown).not.toContain('secret@example.org'); // who is invited is not the channel's business
    expect(fake.callsTo('chat.update').some((call) => call.args.ts === invitationTs)).toBe(true);
  });

  test('GIVEN a cancellation THEN the invitation is marked cancelled and the notice with the reason threaded (claim 4)', async () => {
    const r = await reservation();
    const recipient = inChannel('C0INV0004');
    await transport.send({ message: message(r, { event: 'invitation_confirmed', recipient }), attempt: 1 });
    const invitationTs = postsTo('C0INV0004')[0]!.result.ts;
    await transport.send({
      message: message(r, { event: 'cancellation_notice', recipient, reason: 'Speaker is ill' }),
      attempt: 1,
    });
    const edit = fake.callsTo('chat.update').find((call) => call.args.ts === invitationTs)!;
    expect(text(edit.args.blocks)).toContain('Cancelled');
    expect(text(edit.args.blocks)).not.toContain(r.passcode);
    const notice = postsTo('C0INV0004').find((call) => call.args.thread_ts === invitationTs)!;
    expect(text(notice.args.blocks)).toContain('Speaker is ill');
  });

  test('GIVEN Slack answers 429 THEN retry after Retry-After, and the next attempt posts exactly once', async () => {
    const r = await reservation();
    fake.failNext('chat.postMessage', {
      kind: 'ratelimited',
      retryAfterSeconds: 7,
      when: (args) => args.channel === 'C0INV0005',
    });
    const invitation = message(r, { event: 'invitation_confirmed', recipient: inChannel('C0INV0005') });
    expect(await transport.send({ message: invitation, attempt: 1 })).toEqual({
      status: 'retry',
      reason: 'Slack rate limit (429)',
      retryAfterMs: 7000,
    });
    // The WebClient did not retry on its own: the worker's backoff stays in charge.
    expect(fake.callsTo('chat.postMessage').filter((call) => call.args.channel === 'C0INV0005')).toHaveLength(1);
    expect(await transport.send({ message: invitation, attempt: 2 })).toMatchObject({ status: 'delivered' });
    expect(postsTo('C0INV0005')).toHaveLength(1);
  });

  test.each([
    ['not_in_channel', /not a member.*\/invite @Slotcast/],
    ['is_archived', /archived/],
    ['channel_not_found', /not found/],
  ])('GIVEN Slack answers %s THEN failed, with a reason telling the organizer what to do', async (error, reason) => {
    const r = await reservation();
    const id = `C0F${error.length}${counter}XX`;
    fake.failNext('chat.postMessage', { kind: 'error', error, when: (args) => args.channel === id });
    const result = await transport.send({
      message: message(r, { event: 'invitation_confirmed', recipient: inChannel(id) }),
      attempt: 1,
    });
    expect(result).toEqual({ status: 'failed', reason: expect.stringMatching(reason) });
  });

  test('GIVEN Slack is down (HTTP 503) THEN retry', async () => {
    const r = await reservation();
    fake.failNext('chat.postMessage', { kind: 'http', status: 503, when: (args) => args.channel === 'C0INV0007' });
    const result = await transport.send({
      message: message(r, { event: 'invitation_confirmed', recipient: inChannel('C0INV0007') }),
      attempt: 1,
    });
    expect(result).toMatchObject({ status: 'retry' });
  });

  test('GIVEN several posts for one channel THEN they are spaced by the interval, while another channel is not held up', async () => {
    const rs = await Promise.all([reservation(), reservation(), reservation()]);
    await Promise.all([
      ...rs.map((r) =>
        transport.send({
          message: message(r, { event: 'invitation_confirmed', recipient: inChannel('C0PACED01') }),
          attempt: 1,
        }),
      ),
      transport.send({
        message: message(rs[0]!, { event: 'invitation_confirmed', recipient: inChannel('C0OTHER01') }),
        attempt: 1,
      }),
    ]);
    const times = postsTo('C0PACED01').map((call) => call.receivedAt.getTime());
    expect(times).toHaveLength(3);
    // Measured where Slack receives them, so allow for a little network jitter at both ends.
    expect(times[2]! - times[0]!).toBeGreaterThanOrEqual(2 * INTERVAL_MS - 100);
    // The other channel did not queue behind the paced one.
    expect(postsTo('C0OTHER01')[0]!.receivedAt.getTime()).toBeLessThan(times[1]!);
  });
});

describe('two worker processes at once', () => {
  // Each createSlackTransport stands for one worker process: its own client and pacer, one database.
  let other: Transport;
  beforeAll(() => {
    other = createSlackTransport({
      botToken: 'xoxb-fake1',
      apiUrl: fake.apiUrl,
      chat: createChatPort(deps),
      log: silentLogger,
      postIntervalMs: INTERVAL_MS,
    });
  });
  afterAll(() => other?.close?.());

  test('GIVEN both deliver the invitation to one channel at the same moment THEN it is posted once and the other edits it', async () => {
    const r = await reservation();
    const recipient = inChannel('C0RACE001');
    await Promise.all([
      transport.send({ message: message(r, { event: 'invitation_tentative', recipient }), attempt: 1 }),
      other.send({ message: message(r, { event: 'invitation_confirmed', recipient }), attempt: 1 }),
    ]);
    expect(postsTo('C0RACE001')).toHaveLength(1);
    expect(fake.callsTo('chat.update').filter((call) => call.args.channel === 'C0RACE001')).toHaveLength(1);
  });

  test('GIVEN both deliver the permit prompt to one DM at the same moment THEN one card is posted', async () => {
    const r = await reservation();
    const prompt = message(r, {
      event: 'permit_prompt',
      recipient: { channel: 'slack_dm', recipient: r.organizer.userId },
    });
    await Promise.all([transport.send({ message: prompt, attempt: 1 }), other.send({ message: prompt, attempt: 2 })]);
    const dm = (
      fake.callsTo('conversations.open').find((call) => call.args.users === r.organizer.userId)!.result.channel as {
        id: string;
      }
    ).id;
    expect(postsTo(dm)).toHaveLength(1);
  });
});

describe('the organizer DM', () => {
  test('GIVEN the permit prompt THEN the DM holds the card with ingest URL, stream key, invitees and buttons; a retry edits it (claim 6)', async () => {
    const r = await reservation({ emails: ['viewer@example.org'] });
    const prompt = message(r, {
      event: 'permit_prompt',
      recipient: { channel: 'slack_dm', recipient: r.organizer.userId },
      ingest: { url: r.server.ingestBaseUrl, streamKey: r.streamKey },
    });
    const result = await transport.send({ message: prompt, attempt: 1 });
    expect(result).toMatchObject({ status: 'delivered', providerMessageId: expect.stringMatching(/^D/) });
    const open = fake.callsTo('conversations.open').find((call) => call.args.users === r.organizer.userId)!;
    const dm = (open.result.channel as { id: string }).id;
    const [post] = postsTo(dm);
    const shown = text(post!.args.blocks);
    for (const expected of [
      r.streamKey,
      r.server.ingestBaseUrl,
      'viewer@example.org',
      'reservation_reconfirm',
      'reservation_change',
      'reservation_cancel',
      `<!date^${r.reconfirmDeadline.getTime() / 1000}^`,
    ]) {
      expect(shown).toContain(expected);
    }
    await transport.send({ message: prompt, attempt: 2 });
    expect(postsTo(dm)).toHaveLength(1);
    expect(fake.callsTo('chat.update').filter((call) => call.args.channel === dm)).toHaveLength(1);
  });

  test('GIVEN a lapse notice after the prompt THEN the card shows the new state and the notice is threaded under it, broadcast', async () => {
    const r = await reservation();
    const recipient = { channel: 'slack_dm' as const, recipient: r.organizer.userId };
    await transport.send({ message: message(r, { event: 'permit_prompt', recipient }), attempt: 1 });
    await db.pool.query(`UPDATE reservation SET status = 'lapsed' WHERE id = $1`, [r.id]);
    await transport.send({ message: message(r, { event: 'lapse_notice', recipient }), attempt: 1 });
    const dm = (
      fake.callsTo('conversations.open').find((call) => call.args.users === r.organizer.userId)!.result.channel as {
        id: string;
      }
    ).id;
    const [card, notice] = postsTo(dm);
    expect(notice!.args).toMatchObject({ thread_ts: card!.result.ts, reply_broadcast: 'true' }); // form-encoded by the WebClient
    const edit = fake.callsTo('chat.update').find((call) => call.args.ts === card!.result.ts)!;
    expect(text(edit.args.blocks)).toContain('Lapsed');
    expect(text(edit.args.blocks)).not.toContain('reservation_reconfirm');
  });

  test('GIVEN a delivery failure report THEN the organizer reads which channel and what to do', async () => {
    const r = await reservation();
    const report = message(r, {
      event: 'delivery_failure_report',
      recipient: { channel: 'slack_dm', recipient: r.organizer.userId },
      unreachable: [
        {
          channel: 'slack_channel',
          recipient: 'C0LOCKED1',
          reason: 'Slotcast is not a member of Slack channel C0LOCKED1.',
        },
      ],
    });
    expect(await transport.send({ message: report, attempt: 1 })).toMatchObject({ status: 'delivered' });
    const post = fake
      .succeededCallsTo('chat.postMessage')
      .find((call) => text(call.args.blocks).includes('C0LOCKED1'))!;
    expect(text(post.args.blocks)).toContain('<#C0LOCKED1>');
  });
});
