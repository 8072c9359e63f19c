/**
 * custom_id of the bot's buttons and modals, without infrastructure.
 */
import { decodeId, encodeId } from '../../src/discord/ids.js';

const RESERVATION_ID = '2b0a6f0e-4d5c-4a59-9d7e-0c1c7f3b9a11';

describe('custom ids', () => {
  test('GIVEN each kind THEN it round-trips within 100 characters', () => {
    const ids = [
      { action: 'reconfirm', reservationId: RESERVATION_ID, guildId: '111111111111111111' },
      { action: 'cancel-form', reservationId: RESERVATION_ID, guildId: '11111111111111111111' },
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
