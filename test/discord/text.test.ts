/**
 * Text for Discord's markdown, without infrastructure: timestamp tokens.
 */
import { discordTime } from '../../src/discord/text.js';

describe('text', () => {
  test('GIVEN an instant THEN the echo is a Discord timestamp token', () => {
    expect(discordTime(new Date('2027-03-28T17:00:00Z'))).toBe('<t:1806253200:F>');
    expect(discordTime('2027-03-28T17:00:00Z', 'R')).toBe('<t:1806253200:R>');
  });
});
