/**
 * The frame of every page: language, viewport, the stylesheet, a skip link, the header with who
 * is signed in (and a sign-out form), one <main>, and the page's scripts at the end.
 */
import type { Actor } from '../domain/reservation.js';
import type { AssetName } from './assets.js';
import type { Html } from './html.js';
import { html, jsonBlock } from './html.js';
import { MOMENT_FORMAT } from './words.js';

export interface Frame {
  asset: (name: AssetName) => string;
  /** The signed-in actor, if any. */
  actor?: Actor | undefined;
  /** The CSRF token for this session's forms (the sign-out form needs one too). */
  csrf?: string | undefined;
  /** The locale moments are written in before time.js rewrites them (the request's Accept-Language). */
  locale?: string | undefined;
}

export interface PageContent {
  title: string;
  main: Html;
  /** A wider main column (the timeline). */
  wide?: boolean;
  scripts?: AssetName[];
}

/** A hidden field with the form's CSRF token (@fastify/csrf-protection reads `_csrf`). */
export function csrfField(csrf: string | undefined): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf ?? ''}">`;
}

export function page(frame: Frame, content: PageContent): string {
  const who = frame.actor
    ? html`<div class="who"><span>Signed in as <strong>${frame.actor.name}</strong>${frame.actor.isAdmin ? ' (admin)' : ''}</span>
        <form method="post" action="/signout">${csrfField(frame.csrf)}<button type="submit">Sign out</button></form></div>`
    : '';
  const scripts = ['time.js' as const, ...(content.scripts ?? [])].map(
    (name) => html`<script src="${frame.asset(name)}" defer></script>`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${content.title} · Slotcast</title>
<link rel="icon" href="${frame.asset('favicon.svg')}" type="image/svg+xml">
<link rel="stylesheet" href="${frame.asset('slotcast.css')}">
<script type="application/json" id="moment-format">${jsonBlock(MOMENT_FORMAT)}</script>
${scripts}
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header class="site">
  <a class="brand" href="/timeline">Slotcast</a>
  <nav aria-label="Pages">${frame.actor ? html`<a href="/timeline">Timeline</a>` : ''}</nav>
  ${who}
</header>
<main id="main" tabindex="-1"${content.wide ? html` class="wide"` : ''}>
${content.main}
</main>
</body>
</html>`.markup;
}

/** A page that only says something: a link that was used, a page that needs signing in, a 404. */
export function messagePage(frame: Frame, title: string, paragraphs: Array<Html | string>): string {
  return page(frame, {
    title,
    main: html`<h1>${title}</h1>${paragraphs.map((paragraph) => html`<p>${paragraph}</p>`)}`,
  });
}
