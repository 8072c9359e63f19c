/**
 * The card model every chat front end renders: the buttons follow the domain's availableActions at
 * the given instant, and the stream key is on the card only where mayShowStreamKey allows it.
 */
import type { CardView } from '../../src/chat/card.js';
import { cardFor, cardOfMessage } from '../../src/chat/card.js';
import { snapshotOf } from '../../src/domain/notifications.js';
import type { ReservationStatus } from '../../src/domain/status.js';

const DEADLINE = new Date('2027-03-27T17:00:00.000Z');
const BEFORE = new Date('2027-03-27T12:00:00.000Z');
const AFTER = new Date('2027-03-27T17:30:00.000Z');

const reservation = (status: ReservationStatus = 'permitted') => ({
  id: '2b0a6f0e-4d5c-4a59-9d7e-0c1c7f3b9a11',
  code: 'R-7K3Q',
  title: 'Keynote',
  description: null,
  server: {
    id: 'srv',
    name: 'main',
    ingestBaseUrl: 'rtmp://ingest.example.org/live',
    playbackBaseUrl: 'https://watch.example.org/hls/',
  },
  organizer: { platform: 'slack' as const, tenantId: 'T1', userId: 'U1', name: 'Olga', email: null },
  startsAt: new Date('2027-03-28T17:00:00.000Z'),
  endsAt: new Date('2027-03-28T18:00:00.000Z'),
  status,
  notifyMode: 'reconfirm' as const,
  reconfirmDeadline: DEADLINE,
  passcode: 'PASS2WORD',
  invitees: { emails: ['ann@example.org'], slackChannels: [], discordChannels: [] },
  version: 1,
  cancelReason: null,
  streamKey: 'sk_secret',
});

const inDm = (userId: string, now = BEFORE): CardView => ({
  reader: { platform: 'slack', userId },
  place: 'direct_message',
  now,
});

describe('cardFor', () => {
  test("GIVEN the organizer's DM before the deadline THEN all three buttons, the invitees and the stream key", () => {
    const card = cardFor(reservation(), inDm('U1'));
    expect(card.actions).toEqual(['reconfirm', 'change', 'cancel']);
    expect(card.invitees?.emails).toEqual(['ann@example.org']);
    expect(card.ingest).toEqual({ url: 'rtmp://ingest.example.org/live', streamKey: 'sk_secret' });
    expect(card.playbackUrl).toBe('https://watch.example.org/hls/R-7K3Q');
  });

  test('GIVEN the deadline has passed THEN only Cancel is offered', () => {
    expect(cardFor(reservation(), inDm('U1', AFTER)).actions).toEqual(['cancel']);
  });

  test('GIVEN a shared place, an admin or a released slot THEN the card holds no stream key', () => {
    expect(
      cardFor(reservation(), { reader: { platform: 'slack', userId: 'U1' }, place: 'shared', now: BEFORE }).ingest,
    ).toBeUndefined();
    expect(cardFor(reservation(), inDm('U0ADMIN')).ingest).toBeUndefined();
    expect(cardFor(reservation('cancelled'), inDm('U1')).ingest).toBeUndefined();
    expect(JSON.stringify(cardFor(reservation('lapsed'), inDm('U1')))).not.toContain('sk_secret');
  });

  test('GIVEN a live reservation THEN only Cancel (it stops the stream), and its organizer still sees the key to stream with', () => {
    const card = cardFor(reservation('live'), inDm('U1'));
    expect(card.actions).toEqual(['cancel']);
    expect(card.ingest?.streamKey).toBe('sk_secret');
  });
});

describe('cardOfMessage', () => {
  test("GIVEN a message's snapshot THEN times are Dates again, the reason is kept, and there is never a stream key", () => {
    const card = cardOfMessage({ reservation: snapshotOf(reservation()), reason: 'Speaker is ill' }, BEFORE);
    expect(card.startsAt).toEqual(new Date('2027-03-28T17:00:00.000Z'));
    expect(card.cancelReason).toBe('Speaker is ill');
    expect(card.actions).toEqual(['reconfirm', 'change', 'cancel']);
    expect(card.ingest).toBeUndefined();
    expect(card.invitees).toBeUndefined();
  });
});
