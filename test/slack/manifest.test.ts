/**
 * The app manifest a workspace admin pastes must match what the code listens to.
 */
import { readFileSync } from 'node:fs';
import { EVENTS_PATH } from '../../src/slack/app.js';
import { COMMAND } from '../../src/slack/command.js';

const manifest = readFileSync(new URL('../../manifests/slack.yaml', import.meta.url), 'utf8');

test('GIVEN the manifest THEN it declares /reserve, interactivity and app_home_opened, all on the events path', () => {
  expect(manifest).toContain(`- command: ${COMMAND}\n`);
  expect(manifest).toMatch(/interactivity:\n\s+is_enabled: true/);
  expect(manifest).toMatch(/bot_events:\n\s+- app_home_opened\n/);
  const urls = [...manifest.matchAll(/^\s*(?:url|request_url): (\S+)$/gm)].map((match) => new URL(match[1]!).pathname);
  expect(urls).toEqual([EVENTS_PATH, EVENTS_PATH, EVENTS_PATH]);
  expect(manifest).toMatch(/socket_mode_enabled: false/);
});

test('GIVEN the manifest THEN it asks for exactly the bot scopes the app uses', () => {
  const scopes = /bot:\n((?:\s+- [\w:.]+.*\n)+)/
    .exec(manifest)![1]!
    .match(/- [\w:.]+/g)!
    .map((line) => line.slice(2));
  expect(scopes).toEqual(['commands', 'chat:write', 'im:write', 'users:read']);
});
