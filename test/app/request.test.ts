/**
 * Reservation requests against real PostgreSQL: availability, over-booking under concurrency,
 * the outbox written with the state change, and refusals that change nothing.
 */
import { requestReservation } from '../../src/app/request.js';
import type { AppDeps } from '../../src/app/deps.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { HOUR, MINUTE, makeActor, makeDeps, makeRequest, makeServer } from '../support/fixtures.js';

let db: TestDatabase;
let deps: ReturnType<typeof makeDeps>;

beforeAll(async () => {
  db = await createTestDatabase({ poolSize: 60 });
  deps = makeDeps(db);
});
afterAll(() => db.drop());

/** Finds over-booking: for every reservation start, how many slot-holders run at that instant. */
async function overbookedInstants(serverId: string): Promise<number> {
  const rows = await db.prisma.$queryRaw<Array<{ over: bigint }>>`
    SELECT count(*) AS over FROM (
      SELECT a.id
      FROM reservation a
      JOIN reservation b ON b.server_id = a.server_id
        AND b.status IN ('permitted', 'confirmed', 'live')
        AND b.starts_at <= a.starts_at AND b.ends_at > a.starts_at
      JOIN distribution_server s ON s.id = a.server_id
      WHERE a.server_id = ${serverId}::uuid AND a.status IN ('permitted', 'confirmed', 'live')
      GROUP BY a.id, s.capacity
      HAVING count(b.id) > s.capacity
    ) AS over_capacity`;
  return Number(rows[0]!.over);
}

async function concurrentOverlappingRequests(capacity: number, clients: number) {
  const server = await makeServer(db.prisma, { capacity });
  const base = makeRequest(server.name);
  // Every request overlaps every other: the same hour, shifted by up to 30 minutes.
  const outcomes = await Promise.all(
    Array.from({ length: clients }, (_, i) =>
      requestReservation(deps, makeActor(), {
        ...base,
        startsAt: new Date(base.startsAt.getTime() + (i % 30) * MINUTE),
        endsAt: new Date(base.endsAt.getTime() + (i % 30) * MINUTE),
      }),
    ),
  );
  return { server, outcomes };
}

describe('GIVEN 50 concurrent overlapping requests', () => {
  test('on a capacity-1 server THEN exactly 1 is permitted and 49 refused with alternatives', async () => {
    const { server, outcomes } = await concurrentOverlappingRequests(1, 50);
    const permitted = outcomes.filter((outcome) => outcome.ok);
    const refused = outcomes.filter((outcome) => !outcome.ok);
    expect(permitted).toHaveLength(1);
    expect(refused).toHaveLength(49);
    for (const outcome of refused) {
      expect(outcome).toMatchObject({ ok: false, reason: 'unavailable' });
      if (!outcome.ok && outcome.reason === 'unavailable') expect(outcome.alternatives.length).toBeGreaterThan(0);
    }
    expect(await db.prisma.reservation.count({ where: { serverId: server.id } })).toBe(1);
    expect(await overbookedInstants(server.id)).toBe(0);
    expect(
      await db.prisma.auditEntry.count({
        where: { action: 'refused', details: { path: ['server'], equals: server.name } },
      }),
    ).toBe(49);
  });

  test('on a capacity-3 server THEN exactly 3 are permitted', async () => {
    const { server, outcomes } = await concurrentOverlappingRequests(3, 50);
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(3);
    expect(await overbookedInstants(server.id)).toBe(0);
  });
});

