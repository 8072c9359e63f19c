import { jobsFor } from '../../src/domain/schedule.js';

const now = new Date('2026-12-01T00:00:00Z');
const H = 3_600_000;
const at = (hours: number) => new Date(now.getTime() + hours * H);
const reminders = { reconfirmBeforeDeadlineMs: 2 * H, viewersBeforeStartMs: 0.25 * H, noShowAfterMs: 0.5 * H };
const invitees = { emails: ['a@example.org'], slackChannels: [], discordChannels: [] };
const base = { reconfirmDeadline: at(24), startsAt: at(48), endsAt: at(49), invitees };
const names = (jobs: ReturnType<typeof jobsFor>) =>
  jobs.map((job) => `${job.job}@${(job.at.getTime() - now.getTime()) / H}h`);

describe('timed jobs per state', () => {
  test('GIVEN permitted THEN a reminder 2h before the deadline and the deadline', () => {
    expect(names(jobsFor({ ...base, status: 'permitted' }, now, reminders))).toEqual([
      'reconfirm-reminder@22h',
      'deadline@24h',
    ]);
  });
  test('GIVEN permitted with the deadline sooner than the reminder lead THEN no reminder, only the deadline', () => {
    expect(names(jobsFor({ ...base, status: 'permitted', reconfirmDeadline: at(1) }, now, reminders))).toEqual([
      'deadline@1h',
    ]);
  });
  test('GIVEN confirmed THEN the viewer reminder, the start and the end', () => {
    expect(names(jobsFor({ ...base, status: 'confirmed' }, now, reminders))).toEqual([
      'viewer-reminder@47.75h',
      'start@48h',
      'end@49h',
    ]);
  });
  test('GIVEN confirmed without invitees THEN no viewer reminder', () => {
    const none = { emails: [], slackChannels: [], discordChannels: [] };
    expect(names(jobsFor({ ...base, invitees: none, status: 'confirmed' }, now, reminders))).toEqual([
      'start@48h',
      'end@49h',
    ]);
  });
  test('GIVEN confirmed on a server Slotcast enforces THEN no start job, but a no-show check NO_SHOW_AFTER after the start', () => {
    const server = {
      id: 's',
      name: 'embedded',
      ingestBaseUrl: 'rtmp://x/live',
      playbackBaseUrl: 'http://x',
      kind: 'embedded' as const,
    };
    expect(names(jobsFor({ ...base, server, status: 'confirmed' }, now, reminders))).toEqual([
      'viewer-reminder@47.75h',
      'no-show@48.5h',
      'end@49h',
    ]);
    // A slot shorter than NO_SHOW_AFTER is over before anyone could be late.
    expect(names(jobsFor({ ...base, server, endsAt: at(48.25), status: 'confirmed' }, now, reminders))).toEqual([
      'viewer-reminder@47.75h',
      'end@48.25h',
    ]);
    // Live: someone streamed.
    expect(names(jobsFor({ ...base, server, status: 'live' }, now, reminders))).toEqual(['end@49h']);
  });
  test.each(['cancelled', 'lapsed', 'completed'] as const)('GIVEN %s THEN nothing', (status) => {
    expect(jobsFor({ ...base, status }, now, reminders)).toEqual([]);
  });
});
