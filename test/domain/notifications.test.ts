import { diffReservations } from '../../src/domain/changes.js';
import {
  planCancelled,
  planChanged,
  planLapsed,
  planPermitted,
  planReconfirmed,
} from '../../src/domain/notifications.js';
import type { Reservation } from '../../src/domain/reservation.js';

const at = new Date('2026-12-01T00:00:00Z');
const context = { actorName: 'Ann', at };

function reservation(overrides: Partial<Reservation> = {}): Reservation {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    code: 'R-7K3Q',
    title: 'Launch',
    description: null,
    server: {
      id: 's1',
      name: 'studio-a',
      ingestBaseUrl: 'rtmp://in.example.org/live',
      playbackBaseUrl: 'https://watch.example.org/hls/',
    },
    organizer: { platform: 'slack', tenantId: 'T1', userId: 'U1', name: 'Ann', email: null },
    startsAt: new Date('2026-12-03T10:00:00Z'),
    endsAt: new Date('2026-12-03T11:00:00Z'),
    status: 'permitted',
    notifyMode: 'reconfirm',
    reconfirmDeadline: new Date('2026-12-02T10:00:00Z'),
    passcode: 'PASS1234',
    invitees: {
      emails: ['a@example.org', 'b@example.org'],
      slackChannels: ['C0123456'],
      discordChannels: ['123456789012345678'],
    },
    version: 1,
    cancelReason: null,
    ...overrides,
  };
}

const summary = (planned: Array<{ event: string; channel: string; recipient: string }>) =>
  planned.map((row) => `${row.event} ${row.channel} ${row.recipient}`).sort();

describe('notification plans', () => {
  test('claim 6: at permission only the organizer hears, with a reconfirmation prompt', () => {
    expect(summary(planPermitted(reservation(), context))).toEqual(['permit_prompt slack_dm U1']);
  });

  test('claim 7: in mode permit-and-reconfirm every invitee also gets a tentative invitation', () => {
    const planned = planPermitted(reservation({ notifyMode: 'permit_and_reconfirm' }), context);
    expect(summary(planned)).toEqual([
      'invitation_tentative discord_channel 123456789012345678',
      'invitation_tentative email a@example.org',
      'invitation_tentative email b@example.org',
      'invitation_tentative slack_channel C0123456',
      'permit_prompt slack_dm U1',
    ]);
  });

  test('claims 1, 2, 3: the confirmed invitation goes to every contact and carries the playback URL and passcode', () => {
    const planned = planReconfirmed(reservation({ status: 'confirmed', version: 2 }), context);
    expect(planned).toHaveLength(4);
    for (const row of planned) {
      expect(row.event).toBe('invitation_confirmed');
      expect(row.payload.reservation.playbackUrl).toBe('https://watch.example.org/hls/R-7K3Q');
      expect(row.payload.reservation.passcode).toBe('PASS1234');
    }
  });

  test('no payload ever carries the stream key', () => {
    const planned = planPermitted(reservation({ notifyMode: 'permit_and_reconfirm' }), context);
    expect(JSON.stringify(planned)).not.toMatch(/stream/i);
  });

  test('claim 5: a change tells kept invitees what changed, invites added ones and releases removed ones', () => {
    const before = reservation({ status: 'confirmed', version: 2 });
    const after = reservation({
      status: 'confirmed',
      version: 3,
      title: 'Launch (moved)',
      invitees: {
        emails: ['a@example.org', 'c@example.org'],
        slackChannels: ['C0123456'],
        discordChannels: ['123456789012345678'],
      },
    });
    const changes = diffReservations(before, after);
    const planned = planChanged(before, after, changes, context);
    expect(summary(planned)).toEqual([
      'change_notice discord_channel 123456789012345678',
      'change_notice email a@example.org',
      'change_notice slack_channel C0123456',
      'change_notice slack_dm U1',
      'invitation_confirmed email c@example.org',
      'invitation_withdrawn email b@example.org',
    ]);
    const notice = planned.find((row) => row.event === 'change_notice' && row.channel === 'email')!;
    expect(notice.payload.changes).toContainEqual({ field: 'title', from: 'Launch', to: 'Launch (moved)' });
  });

  test('a change before invitees were told reaches only the organizer', () => {
    const before = reservation();
    const after = reservation({ version: 2, title: 'New title' });
    expect(summary(planChanged(before, after, diffReservations(before, after), context))).toEqual([
      'change_notice slack_dm U1',
    ]);
  });

  test('claim 4: cancelling a confirmed reservation tells every invitee, with the reason', () => {
    const before = reservation({ status: 'confirmed', version: 2 });
    const after = reservation({ status: 'cancelled', version: 3, cancelReason: 'Speaker ill' });
    const planned = planCancelled(before, after, context);
    expect(planned.filter((row) => row.event === 'cancellation_notice')).toHaveLength(5);
    expect(planned.every((row) => row.payload.reason === 'Speaker ill')).toBe(true);
  });

  test('a lapse tells invitees only when they had heard at permission', () => {
    const lapsed = reservation({ status: 'lapsed', version: 2 });
    expect(summary(planLapsed(reservation(), lapsed, context))).toEqual(['lapse_notice slack_dm U1']);
    const told = reservation({ notifyMode: 'permit_and_reconfirm' });
    const planned = planLapsed(told, { ...lapsed, notifyMode: 'permit_and_reconfirm' }, context);
    expect(planned.filter((row) => row.event === 'cancellation_notice')).toHaveLength(4);
  });

  test('dedupe keys are unique within a plan and change with the version', () => {
    const first = planPermitted(reservation({ notifyMode: 'permit_and_reconfirm' }), context).map(
      (row) => row.dedupeKey,
    );
    expect(new Set(first).size).toBe(first.length);
    const later = planPermitted(reservation({ notifyMode: 'permit_and_reconfirm', version: 2 }), context).map(
      (row) => row.dedupeKey,
    );
    expect(later.some((key) => first.includes(key))).toBe(false);
  });

  test('an API organizer without an e-mail gets no prompt row; with one, an e-mail', () => {
    const api = { platform: 'api' as const, tenantId: 'api', userId: 'tok', name: 'ops', email: null };
    expect(planPermitted(reservation({ organizer: api }), context)).toEqual([]);
    expect(summary(planPermitted(reservation({ organizer: { ...api, email: 'ops@example.org' } }), context))).toEqual([
      'permit_prompt email ops@example.org',
    ]);
  });
});

