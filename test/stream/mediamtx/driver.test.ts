/**
 * The MediaMTX driver's polling of the control API while that API is away: an operator reads of
 * the outage once a minute, not at every poll (2 s: 316 of 493 lines in an hour), and once when
 * it answers again. The API is a local server that drops every connection while "down" and
 * answers an empty path list (MediaMTX's shape, api/openapi.yaml) once "up"; polls run every
 * 50 ms, so many polls fall within one minute.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../../src/log.js';
import { StreamGate } from '../../../src/stream/gate.js';
import { gatePort } from '../../../src/stream/gate/port.js';
import { MediamtxDriver } from '../../../src/stream/mediamtx/driver.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { makeDeps, makeServer, waitFor } from '../../support/fixtures.js';

let db: TestDatabase;
let gate: StreamGate;
let driver: MediamtxDriver;
let api: Server;
let down = true;
let requests = 0;
const lines: Array<Record<string, unknown>> = [];
const log = createLogger({ level: 'debug', format: 'json', write: (line) => lines.push(JSON.parse(line)) });

beforeAll(async () => {
  api = createServer((request, response) => {
    requests++;
    if (down) {
      request.socket.destroy();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"pageCount":1,"items":[]}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  db = await createTestDatabase();
  const deps = makeDeps(db, { log });
  const server = await makeServer(db.prisma, { kind: 'mediamtx' });
  const controlUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  driver = new MediamtxDriver({ server: { id: server.id, controlUrl }, log, pollEveryMs: 50 });
  gate = new StreamGate(gatePort(deps, db.url));
  gate.serve(server, driver);
  await gate.start();
});

afterAll(async () => {
  await driver.stop();
  await gate.stop();
  await db.drop();
  api.closeAllConnections();
  await new Promise((resolve) => api.close(resolve));
});

const said = (message: string) => lines.filter((line) => line.msg === message);

test('GIVEN an unreachable control API THEN one line over many polls, one when it answers again, and a new outage is said at once', async () => {
  driver.watch(gate);
  await waitFor(() => requests >= 10, 30_000);
  expect(said('reading MediaMTX paths failed; retrying')).toHaveLength(1);
  expect(said('reading MediaMTX paths failed; retrying')[0]).toMatchObject({
    level: 'error',
    error: expect.stringMatching(/fetch failed/),
  });

  down = false;
  await waitFor(() => said('MediaMTX control API answers again').length > 0, 30_000);
  const answered = requests;
  await waitFor(() => requests >= answered + 10, 30_000);
  expect(said('MediaMTX control API answers again')).toHaveLength(1);
  // How many failed reads went unsaid: at least the polls between the first line and the recovery.
  expect(said('MediaMTX control API answers again')[0]!.repeated).toBeGreaterThanOrEqual(8);

  down = true;
  await waitFor(() => said('reading MediaMTX paths failed; retrying').length === 2, 30_000);
  const failing = requests;
  await waitFor(() => requests >= failing + 10, 30_000);
  expect(said('reading MediaMTX paths failed; retrying')).toHaveLength(2);
}, 120_000);
