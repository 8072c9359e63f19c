/**
 * The web pages as Fastify routes (issue 11): sign-in links and sessions, the organizer's card,
 * the timeline, and their static files. Routes parse and validate, call one use case through the
 * WebPort, and render: the web is a third front end over the same rules as Slack and Discord.
 *
 * Every form carries a CSRF token (@fastify/csrf-protection, its secret in a signed cookie and
 * the token bound to the session); every POST checks it before anything else happens.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_ZONE } from '../chat/zones.js';
import type { Actor } from '../domain/reservation.js';
import { THEN_RECONFIRM } from '../app/web-access.js';
import { coerceError } from '../log.js';
import type { AssetName } from './assets.js';
import { ASSETS_PREFIX, OWN_ASSETS_DIR, VENDOR_DIRS, VENDOR_FILES, VENDOR_PREFIX, assetUrls } from './assets.js';
import { html } from './html.js';
import type { Frame } from './layout.js';
import { messagePage } from './layout.js';
import { registerOrganizerRoutes } from './organizer-routes.js';
import type { WebPort } from './port.js';
import { clearSessionCookie, sessionBinding, sessionToken, setSessionCookie } from './session.js';
import { registerTimelineRoutes } from './timeline-routes.js';
import type { WatchSettings } from './watch-routes.js';
import { registerWatchRoutes } from './watch-routes.js';
import { localeOf, timeTag } from './words.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the session cookie signs in, when it is valid. */
    webActor: Actor | undefined;
  }
}

export interface WebSettings {
  port: WebPort;
  /** PUBLIC_URL is https: cookies are Secure. */
  secure: boolean;
  /** Signs the CSRF cookie and keys the CSRF tokens; the same in every process of the service. */
  secret: string;
  watch: WatchSettings;
}

/** What every page handler needs. */
export interface WebContext extends WebSettings {
  asset: (name: AssetName) => string;
  /** The page frame for this request: who is signed in, and a CSRF token for its forms. */
  frame(request: FastifyRequest, reply: FastifyReply): Frame;
  /** The zone times are written in before the browser rewrites them: the reader's chat setting, or UTC. */
  zoneOf(actor: Actor | undefined): Promise<string>;
  /** A page that needs a session, for a request without one. */
  signInPage(request: FastifyRequest, reply: FastifyReply, code?: string): FastifyReply;
}

const HTML = 'text/html; charset=utf-8';
const FAVICON = readFileSync(join(OWN_ASSETS_DIR, 'favicon.svg'));
/** A year: asset URLs carry their content's hash, so a changed file is a new URL. */
const ASSET_MAX_AGE_MS = 365 * 86_400_000;

export function sendPage(reply: FastifyReply, status: number, markup: string): FastifyReply {
  return reply.code(status).header('content-type', HTML).header('cache-control', 'no-store').send(markup);
}

