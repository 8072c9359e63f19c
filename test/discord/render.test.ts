/**
 * Rendering, time tokens and ids, without infrastructure.
 */
import { decodeId, encodeId } from '../../src/discord/ids.js';
import type { ReservationView } from '../../src/discord/render.js';
import { invitationMessage, noticeMessage, promptMessage } from '../../src/discord/render.js';
import { discordTime } from '../../src/discord/text.js';
import type { MessageModel } from '../../src/notify/message.js';

const view: ReservationView = {
  id: '2b0a6f0e-4d5c-4a59-9d7e-0c1c7f3b9a11',
  code: 'R-7K3Q',
  title: '@everyone <@&123> party',
  description: 'Bring @here friends',
  serverName: 'main',
  playbackUrl: 'https://watch.example.org/hls/r-7k3q',
  passcode: 'PASS2WORD',
  startsAt: '2027-03-28T17:00:00.000Z',
  endsAt: '2027-03-28T18:00:00.000Z',
  reconfirmDeadline: '2027-03-27T17:00:00.000Z',
  status: 'permitted',
  version: 1,
  organizer: { platform: 'discord', tenantId: '111111111111111111', userId: '222222222222222222', name: 'Dee' },
};

const model = (event: MessageModel['event'], extra: Partial<MessageModel> = {}): MessageModel => ({
  notificationId: '00000000-0000-4000-8000-000000000001',
  event,
  recipient: { channel: 'discord_channel', recipient: '333333333333333333' },
  reservation: view,
  actorName: 'Dee',
  at: new Date(),
  ...extra,
});

describe('render', () => {
  test('GIVEN user text with mentions THEN every message disables mentions', () => {
    for (const message of [
      promptMessage(view, { url: 'rtmp://x', streamKey: 'sk_1' }),
      invitationMessage(view),
      noticeMessage(model('change_notice', { changes: [] }), 'invitees'),
    ]) {
      expect(message.allowed_mentions).toEqual({ parse: [] });
    }
  });

  test('GIVEN the permit prompt THEN it alone carries the stream key, hidden as a spoiler', () => {
    expect(JSON.stringify(promptMessage(view, { url: 'rtmp://x', streamKey: 'sk_secret' }))).toContain(
      '||`sk_secret`||',
    );
    expect(JSON.stringify(invitationMessage(view))).not.toContain('sk_');
    expect(
      JSON.stringify(promptMessage({ ...view, status: 'cancelled' }, { url: 'rtmp://x', streamKey: 'sk_secret' })),
    ).not.toContain('sk_secret');
  });

  test('GIVEN a change notice for a channel THEN e-mail invitees are counted, not listed', () => {
    const notice = noticeMessage(
      model('change_notice', { changes: [{ field: 'emails', from: ['a@x.org'], to: ['a@x.org', 'b@x.org'] }] }),
      'invitees',
    );
    expect(notice.embeds[0]?.description).toContain('1 address(es) → 2 address(es)');
    expect(JSON.stringify(notice)).not.toContain('b@x.org');
  });

  test("GIVEN a very long title THEN the embed title stays within Discord's 256 characters", () => {
    expect(invitationMessage({ ...view, title: 'x'.repeat(300) }).embeds[0]?.title?.length).toBeLessThanOrEqual(256);
  });
});

describe('custom ids', () => {
  test('GIVEN each kind THEN it round-trips within 100 characters', () => {
    const ids = [
      { action: 'reconfirm', reservationId: view.id, guildId: '111111111111111111' },
      { action: 'cancel-form', reservationId: view.id, guildId: '11111111111111111111' },
      { action: 'new-form', draftId: '1575411252472188928' },
      { action: 'slot', draftId: '1575411252472188928', index: 4 },
    ] as const;
    for (const id of ids) {
      expect(encodeId(id).length).toBeLessThanOrEqual(100);
      expect(decodeId(encodeId(id))).toEqual(id);
    }
  });

  test('GIVEN an id the bot did not make THEN it is not decoded', () => {
    expect(decodeId('sc:rc:not-a-uuid:1')).toBeUndefined();
    expect(decodeId('other:thing')).toBeUndefined();
  });
});

describe('text', () => {
  test('GIVEN an instant THEN the echo is a Discord timestamp token', () => {
    expect(discordTime(new Date('2027-03-28T17:00:00Z'))).toBe('<t:1806253200:F>');
    expect(discordTime('2027-03-28T17:00:00Z', 'R')).toBe('<t:1806253200:R>');
  });
});
