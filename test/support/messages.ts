/**
 * Message models for renderer tests: a valid one per event, changed only where a test says so.
 */
import type { NotificationEvent } from '../../src/domain/notifications.js';
import { NOTIFICATION_EVENTS } from '../../src/domain/notifications.js';
import type { MessageModel } from '../../src/notify/message.js';

export const EVENTS: readonly NotificationEvent[] = NOTIFICATION_EVENTS;

export type MessageOverrides = Omit<Partial<MessageModel>, 'reservation'> & {
  reservation?: Partial<MessageModel['reservation']>;
};

export function makeMessage(event: NotificationEvent, overrides: MessageOverrides = {}): MessageModel {
  const { reservation, ...rest } = overrides;
  return {
    notificationId: '11111111-2222-4333-8444-555555555555',
    event,
    recipient: { channel: 'email', recipient: 'viewer@example.org' },
    reservation: {
      id: '00000000-0000-4000-8000-000000000001',
      code: 'R-7K3Q',
      title: 'Launch',
      description: 'Bring questions.',
      serverName: 'studio-a',
      playbackUrl: 'https://watch.example.org/hls/R-7K3Q',
      passcode: 'SESAME4242',
      startsAt: '2026-12-03T10:00:00.000Z',
      endsAt: '2026-12-03T11:00:00.000Z',
      reconfirmDeadline: '2026-12-02T10:00:00.000Z',
      status: event === 'permit_prompt' || event === 'invitation_tentative' ? 'permitted' : 'confirmed',
      version: 2,
      organizer: { platform: 'api', tenantId: 'api', userId: 'tok', name: 'Aiko' },
      ...reservation,
    },
    actorName: 'Aiko',
    at: new Date('2026-12-01T08:00:00.000Z'),
    ...(event === 'change_notice'
      ? { changes: [{ field: 'startsAt', from: '2026-12-03T09:00:00.000Z', to: '2026-12-03T10:00:00.000Z' }] }
      : {}),
    ...(event === 'cancellation_notice' ? { reason: 'Speaker is ill' } : {}),
    ...(event === 'permit_prompt' ? { ingest: { url: 'rtmp://in.example.org/live', streamKey: 'sk_secret' } } : {}),
    ...(event === 'delivery_failure_report'
      ? { unreachable: [{ channel: 'email', recipient: 'gone@example.org', reason: '550 no such user' }] }
      : {}),
    ...rest,
  };
}
