/**
 * A Slack profile name is typed by its owner: whatever bidi controls it holds are gone before the
 * name is stored or printed anywhere (src/domain/text.ts).
 */
import type { webApi } from '@slack/bolt';
import { silentLogger } from '../../src/log.js';
import { SlackActors } from '../../src/slack/actor.js';

test('GIVEN a profile name with bidi controls THEN the actor’s name has none', async () => {
  const client = {
    users: { info: async () => ({ ok: true, user: { real_name: 'Mallory\u202e\u2066gnp.exe' } }) },
  } as unknown as webApi.WebClient;
  const actor = await new SlackActors(client, silentLogger).get({ teamId: 'T1', userId: 'U1' });
  expect(actor.name).toBe('Mallorygnp.exe');
});
