/**
 * The recorded messages and the organizer's prompt, shared by both chat adapters, against real
 * PostgreSQL (chat_message, the advisory locks) and a platform that records what it is asked to do.
 */
import { randomUUID } from 'node:crypto';
import { cancelReservation } from '../../src/app/lifecycle.js';
import { requestReservation } from '../../src/app/request.js';
import type { ReservationCard } from '../../src/chat/card.js';
import { Prompts } from '../../src/chat/prompt.js';
import type { MessagePort, PostOptions } from '../../src/chat/recorded.js';
import { RecordedMessages } from '../../src/chat/recorded.js';
import type { NotificationEvent } from '../../src/domain/notifications.js';
import { snapshotOf } from '../../src/domain/notifications.js';
import type { MessageModel } from '../../src/notify/message.js';
import type { StoredReservation } from '../../src/store/reservations.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { makeActor, makeDeps, makeRequest, makeServer, waitFor } from '../support/fixtures.js';

type Body = ReservationCard | string;

/** The chat platform: what was posted and edited, and messages someone deleted. */
class RecordingPlatform implements MessagePort<Body> {
  readonly platform = 'slack' as const;
  readonly posts: Array<{ channelId: string; body: Body; options: PostOptions; id: string }> = [];
  readonly edits: Array<{ channelId: string; messageId: string; body: Body }> = [];
  readonly deleted = new Set<string>();

  async openDm(userId: string): Promise<string> {
    return `D${userId}`;
  }

  async edit(channelId: string, messageId: string, body: Body): Promise<boolean> {
    if (this.deleted.has(messageId)) return false;
    this.edits.push({ channelId, messageId, body });
    return true;
  }

  async post(channelId: string, body: Body, options: PostOptions): Promise<string> {
    // Answer on a later turn, as a network would, so that racing deliveries overlap.
    await new Promise((resolve) => setImmediate(resolve));
    const id = `ts-${this.posts.length + 1}-${randomUUID().slice(0, 8)}`;
    this.posts.push({ channelId, body, options, id });
    return id;
  }
}

let db: TestDatabase;
let deps: ReturnType<typeof makeDeps>;
let serverName: string;
let platform: RecordingPlatform;
let recorded: RecordedMessages<Body>;
let prompts: Prompts<Body>;

beforeAll(async () => {
  db = await createTestDatabase();
  deps = makeDeps(db);
  serverName = (await makeServer(db.prisma, { capacity: 50 })).name;
});
afterAll(() => db.drop());
beforeEach(() => {
  platform = new RecordingPlatform();
  recorded = new RecordedMessages(db.pool, platform);
  prompts = new Prompts(db.pool, recorded, (card) => card, deps.clock);
});

let counter = 0;
async function reservation(): Promise<StoredReservation> {
  counter += 1;
  const organizer = makeActor({ platform: 'slack', tenantId: 'T1', userId: `U0ORG${counter}`, name: 'Olga' });
  const outcome = await requestReservation(
    deps,
    organizer,
    makeRequest(serverName, { startInMs: (50 + counter) * 3_600_000 }),
  );
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.value;
}

function message(r: StoredReservation, event: NotificationEvent, userId = r.organizer.userId): MessageModel {
  return {
    notificationId: randomUUID(),
    event,
    recipient: { channel: 'slack_dm', recipient: userId },
    reservation: snapshotOf(r),
    actorName: 'Olga',
    at: new Date(),
  };
}

const noticeText = (model: MessageModel) => `notice: ${model.event}`;
const asCard = (body: Body | undefined) => body as ReservationCard;

