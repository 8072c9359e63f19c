/**
 * Slack's answers as delivery results. A passing failure (rate limit, outage, network) is retried
 * after the wait Slack asks for; one that will never work by itself (not in the channel, archived,
 * user gone) fails with a reason that tells the organizer what to do.
 */
import { webApi } from '@slack/bolt';
import type { Contact } from '../domain/notifications.js';
import type { DeliveryResult } from '../notify/transport.js';

interface WebApiError {
  code?: string;
  data?: { error?: string };
  retryAfter?: number;
  statusCode?: number;
  message?: string;
}

export function isSlackError(error: unknown, ...codes: string[]): boolean {
  const e = error as WebApiError;
  return e?.code === webApi.ErrorCode.PlatformError && codes.includes(e.data?.error ?? '');
}

/** What the organizer reads in the delivery failure report: what is wrong and what to do. No markup. */
function failureReason(code: string, contact: Contact): string | undefined {
  const where =
    contact.channel === 'slack_channel' ? `Slack channel ${contact.recipient}` : `Slack user ${contact.recipient}`;
  switch (code) {
    case 'not_in_channel':
      return (
        `Slotcast is not a member of ${where}. Add the app to the channel (type /invite @Slotcast there) ` +
        'or pick another channel, then change the reservation to send the invitation.'
      );
    case 'is_archived':
      return `${where} is archived. Unarchive it, or change the reservation to use another channel.`;
    case 'channel_not_found':
      return (
        `${where} was not found: it was deleted, or it is private and Slotcast is not in it. ` +
        'Add the app to the channel, or change the reservation to use another one.'
      );
    case 'restricted_action':
    case 'restricted_action_read_only_channel':
    case 'restricted_action_thread_only_channel':
    case 'restricted_action_non_threadable_channel':
      return `Posting in ${where} is restricted by its settings. Ask a channel manager to allow the app to post, or use another channel.`;
    case 'user_not_found':
    case 'user_disabled':
    case 'cannot_dm_bot':
    case 'messages_tab_disabled':
      return `${where} cannot receive direct messages from Slotcast (${code}).`;
    case 'invalid_blocks':
    case 'msg_too_long':
    case 'invalid_arguments':
      // Sending the same message again cannot help; the log has the rest.
      return `Slack refused the message (${code}). This is a Slotcast bug; please report it.`;
    default:
      return undefined;
  }
}

export function classify(error: unknown, contact: Contact): DeliveryResult {
  const e = error as WebApiError;
  if (e?.code === webApi.ErrorCode.RateLimitedError) {
    return { status: 'retry', reason: 'Slack rate limit (429)', retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000 };
  }
  if (e?.code === webApi.ErrorCode.PlatformError) {
    const code = e.data?.error ?? 'unknown_error';
    const reason = failureReason(code, contact);
    return reason ? { status: 'failed', reason } : { status: 'retry', reason: `Slack answered ${code}` };
  }
  if (e?.code === webApi.ErrorCode.HTTPError)
    return { status: 'retry', reason: `Slack answered HTTP ${e.statusCode ?? '?'}` };
  return { status: 'retry', reason: `Slack could not be reached: ${e?.message ?? String(error)}` };
}
