/**
 * Text for Slack's mrkdwn. User text is escaped (only `&`, `<`, `>`, as Slack documents), so a
 * title cannot ping `<!channel>` or forge a `<https://evil|link>`. Times are date tokens, so every
 * reader sees them in their own zone.
 */

export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<!date^UNIX^{date_short_pretty} at {time}|fallback>`: rendered in the reader's zone; the fallback is UTC. */
export function dateToken(at: Date, format = '{date_short_pretty} at {time}'): string {
  const unix = Math.floor(at.getTime() / 1000);
  return `<!date^${unix}^${format}|${utcFallback(at)}>`;
}

/** Start and end: the end's date is left out when both fall on the same UTC day. */
export function rangeTokens(startsAt: Date, endsAt: Date): string {
  const sameDay = startsAt.toISOString().slice(0, 10) === endsAt.toISOString().slice(0, 10);
  return `${dateToken(startsAt)} – ${sameDay ? dateToken(endsAt, '{time}') : dateToken(endsAt)}`;
}

function utcFallback(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A link whose label is user text: the label is escaped and may not contain `|`. */
export function link(url: string, label?: string): string {
  const safeUrl = url.replace(/[<>|]/g, encodeURIComponent);
  return label === undefined ? `<${safeUrl}>` : `<${safeUrl}|${escapeText(label).replace(/\|/g, '¦')}>`;
}

export const mentionUser = (userId: string): string => `<@${userId}>`;
export const mentionChannel = (channelId: string): string => `<#${channelId}>`;

/** Cuts text to Slack's limits (section text 3000, plain_text headers 150, button labels 75). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