describe('GIVEN the permit prompt', () => {
  test('WHEN the prompts know the web pages THEN the card links to the reservation’s page', async () => {
    const r = await reservation();
    const linked = new Prompts(
      db.pool,
      recorded,
      (card) => card,
      deps.clock,
      (code) => `https://s.test/r/${code}`,
    );
    await linked.deliver(message(r, 'permit_prompt'), noticeText);
    expect(asCard(platform.posts.at(-1)?.body).pageUrl).toBe(`https://s.test/r/${r.code}`);
  });

  test("WHEN delivered THEN the organizer's DM gets the card with the stream key and buttons, recorded; a retry edits it", async () => {
    const r = await reservation();
    const prompt = message(r, 'permit_prompt');
    const first = await prompts.deliver(prompt, noticeText);
    expect(first.channelId).toBe(`D${r.organizer.userId}`);
    expect(platform.posts).toHaveLength(1);
    const card = asCard(platform.posts[0]?.body);
    expect(card.ingest?.streamKey).toBe(r.streamKey);
    expect(card.actions).toEqual(['reconfirm', 'change', 'cancel']);
    expect(platform.posts[0]?.options).toEqual({ notificationId: prompt.notificationId, purpose: 'prompt' });

    // No page link unless the port gives one (the service always does: src/chat/port.ts).
    expect(card.pageUrl).toBeUndefined();

    const again = await prompts.deliver(prompt, noticeText);
    expect(again.messageId).toBe(first.messageId);
    expect(platform.posts).toHaveLength(1);
    expect(platform.edits.map((edit) => edit.messageId)).toEqual([first.messageId]);
  });

  test("WHEN it is delivered to a DM that is not the organizer's THEN the card holds no stream key", async () => {
    const r = await reservation();
    await prompts.deliver(message(r, 'permit_prompt', 'U0SOMEONE'), noticeText);
    expect(asCard(platform.posts[0]?.body).ingest).toBeUndefined();
  });

  test('WHEN three deliveries race (retries, two workers) THEN one prompt is posted', async () => {
    const r = await reservation();
    const prompt = message(r, 'permit_prompt');
    const other = new Prompts(db.pool, new RecordedMessages(db.pool, platform), (card) => card, deps.clock);
    await Promise.all([
      prompts.deliver(prompt, noticeText),
      other.deliver(prompt, noticeText),
      prompts.deliver(prompt, noticeText),
    ]);
    expect(platform.posts).toHaveLength(1);
  });

  test('WHEN the recorded prompt was deleted THEN the next delivery posts it again', async () => {
    const r = await reservation();
    const prompt = message(r, 'permit_prompt');
    const first = await prompts.deliver(prompt, noticeText);
    platform.deleted.add(first.messageId);
    const second = await prompts.deliver(prompt, noticeText);
    expect(second.messageId).not.toBe(first.messageId);
    expect(await recorded.find({ reservationId: r.id, channelId: first.channelId }, 'prompt')).toBe(second.messageId);
  });
});

describe('GIVEN notices to the organizer', () => {
  test('WHEN a cancellation is delivered THEN the prompt is redrawn as it is now and the notice threaded under it, once', async () => {
    const r = await reservation();
    const { messageId: prompt } = await prompts.deliver(message(r, 'permit_prompt'), noticeText);
    const cancelled = await cancelReservation(deps, makeActor({ isAdmin: true }), r.id);
    expect(cancelled.ok).toBe(true);
    const notice = message(r, 'cancellation_notice');
    await prompts.deliver(notice, noticeText);
    await prompts.deliver(notice, noticeText);

    const redrawn = asCard(platform.edits.at(-1)?.body);
    expect(redrawn.status).toBe('cancelled');
    expect(redrawn.actions).toEqual([]);
    expect(redrawn.ingest).toBeUndefined();
    const notices = platform.posts.filter((post) => post.body === 'notice: cancellation_notice');
    expect(notices).toHaveLength(1);
    expect(notices[0]?.options).toMatchObject({ replyTo: prompt, broadcast: false });
  });

  test('WHEN a reconfirm reminder is delivered THEN it is threaded and broadcast; a failure report stands on its own', async () => {
    const r = await reservation();
    const { messageId: prompt } = await prompts.deliver(message(r, 'permit_prompt'), noticeText);
    await prompts.deliver(message(r, 'reconfirm_reminder'), noticeText);
    await prompts.deliver(message(r, 'delivery_failure_report'), noticeText);
    const [reminder, report] = platform.posts.slice(-2);
    expect(reminder?.options).toMatchObject({ replyTo: prompt, broadcast: true });
    expect(report?.options.replyTo).toBeUndefined();
  });

  test('WHEN there is no prompt yet THEN the notice is posted on its own and nothing is edited', async () => {
    const r = await reservation();
    await prompts.deliver(message(r, 'change_notice'), noticeText);
    expect(platform.edits).toEqual([]);
    expect(platform.posts[0]?.options.replyTo).toBeUndefined();
  });
});

