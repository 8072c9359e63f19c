/**
 * Rendering without any infrastructure: where the stream key may appear, which buttons a card
 * offers, what each notice says.
 */
import type { ReservationCard } from '../../src/chat/card.js';
import { availableActions } from '../../src/domain/actions.js';
import type { MessageModel } from '../../src/notify/message.js';
import { dateToken } from '../../src/slack/text.js';
import { changeLines, invitationMessage, noticeMessage, reservationCard } from '../../src/slack/render.js';

const START = new Date('2026-12-01T10:00:00Z');
const END = new Date('2026-12-01T11:30:00Z');

const NOW = new Date('2026-11-29T10:00:00Z');

/** A card as the model draws it at NOW, before the deadline; its buttons follow from its status. */
function card(overrides: Partial<ReservationCard> = {}): ReservationCard {
  const drawn = {
    id: 'res-1',
    code: 'R-AB12',
    title: 'Town hall',
    description: null,
    serverName: 'Studio-A',
    playbackUrl: 'https://watch.example.org/r-ab12',
    passcode: 'PASS1234',
    startsAt: START,
    endsAt: END,
    reconfirmDeadline: new Date('2026-11-30T10:00:00Z'),
    status: 'permitted' as const,
    organizer: { platform: 'slack' as const, tenantId: 'T1', userId: 'U1', name: 'Olga' },
    cancelReason: null,
    ...overrides,
  };
  return { actions: availableActions(drawn, NOW), ...drawn };
}

describe('render', () => {
  test('GIVEN a card with its web page THEN the card links to it and says how to sign in; without one, no link', () => {
    const shown = JSON.stringify(reservationCard(card({ pageUrl: 'https://s.test/r/R-AB12' })).blocks);
    expect(shown).toContain('<https://s.test/r/R-AB12|On the web>');
    expect(shown).toContain('/reserve open');
    expect(JSON.stringify(reservationCard(card()).blocks)).not.toContain('On the web');
  });

  test('GIVEN a card with ingest THEN the stream key shows; without it, or in an invitation, it never does', () => {
    const secret = 'sk_very_secret';
    expect(JSON.stringify(reservationCard(card({ ingest: { url: 'rtmp://in', streamKey: secret } })))).toContain(
      secret,
    );
    expect(JSON.stringify(reservationCard(card()))).not.toContain('sk_');
    const message = {
      notificationId: 'n',
      event: 'invitation_confirmed',
      recipient: { channel: 'slack_channel', recipient: 'C1' },
      actorName: 'Olga',
      at: START,
    } as const;
    const reservation = {
      ...card(),
      organizer: { platform: 'slack' as const, tenantId: 'T1', userId: 'U1', name: 'Olga' },
      startsAt: START.toISOString(),
      endsAt: END.toISOString(),
      reconfirmDeadline: START.toISOString(),
      version: 1,
      status: 'confirmed' as const,
    };
    expect(JSON.stringify(invitationMessage({ ...message, reservation } as MessageModel))).not.toContain('sk_');
  });

  test('GIVEN each status THEN the card offers only the buttons that status allows', () => {
    const actionsOf = (status: ReservationCard['status']) =>
      JSON.stringify(reservationCard(card({ status })).blocks).match(/reservation_\w+/g) ?? [];
    expect(actionsOf('permitted')).toEqual(['reservation_reconfirm', 'reservation_change', 'reservation_cancel']);
    expect(actionsOf('confirmed')).toEqual(['reservation_change', 'reservation_cancel']);
    expect(actionsOf('cancelled')).toEqual([]);
    expect(actionsOf('lapsed')).toEqual([]);
  });

  test('GIVEN changes THEN channels see time and passcode changes but not who is invited; the organizer sees all', () => {
    const changes = [
      { field: 'startsAt' as const, from: START.toISOString(), to: END.toISOString() },
      { field: 'emails' as const, from: ['a@x.org'], to: ['b@x.org'] },
    ];
    expect(changeLines(changes, 'channel')).toBe(`• Start: ${dateToken(START)} → ${dateToken(END)}`);
    expect(changeLines(changes, 'dm')).toContain('a@x.org → b@x.org');
  });

  test('GIVEN a delivery failure report THEN each unreachable channel is named with its reason, escaped', () => {
    const reservation = {
      ...card(),
      organizer: { platform: 'slack' as const, tenantId: 'T1', userId: 'U1', name: 'Olga' },
      startsAt: START.toISOString(),
      endsAt: END.toISOString(),
      reconfirmDeadline: START.toISOString(),
      version: 1,
    };
    const rendered = noticeMessage(
      {
        notificationId: 'n',
        event: 'delivery_failure_report',
        recipient: { channel: 'slack_dm', recipient: 'U1' },
        reservation,
        actorName: 'Slotcast',
        at: START,
        unreachable: [{ channel: 'slack_channel', recipient: 'C0X', reason: 'Not a member <here>' }],
      },
      'dm',
    );
    expect(JSON.stringify(rendered.blocks)).toContain('<#C0X>: Not a member &lt;here&gt;');
  });
});
