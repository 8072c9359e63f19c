/**
 * Socket Mode: with SLACK_APP_TOKEN the app adds no route to the HTTP server and takes its
 * events over a WebSocket instead. A local WebSocket server plays Slack's socket endpoint (handed
 * out by the fake's apps.connections.open); the real Bolt SocketModeReceiver connects to it.
 */
import { createChatPort } from '../../src/chat/port.js';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import type { Platform } from '../../src/platforms.js';
import { slackPlatform } from '../../src/slack/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { makeDeps, makeServer, waitFor } from '../support/fixtures.js';
import { buildSlashCommand } from '../support/slack-signing.js';

let fake: FakeSlack;
let db: TestDatabase;
let sockets: WebSocketServer;
let platform: Platform | undefined;
const connected: WebSocket[] = [];
const received: Array<{ envelope_id?: string; payload?: unknown }> = [];

beforeAll(async () => {
  sockets = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(sockets, 'listening');
  sockets.on('connection', (socket) => {
    connected.push(socket);
    socket.on('message', (data) => received.push(JSON.parse(String(data)) as { envelope_id?: string }));
    socket.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0FAKEAPP' } }));
  });
  const url = `ws://127.0.0.1:${(sockets.address() as AddressInfo).port}/`;
  // The app-level token (xapp-) authenticates apps.connections.open only.
  fake = await startFakeSlack({ isValidToken: (token) => /^(xoxb|xapp)-/.test(token) });
  fake.handle('apps.connections.open', () => ({ ok: true, url }));
  db = await createTestDatabase();
  await makeServer(db.prisma, { name: 'Socket-Studio' });
});
afterAll(async () => {
  const closed = connected
    .filter((socket) => socket.readyState !== socket.CLOSED)
    .map((socket) => once(socket, 'close'));
  await platform?.stop();
  // Let the close handshake finish: the client keeps a timer until the peer's close frame arrives.
  await Promise.all(closed);
  sockets?.close();
  await fake?.close();
  await db?.drop();
}, 60_000);

test('GIVEN SLACK_APP_TOKEN THEN no HTTP route; /reserve over the socket is acked by envelope and opens the modal', async () => {
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-socket',
    SLACK_APP_TOKEN: 'xapp-1-socket',
    SLACK_API_URL: fake.apiUrl,
  });
  platform = await slackPlatform({ config, chat: createChatPort(makeDeps(db)), log: silentLogger });
  expect(platform?.routes).toBeUndefined();
  await platform!.connect(() => {});
  expect(fake.callsTo('apps.connections.open')[0]?.token).toBe('xapp-1-socket');

  connected[0]!.send(
    JSON.stringify({
      envelope_id: 'env-1',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: buildSlashCommand({ command: '/reserve', triggerId: 'socket-trigger' }),
    }),
  );
  // Generous: on two busy cores the command's round trip (socket, database, API) can take seconds.
  const open = await fake.waitForCall('views.open', (call) => call.args.trigger_id === 'socket-trigger', 30_000);
  expect(open.token).toBe('xoxb-socket');
  expect((open.args.view as { callback_id: string }).callback_id).toBe('reserve_new');
  await waitFor(() => received.some((message) => message.envelope_id === 'env-1'));
}, 60_000);