export async function webRoutes(app: FastifyInstance, settings: WebSettings): Promise<void> {
  const asset = assetUrls();
  // The service may already parse cookies and forms for everything (src/http); here only if not.
  if (!app.hasDecorator('parseCookie')) await app.register(fastifyCookie, { secret: settings.secret });
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(fastifyFormbody);
  // Security headers. The players play through Media Source Extensions (blob: media URLs), and
  // personal watch links carry their token in the query: no Referer leaves a page.
  // Servers may be added while the service runs: the list is read per response.
  const mediaOrigins = () => settings.watch.mediaOrigins?.().join(' ') || "'self'";
  if (!app.hasReplyDecorator('helmet')) {
    await app.register(fastifyHelmet, {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          // nginx-rtmp's HLS comes from the media server's origin (hls.js fetches it; Safari plays it natively).
          mediaSrc: ["'self'", 'blob:', mediaOrigins],
          workerSrc: ["'self'", 'blob:'],
          connectSrc: ["'self'", mediaOrigins],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
    });
  }
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'slotcast_csrf',
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure: settings.secure, signed: true },
    getUserInfo: sessionBinding,
    csrfOpts: { hmacKey: settings.secret },
  });
  await app.register(fastifyStatic, {
    root: OWN_ASSETS_DIR,
    prefix: ASSETS_PREFIX,
    maxAge: ASSET_MAX_AGE_MS,
    immutable: true,
    index: false,
    wildcard: false,
  });
  const vendorNames = new Set(Object.keys(VENDOR_FILES));
  await app.register(fastifyStatic, {
    root: VENDOR_DIRS,
    prefix: VENDOR_PREFIX,
    decorateReply: false,
    maxAge: ASSET_MAX_AGE_MS,
    immutable: true,
    index: false,
    // Only the two players, nothing else of node_modules.
    allowedPath: (pathName) => vendorNames.has(pathName.replace(/^\//, '')),
  });

  app.decorateRequest('webActor', undefined);
  app.addHook('onRequest', async (request) => {
    const token = sessionToken(request);
    request.webActor = token ? await settings.port.sessionActor(token) : undefined;
  });

  const context: WebContext = {
    ...settings,
    asset,
    frame: (request, reply) => ({
      asset,
      actor: request.webActor,
      // Anonymous pages have forms too (the watch page's passcode).
      csrf: reply.generateCsrf({ userInfo: sessionBinding(request) }),
      locale: localeOf(request.headers['accept-language']),
    }),
    zoneOf: async (actor) => {
      if (!actor || actor.platform === 'api') return DEFAULT_ZONE;
      return (await settings.port.chat.zone(actor)).zone;
    },
    signInPage: (request, reply, code) =>
      sendPage(
        reply,
        401,
        messagePage(context.frame(request, reply), 'Sign in to see this page', [
          html`Slotcast's pages open with a sign-in link, asked for where you already are: type
            <code>/reserve open${code ? ` ${code}` : ''}</code> in Slack or Discord (the link is shown to you alone), or ask an
            operator to run <code>npx slotcast open${code ? ` ${code}` : ''} --as …</code>.`,
          'Organizers who book through the API find such links in the e-mails that ask them to reconfirm.',
          'A link works once; the browser then stays signed in for the day.',
        ]),
      ),
  };

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return sendPage(
        reply,
        403,
        messagePage(context.frame(request, reply), 'This form could not be accepted', [
          'It did not come with this browser’s own token — it may be old, or sent from another site. Nothing was changed.',
          html`Go back, reload the page and try again.`,
        ]),
      );
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendPage(
        reply,
        error.statusCode,
        messagePage(context.frame(request, reply), 'That request could not be read', [error.message]),
      );
    }
    request.log.error({ error: coerceError(error).message, path: request.routeOptions.url }, 'web page failed');
    return sendPage(
      reply,
      500,
      messagePage(context.frame(request, reply), 'Something went wrong on our side', [
        'It has been logged. Try again in a moment.',
      ]),
    );
  });

  registerAccessRoutes(app, context);
  registerOrganizerRoutes(app, context);
  registerTimelineRoutes(app, context);
  registerWatchRoutes(app, context, settings.watch);
}

/** `/open/<token>` (a sign-in link) and sign-out. */
function registerAccessRoutes(app: FastifyInstance, context: WebContext): void {
  app.get<{ Params: { token: string }; Querystring: { then?: string } }>('/open/:token', async (request, reply) => {
    const opened = await context.port.redeemLink(request.params.token);
    const frame = context.frame(request, reply);
    if (opened.ok) {
      setSessionCookie(reply, context, opened.session, context.port.chat.clock());
      // An e-mail's Reconfirm link lands on the card asking for the press (a fixed word, nothing
      // of the query is reflected); opening a link never acts, so a mail scanner changes nothing.
      const asking = request.query.then === THEN_RECONFIRM && opened.next.startsWith('/r/');
      return reply
        .code(303)
        .header('cache-control', 'no-store')
        .redirect(asking ? `${opened.next}?ask=${THEN_RECONFIRM}` : opened.next);
    }
    const again = html`Ask for a new one: type <code>/reserve open</code> in Slack or Discord, or ask an operator to run <code>npx slotcast open --as …</code>. A link from an e-mail works once too: the next e-mail about the reservation brings new ones.`;
    switch (opened.reason) {
      case 'used':
        return sendPage(
          reply,
          410,
          messagePage(frame, 'This link was already used', [
            html`It was opened on ${timeTag(opened.usedAt, 'UTC', frame.locale)}. A sign-in link works once, in one browser.`,
            again,
          ]),
        );
      case 'expired':
        return sendPage(
          reply,
          410,
          messagePage(frame, 'This link has expired', [
            html`It could be used until ${timeTag(opened.expiredAt, 'UTC', frame.locale)}. Sign-in links asked for in chat last a few minutes; those in e-mails until the reservation’s deadline or end.`,
            again,
          ]),
        );
      case 'unknown':
        return sendPage(
          reply,
          404,
          messagePage(frame, 'This is not a sign-in link', ['Check that the whole link was copied.', again]),
        );
    }
  });

  app.post('/signout', { preHandler: app.csrfProtection }, async (request, reply) => {
    const token = sessionToken(request);
    if (token) await context.port.endSession(token);
    clearSessionCookie(reply, context);
    request.webActor = undefined;
    return sendPage(
      reply,
      200,
      messagePage(context.frame(request, reply), 'Signed out', ['This browser is no longer signed in.']),
    );
  });

  app.get('/', async (_request, reply) => reply.redirect('/timeline'));
  // Browsers ask for /favicon.ico whatever the page links to (tabs, bookmarks, a plain file view):
  // the same icon, so no page load ends in a 404.
  app.get('/favicon.ico', async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=86400').type('image/svg+xml').send(FAVICON),
  );
}
