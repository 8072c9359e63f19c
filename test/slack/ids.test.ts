/**
 * The small values Slack ids carry (a free slot's button, a modal's private_metadata), without
 * infrastructure.
 */
import { decodeMetadata, decodeSlot, encodeMetadata, encodeSlot } from '../../src/slack/ids.js';

describe('ids', () => {
  test('GIVEN slot and metadata values THEN they round-trip, and garbage decodes to nothing', () => {
    expect(decodeSlot(encodeSlot({ serverId: 's', startsAt: 1, endsAt: 2 }))).toEqual({
      serverId: 's',
      startsAt: 1,
      endsAt: 2,
    });
    expect(decodeSlot('{"s":1}')).toBeUndefined();
    expect(decodeSlot('not json')).toBeUndefined();
    expect(decodeMetadata(encodeMetadata({ reservationId: 'r', fromHome: true }))).toEqual({
      reservationId: 'r',
      fromHome: true,
    });
    expect(decodeMetadata('{')).toEqual({});
  });
});