describe('GIVEN an action taken after the prompt was posted', () => {
  test('WHEN redrawn from the prompt itself THEN it is rewritten through the pressed message, not the platform', async () => {
    const r = await reservation();
    const sent = await prompts.deliver(message(r, 'permit_prompt'), noticeText);
    await cancelReservation(deps, makeActor({ isAdmin: true }), r.id);
    const through: Body[] = [];
    const result = await prompts.redraw(r.id, {
      channelId: sent.channelId,
      messageId: sent.messageId,
      edit: async (body) => void through.push(body),
    });
    expect(result.pressedWasPrompt).toBe(true);
    expect(through).toHaveLength(1);
    expect(platform.edits).toEqual([]);
  });

  test('WHEN redrawn from another message THEN the prompt is edited through the platform and the reservation returned', async () => {
    const r = await reservation();
    const sent = await prompts.deliver(message(r, 'permit_prompt'), noticeText);
    await cancelReservation(deps, makeActor({ isAdmin: true }), r.id);
    const result = await prompts.redraw(r.id, { channelId: 'C0ELSEWHERE', messageId: 'x', edit: async () => {} });
    expect(result).toMatchObject({ pressedWasPrompt: false, reservation: { id: r.id } });
    expect(platform.edits.map((edit) => edit.messageId)).toEqual([sent.messageId]);
  });

  test('WHEN a delivery holds the prompt meanwhile THEN the redraw waits for it and shows the state after it', async () => {
    const r = await reservation();
    const sent = await prompts.deliver(message(r, 'permit_prompt'), noticeText);
    const conversation = { reservationId: r.id, channelId: sent.channelId };
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let lockTaken: () => void = () => {};
    const taken = new Promise<void>((resolve) => {
      lockTaken = resolve;
    });
    const delivery = recorded.locked(conversation, async () => {
      lockTaken();
      await held;
    });
    await taken;
    const redraw = prompts.redraw(r.id);
    // The redraw is queued on the conversation's lock...
    await waitFor(async () => {
      const { rows } = await db.pool.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_locks
         WHERE locktype = 'advisory' AND NOT granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      return rows[0]!.waiting > 0;
    });
    expect(platform.edits).toEqual([]);
    // ...while the reservation moves on; it then draws what it reads under the lock.
    await db.pool.query(`UPDATE reservation SET status = 'cancelled' WHERE id = $1`, [r.id]);
    release();
    await delivery;
    await redraw;
    expect(asCard(platform.edits.at(-1)?.body).status).toBe('cancelled');
  });

  test('WHEN two processes redraw after one commit, and again after none THEN the prompt is edited once', async () => {
    const r = await reservation();
    const sent = await prompts.deliver(message(r, 'permit_prompt'), noticeText);
    expect(await prompts.redraw(r.id)).toMatchObject({ pressedWasPrompt: false });
    expect(platform.edits).toEqual([]);
    await cancelReservation(deps, makeActor({ isAdmin: true }), r.id);
    const other = new Prompts(db.pool, new RecordedMessages(db.pool, platform), (card) => card, deps.clock);
    await Promise.all([prompts.redraw(r.id), other.redraw(r.id), other.redraw(r.id)]);
    expect(platform.edits.map((edit) => edit.messageId)).toEqual([sent.messageId]);
    expect(asCard(platform.edits[0]?.body).status).toBe('cancelled');
    // The cancellation notice finds the prompt drawn: it is threaded, and the prompt not edited again.
    await prompts.deliver(message(r, 'cancellation_notice'), noticeText);
    expect(platform.edits).toHaveLength(1);
    expect(await prompts.stale(1_000)).not.toContain(r.id);
  });

  test('WHEN a commit was not heard THEN the prompt is stale until redrawn', async () => {
    const r = await reservation();
    await prompts.deliver(message(r, 'permit_prompt'), noticeText);
    expect(await prompts.stale(1_000)).not.toContain(r.id);
    await cancelReservation(deps, makeActor({ isAdmin: true }), r.id);
    expect(await prompts.stale(1_000)).toContain(r.id);
    await prompts.redraw(r.id);
    expect(await prompts.stale(1_000)).not.toContain(r.id);
  });

  test('WHEN the organizer is on another platform THEN nothing is redrawn here', async () => {
    const outcome = await requestReservation(
      deps,
      makeActor({ platform: 'discord', tenantId: '1'.repeat(18) }),
      makeRequest(serverName, { startInMs: 300 * 3_600_000 }),
    );
    if (!outcome.ok) throw new Error(outcome.message);
    expect(await prompts.redraw(outcome.value.id)).toMatchObject({ pressedWasPrompt: false });
    expect(platform.edits).toEqual([]);
  });
});