describe('Discord scheduled events', () => {
  const discordOrganizer = {
    platform: 'discord' as const,
    tenantId: '111111111111111111',
    userId: '222222222222222222',
    name: 'Dee',
    email: null,
  };

  test('a reservation made from Discord gets a guild event on confirmation, update on change, cancel on cancel', () => {
    const confirmed = reservation({ organizer: discordOrganizer, status: 'confirmed', version: 2 });
    expect(summary(planReconfirmed(confirmed, context))).toContain(
      'invitation_confirmed discord_event 111111111111111111',
    );
    const changed = { ...confirmed, version: 3, title: 'New' };
    expect(summary(planChanged(confirmed, changed, diffReservations(confirmed, changed), context))).toContain(
      'change_notice discord_event 111111111111111111',
    );
    const cancelled = { ...confirmed, version: 4, status: 'cancelled' as const };
    expect(summary(planCancelled(confirmed, cancelled, context))).toContain(
      'cancellation_notice discord_event 111111111111111111',
    );
  });

  test('a live stream extended THEN its guild event is updated with the new end', () => {
    const live = reservation({ organizer: discordOrganizer, status: 'live', version: 3 });
    const extended = { ...live, version: 4, endsAt: new Date(live.endsAt.getTime() + 30 * 60_000) };
    expect(summary(planChanged(live, extended, diffReservations(live, extended), context))).toContain(
      'change_notice discord_event 111111111111111111',
    );
  });

  test('a Slack reservation or a never-confirmed one has no guild event', () => {
    expect(
      summary(planReconfirmed(reservation({ status: 'confirmed' }), context)).some((row) =>
        row.includes('discord_event'),
      ),
    ).toBe(false);
    const permitted = reservation({ organizer: discordOrganizer });
    const cancelled = { ...permitted, status: 'cancelled' as const, version: 2 };
    expect(summary(planCancelled(permitted, cancelled, context)).some((row) => row.includes('discord_event'))).toBe(
      false,
    );
  });
});

