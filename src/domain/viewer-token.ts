/**
 * Personal watch links (issue 9): a token bound to one invitee of one reservation, an HMAC of
 * both under the service's key. Nothing is stored per token: a token is revoked by the state it
 * is checked against — the invitee taken off the list, the reservation cancelled or lapsed — and
 * survives changes of the reservation's time or title, since neither is in it.
 */
import { createHmac } from 'node:crypto';

/** 128 bits of the HMAC, base64url: 22 characters in a link. */
export function viewerToken(key: string, reservationId: string, email: string): string {
  return createHmac('sha256', key)
    .update(`viewer\n${reservationId}\n${email.trim().toLowerCase()}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

/** The invitee a token belongs to among the reservation's current e-mail invitees, if any. */
export function tokenOwner(
  key: string,
  reservationId: string,
  emails: readonly string[],
  token: string,
): string | undefined {
  if (!/^[\w-]{22}$/.test(token)) return undefined;
  return emails.find((email) => viewerToken(key, reservationId, email) === token);
}

/** An invitee's personal watch link: the watch page with their token. */
export function personalWatchUrl(watchPageUrl: string, key: string, reservationId: string, email: string): string {
  return `${watchPageUrl}?t=${viewerToken(key, reservationId, email)}`;
}