describe('a permitted request', () => {
  test('THEN it is stored as permitted with a deadline, generated secrets, and the prompt queued in the outbox', async () => {
    const server = await makeServer(db.prisma);
    const actor = makeActor();
    const outcome = await requestReservation(deps, actor, makeRequest(server.name, { startInMs: 72 * HOUR }));
    if (!outcome.ok) throw new Error(outcome.message);
    const reservation = outcome.value;
    expect(reservation).toMatchObject({ status: 'permitted', version: 1, notifyMode: 'reconfirm' });
    expect(reservation.code).toMatch(/^R-[2-9A-HJKMNP-Z]{4}$/);
    expect(reservation.passcode).toMatch(/^[2-9A-HJKMNP-Z]{10}$/);
    expect(reservation.reconfirmDeadline.getTime()).toBe(reservation.startsAt.getTime() - 24 * HOUR);
    const rows = await db.prisma.notification.findMany({ where: { reservationId: reservation.id } });
    expect(rows.map((row) => [row.event, row.channel, row.recipient])).toEqual([
      ['permit_prompt', 'email', actor.email],
    ]);
    expect(JSON.stringify(rows[0]!.payload)).not.toContain(await streamKeyOf(reservation.id));
    expect(deps.events.at(-1)).toMatchObject({ kind: 'requested', notificationIds: [rows[0]!.id] });
  });

  test('in mode permit-and-reconfirm THEN tentative invitations are queued for every invitee (claim 7)', async () => {
    const server = await makeServer(db.prisma);
    const modeDeps: AppDeps = { ...deps, policy: { ...deps.policy, notifyMode: 'permit_and_reconfirm' } };
    const outcome = await requestReservation(
      modeDeps,
      makeActor({ email: null }),
      makeRequest(server.name, { slackChannels: ['C0ABCDEF1'] }),
    );
    if (!outcome.ok) throw new Error(outcome.message);
    const rows = await db.prisma.notification.findMany({
      where: { reservationId: outcome.value.id },
      orderBy: { recipient: 'asc' },
    });
    expect(rows.map((row) => `${row.event}:${row.recipient}`)).toEqual([
      'invitation_tentative:C0ABCDEF1',
      'invitation_tentative:viewer1@example.org',
      'invitation_tentative:viewer2@example.org',
    ]);
  });

  test('GIVEN a passcode in the request THEN it is kept (claim 3)', async () => {
    const server = await makeServer(db.prisma);
    const outcome = await requestReservation(deps, makeActor(), makeRequest(server.name, { passcode: 'open-sesame' }));
    expect(outcome.ok && outcome.value.passcode).toBe('open-sesame');
  });
});

describe('refusals change nothing', () => {
  test('GIVEN an unknown server THEN the field is named and nothing is written', async () => {
    const before = await counts();
    const outcome = await requestReservation(deps, makeActor(), makeRequest('no-such-server'));
    expect(outcome).toMatchObject({ ok: false, reason: 'invalid', fields: [{ field: 'server' }] });
    expect(await counts()).toEqual(before);
  });

  test('GIVEN an inactive server THEN it is refused with other free servers as alternatives', async () => {
    const inactive = await makeServer(db.prisma, { active: false });
    const other = await makeServer(db.prisma);
    const outcome = await requestReservation(deps, makeActor(), makeRequest(inactive.name));
    expect(outcome).toMatchObject({ ok: false, reason: 'unavailable' });
    if (outcome.ok || outcome.reason !== 'unavailable') return;
    expect(outcome.alternatives).toContainEqual(
      expect.objectContaining({ kind: 'other_server_same_time', serverName: other.name }),
    );
  });

  test('GIVEN more invitees than allowed THEN the request is refused before anything is written', async () => {
    const server = await makeServer(db.prisma);
    const before = await counts();
    const emails = Array.from({ length: 501 }, (_, i) => `viewer${i}@example.org`);
    const outcome = await requestReservation(deps, makeActor(), makeRequest(server.name, { emails }));
    expect(outcome).toMatchObject({
      ok: false,
      reason: 'invalid',
      fields: [{ field: 'emails', message: expect.stringMatching(/At most 500/) }],
    });
    expect(await counts()).toEqual(before);
  });
});

