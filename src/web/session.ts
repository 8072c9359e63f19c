/**
 * The browser session's cookie: the session token (random, its SHA-256 in web_session), HttpOnly
 * so no script reads it, SameSite=Lax so other sites' forms do not carry it, Secure behind https.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'slotcast_session';

export interface CookieSettings {
  /** PUBLIC_URL is https: cookies only over TLS. */
  secure: boolean;
}

export function setSessionCookie(
  reply: FastifyReply,
  settings: CookieSettings,
  session: { token: string; expiresAt: Date },
  now: Date,
): void {
  reply.setCookie(SESSION_COOKIE, session.token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: settings.secure,
    maxAge: Math.max(0, Math.floor((session.expiresAt.getTime() - now.getTime()) / 1000)),
  });
}

export function clearSessionCookie(reply: FastifyReply, settings: CookieSettings): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: settings.secure });
}

export function sessionToken(request: FastifyRequest): string | undefined {
  const value = request.cookies[SESSION_COOKIE];
  return value ? value : undefined;
}

/**
 * What binds a form's CSRF token to the session it was made for (the plugin's `userInfo`): a
 * token lifted from one session does not work in another, even with the other's CSRF cookie.
 */
export function sessionBinding(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`csrf:${sessionToken(request) ?? ''}`)
    .digest('base64url');
}
