/**
 * A Discord nickname is typed by its owner: whatever bidi controls it holds are gone before the
 * name is stored or printed anywhere (src/domain/text.ts).
 */
import type { Interaction } from 'discord.js';
import { actorOf } from '../../src/discord/actor.js';

test('GIVEN a nickname with bidi controls THEN the actor’s name has none', () => {
  const interaction = {
    user: { id: '123456789012345678', globalName: null, username: 'mallory' },
    member: { nick: 'Mallory\u202e\u2066gnp.exe' },
    inGuild: () => true,
    guildId: '876543210987654321',
    memberPermissions: null,
  } as unknown as Interaction;
  expect(actorOf(interaction)?.name).toBe('Mallorygnp.exe');
});