describe('atomicity', () => {
  test('GIVEN the outbox insert fails THEN the reservation is not stored either', async () => {
    const server = await makeServer(db.prisma);
    // A real failure inside the same transaction, between the reservation insert and the outbox.
    await db.prisma.$executeRawUnsafe(`
      CREATE FUNCTION fail_outbox() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected outbox failure'; END $$ LANGUAGE plpgsql`);
    await db.prisma.$executeRawUnsafe(
      `CREATE TRIGGER fail_outbox BEFORE INSERT ON notification FOR EACH ROW EXECUTE FUNCTION fail_outbox()`,
    );
    try {
      const before = await counts();
      await expect(requestReservation(deps, makeActor(), makeRequest(server.name))).rejects.toThrow(
        /injected outbox failure/,
      );
      expect(await counts()).toEqual(before);
      expect(await db.prisma.reservation.count({ where: { serverId: server.id } })).toBe(0);
    } finally {
      await db.prisma.$executeRawUnsafe('DROP TRIGGER fail_outbox ON notification');
      await db.prisma.$executeRawUnsafe('DROP FUNCTION fail_outbox');
    }
  });
});

async function counts() {
  const [reservations, notifications, audits] = await Promise.all([
    db.prisma.reservation.count(),
    db.prisma.notification.count(),
    db.prisma.auditEntry.count(),
  ]);
  return { reservations, notifications, audits };
}

async function streamKeyOf(id: string): Promise<string> {
  return (await db.prisma.reservation.findUniqueOrThrow({ where: { id } })).streamKey;
}

describe('per-workspace notification mode (claims 6 and 7)', () => {
  test('GIVEN a Slack workspace set to permit-and-reconfirm THEN its requests tell invitees at permission; another workspace keeps the default', async () => {
    const { setWorkspaceNotifyMode } = await import('../../src/store/settings.js');
    await setWorkspaceNotifyMode(db.pool, 'slack', 'T-EAGER', 'permit_and_reconfirm');
    const server = await makeServer(db.prisma);
    const eager = await requestReservation(
      deps,
      makeActor({ platform: 'slack', tenantId: 'T-EAGER', email: null }),
      makeRequest(server.name, { startInMs: 48 * HOUR }),
    );
    const quiet = await requestReservation(
      deps,
      makeActor({ platform: 'slack', tenantId: 'T-QUIET', email: null }),
      makeRequest(server.name, { startInMs: 60 * HOUR }),
    );
    if (!eager.ok || !quiet.ok) throw new Error('expected both permitted');
    expect(eager.value.notifyMode).toBe('permit_and_reconfirm');
    expect(quiet.value.notifyMode).toBe('reconfirm');
    const tentative = (id: string) =>
      db.prisma.notification.count({ where: { reservationId: id, event: 'invitation_tentative' } });
    expect(await tentative(eager.value.id)).toBe(2);
    expect(await tentative(quiet.value.id)).toBe(0);
  });
});

