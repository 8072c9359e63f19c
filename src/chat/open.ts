/**
 * `/reserve open`: the words every chat front end answers with, around the sign-in link it got
 * from `ChatPort.openLink`. The link is the caller's alone: front ends answer it ephemerally.
 */
import type { IssuedLink } from '../app/web-access.js';

/** What the link opens, as a button or link label. */
export function openLabel(link: Pick<IssuedLink, 'next'>): string {
  const code = /^\/r\/(.+)$/.exec(link.next)?.[1];
  return code ? `Open ${code} in the browser` : 'Open the timeline in the browser';
}

/** The warning that goes with every link; `until` is the platform's way of writing the expiry. */
export function openNotice(until: string): string {
  return (
    `This link signs you in to Slotcast's web pages. It works once, until ${until}, and is yours alone: ` +
    "don't share it. Type `/reserve open` again for a new one."
  );
}