describe("calendar entries: each e-mail row says what it does to its recipient's calendar", () => {
  const api = { platform: 'api' as const, tenantId: 'api', userId: 'tok', name: 'Ops', email: 'ops@example.org' };
  const slack = { platform: 'slack' as const, tenantId: 'T1', userId: 'U1', name: 'Ann', email: null };
  const discord = {
    platform: 'discord' as const,
    tenantId: '111111111111111111',
    userId: '2',
    name: 'Dee',
    email: null,
  };
  const one = { emails: ['a@example.org'], slackChannels: ['C0123456'], discordChannels: [] };
  const withCalendar = (planned: ReturnType<typeof planPermitted>) =>
    planned.map((row) => `${row.event} ${row.channel} ${row.recipient} ${row.payload.calendar}`).sort();
  const made = (overrides: Partial<Reservation>) => reservation({ invitees: one, ...overrides });
  const cases: Array<[string, () => ReturnType<typeof planPermitted>, string[]]> = [
    [
      'permitted (mode reconfirm): the organizer’s prompt carries no entry',
      () => planPermitted(made({ organizer: api }), context),
      ['permit_prompt email ops@example.org none'],
    ],
    [
      'permitted (mode permit-and-reconfirm): the organizer holds the tentative entry the invitees get',
      () => planPermitted(made({ organizer: api, notifyMode: 'permit_and_reconfirm' }), context),
      [
        'invitation_tentative email a@example.org request',
        'invitation_tentative slack_channel C0123456 none',
        'permit_prompt email ops@example.org request',
      ],
    ],
    [
      'reconfirmed: the organizer’s e-mail gets the confirmed entry, as the invitees do',
      () => planReconfirmed(made({ organizer: api, status: 'confirmed', version: 2 }), context),
      [
        'confirmation_notice email ops@example.org request',
        'invitation_confirmed email a@example.org request',
        'invitation_confirmed slack_channel C0123456 none',
      ],
    ],
    [
      'changed while confirmed: the organizer’s entry and the invitees’ are updated',
      () => {
        const before = made({ organizer: api, status: 'confirmed', version: 2 });
        const after = { ...before, version: 3, title: 'Moved' };
        return planChanged(before, after, diffReservations(before, after), context);
      },
      [
        'change_notice email a@example.org request',
        'change_notice email ops@example.org request',
        'change_notice slack_channel C0123456 none',
      ],
    ],
    [
      'changed before reconfirmation (mode reconfirm): the organizer has no entry to update',
      () => {
        const before = made({ organizer: api });
        const after = { ...before, version: 2, title: 'Moved' };
        return planChanged(before, after, diffReservations(before, after), context);
      },
      ['change_notice email ops@example.org none'],
    ],
    [
      'one invitee removed: only their entry is cancelled; nobody else hears of it',
      () => {
        const before = made({
          organizer: api,
          status: 'confirmed',
          version: 2,
          invitees: { ...one, emails: ['a@example.org', 'b@example.org'] },
        });
        const after = { ...before, version: 3, invitees: one };
        return planChanged(before, after, diffReservations(before, after), context);
      },
      ['change_notice email ops@example.org request', 'invitation_withdrawn email b@example.org cancel'],
    ],
    [
      'cancelled after reconfirmation: every entry is cancelled, the organizer’s too',
      () => {
        const before = made({ organizer: api, status: 'confirmed', version: 2 });
        return planCancelled(before, { ...before, status: 'cancelled', version: 3 }, context);
      },
      [
        'cancellation_notice email a@example.org cancel',
        'cancellation_notice email ops@example.org cancel',
        'cancellation_notice slack_channel C0123456 none',
      ],
    ],
    [
      'cancelled before reconfirmation (mode reconfirm): no CANCEL for an entry nobody holds',
      () => {
        const before = made({ organizer: api });
        return planCancelled(before, { ...before, status: 'cancelled', version: 2 }, context);
      },
      ['cancellation_notice email ops@example.org none'],
    ],
    [
      'lapsed in mode permit-and-reconfirm: the tentative entries are removed, the organizer’s too',
      () => {
        const before = made({ organizer: api, notifyMode: 'permit_and_reconfirm' });
        return planLapsed(before, { ...before, status: 'lapsed', version: 2 }, context);
      },
      [
        'cancellation_notice email a@example.org cancel',
        'cancellation_notice slack_channel C0123456 none',
        'lapse_notice email ops@example.org cancel',
      ],
    ],
    [
      'lapsed in mode reconfirm: the organizer had no entry',
      () => {
        const before = made({ organizer: api });
        return planLapsed(before, { ...before, status: 'lapsed', version: 2 }, context);
      },
      ['lapse_notice email ops@example.org none'],
    ],
  ];
  test.each(cases)('%s', (_case, plan, expected) => expect(withCalendar(plan())).toEqual(expected));

  test.each([
    ['Slack', slack],
    ['Discord', discord],
  ])(
    'an organizer reached by %s DM gets no calendar and no confirmation mail, in any event',
    (_platform, organizer) => {
      const permitted = made({ organizer, notifyMode: 'permit_and_reconfirm' });
      const confirmed = { ...permitted, status: 'confirmed' as const, version: 2 };
      const moved = { ...confirmed, version: 3, title: 'Moved' };
      const planned = [
        ...planPermitted(permitted, context),
        ...planReconfirmed(confirmed, context),
        ...planChanged(confirmed, moved, diffReservations(confirmed, moved), context),
        ...planCancelled(moved, { ...moved, status: 'cancelled', version: 4 }, context),
        ...planLapsed(permitted, { ...permitted, status: 'lapsed', version: 2 }, context),
      ];
      const toOrganizer = planned.filter((row) => row.recipient === organizer.userId);
      expect(toOrganizer.length).toBeGreaterThan(0);
      expect(toOrganizer.every((row) => row.payload.calendar === 'none')).toBe(true);
      expect(planned.some((row) => row.event === 'confirmation_notice')).toBe(false);
      expect(planned.filter((row) => row.channel !== 'email').every((row) => row.payload.calendar === 'none')).toBe(
        true,
      );
    },
  );
});