describe('idempotent requests', () => {
  test('GIVEN the same request key sent twice at the same moment THEN both get the one reservation (20 races)', async () => {
    const server = await makeServer(db.prisma);
    const actor = makeActor();
    for (let i = 0; i < 20; i++) {
      const command = makeRequest(server.name, { startInMs: (48 + 2 * i) * HOUR });
      const [first, second] = await Promise.all([
        requestReservation(deps, actor, command, { requestKey: `race-${i}` }),
        requestReservation(deps, actor, command, { requestKey: `race-${i}` }),
      ]);
      expect(first.ok && second.ok && first.value.id === second.value.id).toBe(true);
    }
    expect(await db.prisma.reservation.count({ where: { serverId: server.id } })).toBe(20);
  });

  test('GIVEN a request key reused for a different request THEN idempotency_key_reused and nothing is written', async () => {
    const server = await makeServer(db.prisma);
    const actor = makeActor();
    const command = makeRequest(server.name, { startInMs: 50 * HOUR });
    const first = await requestReservation(deps, actor, command, { requestKey: 'reused-1' });
    if (!first.ok) throw new Error(first.message);
    const before = { reservations: await db.prisma.reservation.count(), audit: await db.prisma.auditEntry.count() };
    const variants = [
      { ...command, title: 'Another stream' },
      {
        ...command,
        startsAt: new Date(command.startsAt.getTime() + HOUR),
        endsAt: new Date(command.endsAt.getTime() + HOUR),
      },
      { ...command, emails: ['someone-else@example.org'] },
      { ...command, passcode: 'other-pass' },
    ];
    for (const variant of variants) {
      const outcome = await requestReservation(deps, actor, variant, { requestKey: 'reused-1' });
      expect(outcome).toMatchObject({
        ok: false,
        reason: 'idempotency_key_reused',
        message: expect.stringContaining(first.value.code),
      });
    }
    expect({ reservations: await db.prisma.reservation.count(), audit: await db.prisma.auditEntry.count() }).toEqual(
      before,
    );
  });

  test('GIVEN the same request again, spelled differently (list order, the server by id) THEN the first reservation', async () => {
    const server = await makeServer(db.prisma);
    const actor = makeActor();
    const command = makeRequest(server.name, { startInMs: 52 * HOUR, emails: ['b@example.org', 'a@example.org'] });
    const first = await requestReservation(deps, actor, command, { requestKey: 'same-1' });
    const again = await requestReservation(
      deps,
      actor,
      { ...command, server: server.id, emails: ['a@example.org', 'b@example.org'] },
      { requestKey: 'same-1' },
    );
    expect(first.ok && again.ok && again.value.id === first.value.id).toBe(true);
  });

  test('GIVEN a restart (fresh dependencies, nothing in memory) THEN the stored fingerprint still decides', async () => {
    const server = await makeServer(db.prisma);
    const actor = makeActor();
    const command = makeRequest(server.name, { startInMs: 54 * HOUR });
    const first = await requestReservation(deps, actor, command, { requestKey: 'restart-1' });
    if (!first.ok) throw new Error(first.message);
    const stored = await db.pool.query('SELECT request_fingerprint FROM reservation WHERE id = $1', [first.value.id]);
    expect(stored.rows[0].request_fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const restarted = makeDeps(db);
    expect(await requestReservation(restarted, actor, command, { requestKey: 'restart-1' })).toMatchObject({
      ok: true,
      value: { id: first.value.id },
    });
    expect(
      await requestReservation(restarted, actor, { ...command, title: 'Changed my mind' }, { requestKey: 'restart-1' }),
    ).toMatchObject({ ok: false, reason: 'idempotency_key_reused' });
  });

  test('GIVEN one key with two different requests at the same moment THEN one is booked, the other refused (20 races)', async () => {
    const server = await makeServer(db.prisma, { capacity: 2 });
    const actor = makeActor();
    for (let i = 0; i < 20; i++) {
      const command = makeRequest(server.name, { startInMs: (100 + 2 * i) * HOUR });
      const outcomes = await Promise.all([
        requestReservation(deps, actor, command, { requestKey: `split-${i}` }),
        requestReservation(deps, actor, { ...command, title: 'The other one' }, { requestKey: `split-${i}` }),
      ]);
      expect(outcomes.map((outcome) => (outcome.ok ? 'booked' : outcome.reason)).sort()).toEqual([
        'booked',
        'idempotency_key_reused',
      ]);
    }
    expect(await db.prisma.reservation.count({ where: { serverId: server.id } })).toBe(20);
  });

  test('GIVEN a key stored before fingerprints existed THEN it replays as before', async () => {
    const server = await makeServer(db.prisma);
    const actor = makeActor();
    const command = makeRequest(server.name, { startInMs: 56 * HOUR });
    const first = await requestReservation(deps, actor, command, { requestKey: 'legacy-1' });
    if (!first.ok) throw new Error(first.message);
    await db.pool.query('UPDATE reservation SET request_fingerprint = NULL WHERE id = $1', [first.value.id]);
    expect(
      await requestReservation(deps, actor, { ...command, title: 'Anything' }, { requestKey: 'legacy-1' }),
    ).toMatchObject({ ok: true, value: { id: first.value.id } });
  });
});
