/**
 * Rendering, without infrastructure: mentions off, the stream key, limits, `/reserve list`.
 */
import type { CardView } from '../../src/chat/card.js';
import { cardFor } from '../../src/chat/card.js';
import { listView } from '../../src/discord/views.js';
import type { ReservationView } from '../../src/discord/render.js';
import { invitationMessage, noticeMessage, promptMessage } from '../../src/discord/render.js';
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

const NOW = new Date('2027-03-20T12:00:00.000Z');

/** The reservation behind `view`, with its stream key, as the store returns it. */
const stored = (status: ReservationView['status'] = view.status) => ({
  id: view.id,
  code: view.code,
  title: view.title,
  description: view.description,
  server: {
    id: 'srv',
    name: view.serverName,
    ingestBaseUrl: 'rtmp://x',
    playbackBaseUrl: 'https://watch.example.org/hls',
  },
  organizer: { ...view.organizer, email: null },
  startsAt: new Date(view.startsAt),
  endsAt: new Date(view.endsAt),
  status,
  notifyMode: 'reconfirm' as const,
  reconfirmDeadline: new Date(view.reconfirmDeadline),
  passcode: view.passcode,
  invitees: { emails: [], slackChannels: [], discordChannels: [] },
  version: 1,
  cancelReason: null,
  streamKey: 'sk_secret',
  createdAt: NOW,
  updatedAt: NOW,
  confirmedAt: null,
  cancelledAt: null,
});
const organizerDm: CardView = {
  reader: { platform: 'discord', userId: view.organizer.userId },
  place: 'direct_message',
  now: NOW,
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
      promptMessage(cardFor(stored(), organizerDm)),
      invitationMessage(view),
      noticeMessage(model('change_notice', { changes: [] }), 'invitees', NOW),
    ]) {
      expect(message.allowed_mentions).toEqual({ parse: [] });
    }
  });

  test('GIVEN a channel invitation THEN it names no server: viewers watch at the link', () => {
    const fields = invitationMessage({ ...view, serverName: 'studio-b-rtmp-07' }).embeds[0]?.fields ?? [];
    expect(fields.map((field) => field.name)).not.toContain('Server');
    expect(JSON.stringify(fields)).not.toContain('studio-b-rtmp-07');
  });

  test('GIVEN the permit prompt THEN it alone carries the stream key, hidden as a spoiler', () => {
    expect(JSON.stringify(promptMessage(cardFor(stored(), organizerDm)))).toContain('||`sk_secret`||');
    expect(JSON.stringify(invitationMessage(view))).not.toContain('sk_');
    expect(JSON.stringify(promptMessage(cardFor(stored('cancelled'), organizerDm)))).not.toContain('sk_secret');
  });

  test('GIVEN the prompt with its web page THEN a field links to it; without one, none', () => {
    const linked = { ...cardFor(stored(), organizerDm), pageUrl: 'https://s.test/r/R-7K3Q' };
    const fields = promptMessage(linked).embeds[0]!.fields!;
    expect(fields.find((field) => field.name === 'On the web')?.value).toBe(
      'https://s.test/r/R-7K3Q (sign in with `/reserve open`)',
    );
    expect(JSON.stringify(promptMessage(cardFor(stored(), organizerDm)))).not.toContain('On the web');
  });

  test('GIVEN a change notice for a channel THEN e-mail invitees are counted, not listed', () => {
    const notice = noticeMessage(
      model('change_notice', { changes: [{ field: 'emails', from: ['a@x.org'], to: ['a@x.org', 'b@x.org'] }] }),
      'invitees',
      NOW,
    );
    expect(notice.embeds[0]?.description).toContain('1 address(es) → 2 address(es)');
    expect(JSON.stringify(notice)).not.toContain('b@x.org');
  });

  test("GIVEN a very long title THEN the embed title stays within Discord's 256 characters", () => {
    expect(invitationMessage({ ...view, title: 'x'.repeat(300) }).embeds[0]?.title?.length).toBeLessThanOrEqual(256);
  });
});

describe('/reserve list', () => {
  test('GIVEN a permitted, a confirmed and a live reservation THEN each row has the buttons its card offers, the live one Cancel and Extend (issue 17)', () => {
    const actor = {
      platform: 'discord' as const,
      tenantId: view.organizer.tenantId,
      userId: view.organizer.userId,
      name: 'Dee',
      isAdmin: false,
    };
    const reservations = (['permitted', 'confirmed', 'live'] as const).map((status, index) => ({
      ...stored(status),
      id: `2b0a6f0e-4d5c-4a59-9d7e-0c1c7f3b9a1${index}`,
      code: `R-000${index}`,
    }));
    const rendered = listView(reservations, actor, NOW);
    const labels = rendered.components.map((row) =>
      row.components.map((button) => ('label' in button ? button.label : '')),
    );
    expect(labels).toEqual([
      ['Reconfirm R-0000', 'Change R-0000', 'Cancel R-0000'],
      ['Change R-0001', 'Cancel R-0001'],
      ['Cancel R-0002', 'Extend +15 min R-0002', 'Extend +30 min R-0002'],
    ]);
    expect(JSON.stringify(rendered)).not.toContain('sk_secret');
  });
});
