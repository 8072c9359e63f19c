/**
 * Access to the web pages without passwords (issue 11). Someone already known to Slotcast — in
 * Slack or Discord (`/reserve open`), or an operator with an API token's name (`slotcast open`) —
 * asks for a sign-in link. The link is good for one use within a short time (15 minutes by
 * default); using it opens a browser session of its own (12 hours by default) for the same actor,
 * who then sees and may act on exactly what they may in chat, through the same use cases.
 *
 * Tokens are 32 random bytes: unguessable, so the SHA-256 stored is enough (nothing to brute
 * force, no salt needed; as src/app/tokens.ts). They are never logged; a link or a session is
 * logged by its row id only.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Actor } from '../domain/reservation.js';
import {
  deleteWebSession,
  insertWebLink,
  insertWebSession,
  pruneWebAccess,
  sessionActor,
  useWebLink,
  webLinkState,
} from '../store/web-access.js';
import { inTransaction } from '../store/sql.js';
import type { AppDeps } from './deps.js';
import type { Outcome } from './outcome.js';
import { ok } from './outcome.js';
import { getReservation } from './queries.js';

const LINK_PREFIX = 'wl_';
const SESSION_PREFIX = 'ws_';
/** Prefix + 32 bytes in base64url. */
const TOKEN_SHAPE = (prefix: string) => new RegExp(`^${prefix}[A-Za-z0-9_-]{43}$`);
/** How long a used or expired link is remembered, to say which it was. */
const REMEMBER_LINKS_MS = 7 * 86_400_000;

export const OPEN_PATH = '/open';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = (prefix: string) => prefix + randomBytes(32).toString('base64url');

/** Where a page lives: the reservation's organizer page, or the timeline. */
export function pagePath(reservationCode: string | null): string {
  return reservationCode ? `/r/${reservationCode}` : '/timeline';
}

export function pageUrl(deps: Pick<AppDeps, 'publicUrl'>, reservationCode: string | null): string {
  return deps.publicUrl() + pagePath(reservationCode);
}

export interface IssuedLink {
  /** `PUBLIC_URL/open/<token>`: secret, for the one person who asked. */
  url: string;
  expiresAt: Date;
  /** Where the link leads once opened. */
  next: string;
}

/**
 * A sign-in link for `actor`, leading to `reservation` (a code or id) when one is given — which
 * must be one the actor may see, else the refusal every verb gives (not found).
 */
export async function issueWebLink(
  deps: AppDeps,
  actor: Actor,
  options: { reservation?: string; usableUntil?: Date } = {},
): Promise<Outcome<IssuedLink>> {
  let code: string | null = null;
  if (options.reservation !== undefined) {
    const visible = await getReservation(deps, actor, options.reservation.trim());
    if (!visible.ok) return visible;
    code = visible.value.code;
  }
  const now = deps.clock();
  const token = newToken(LINK_PREFIX);
  const id = randomUUID();
  // A link read later than it is asked for (in an e-mail) may last longer; never shorter.
  const expiresAt = new Date(Math.max(now.getTime() + deps.web.linkTtlMs, options.usableUntil?.getTime() ?? 0));
  await insertWebLink(deps.pool, { id, tokenHash: hash(token), actor, reservationCode: code, expiresAt, now });
  // Two deletes on an index of a small table: cheap enough to do on every link.
  await pruneWebAccess(deps.pool, new Date(now.getTime() - REMEMBER_LINKS_MS));
  deps.log.info('web sign-in link issued', { link: id, platform: actor.platform, user: actor.userId });
  return ok({ url: `${deps.publicUrl()}${OPEN_PATH}/${token}`, expiresAt, next: pagePath(code) });
}

/** What an organizer's e-mail needs to carry links that sign its reader in. */
export interface MailedLinksRequest {
  organizer: Pick<Actor, 'platform' | 'tenantId' | 'userId' | 'name'>;
  /** The address the e-mail goes to: the organizer's own (organizerContact). */
  email: string;
  code: string;
  /** The Reconfirm link lasts until the deadline; absent, no Reconfirm link. */
  reconfirmBy?: Date;
  /** The Manage link lasts until the slot is over. */
  endsAt: Date;
}

/** `PUBLIC_URL/open/<token>?then=reconfirm`: the sign-in lands on the card with its Reconfirm button to press. */
export const THEN_RECONFIRM = 'reconfirm';

/**
 * The one-time links of an organizer's e-mail (permit prompt, reconfirm reminder), for organizers
 * who have no chat to type `/reserve open` in. Each signs its reader in as the organizer — never
 * as an admin, whatever their token may do — and leads to the reservation's page; neither acts on
 * the reservation by being opened, so a mail scanner that fetches them changes nothing.
 */
export async function issueMailedLinks(
  deps: AppDeps,
  request: MailedLinksRequest,
): Promise<Outcome<{ reconfirm?: string; manage: string }>> {
  const actor: Actor = { ...request.organizer, isAdmin: false, email: request.email };
  const issue = (usableUntil: Date) => issueWebLink(deps, actor, { reservation: request.code, usableUntil });
  const manage = await issue(request.endsAt);
  if (!manage.ok) return manage;
  if (!request.reconfirmBy) return ok({ manage: manage.value.url });
  const reconfirm = await issue(request.reconfirmBy);
  if (!reconfirm.ok) return reconfirm;
  return ok({ reconfirm: `${reconfirm.value.url}?then=${THEN_RECONFIRM}`, manage: manage.value.url });
}

export type LinkRedemption =
  | { ok: true; session: { token: string; expiresAt: Date }; actor: Actor; next: string }
  | { ok: false; reason: 'used'; usedAt: Date }
  | { ok: false; reason: 'expired'; expiredAt: Date }
  | { ok: false; reason: 'unknown' };

/** Uses a sign-in link: once, before it expires. Opens a session for its actor. */
export async function redeemWebLink(deps: AppDeps, token: string): Promise<LinkRedemption> {
  // Anything not shaped like a token was never issued: no need to ask the database.
  if (!TOKEN_SHAPE(LINK_PREFIX).test(token)) return { ok: false, reason: 'unknown' };
  const tokenHash = hash(token);
  const now = deps.clock();
  const opened = await inTransaction(deps.pool, async (sql) => {
    const link = await useWebLink(sql, tokenHash, now);
    if (!link) return undefined;
    const session = { token: newToken(SESSION_PREFIX), expiresAt: new Date(now.getTime() + deps.web.sessionTtlMs) };
    await insertWebSession(sql, {
      id: randomUUID(),
      tokenHash: hash(session.token),
      linkId: link.id,
      actor: link.actor,
      expiresAt: session.expiresAt,
      now,
    });
    return { link, session };
  });
  if (opened) {
    deps.log.info('web sign-in link used', { link: opened.link.id });
    return { ok: true, session: opened.session, actor: opened.link.actor, next: pagePath(opened.link.reservationCode) };
  }
  const state = await webLinkState(deps.pool, tokenHash);
  if (!state) return { ok: false, reason: 'unknown' };
  if (state.usedAt) return { ok: false, reason: 'used', usedAt: state.usedAt };
  return { ok: false, reason: 'expired', expiredAt: state.expiresAt };
}

/** The actor a session cookie stands for, or undefined when it is unknown or expired. */
export async function webSessionActor(deps: AppDeps, token: string): Promise<Actor | undefined> {
  if (!TOKEN_SHAPE(SESSION_PREFIX).test(token)) return undefined;
  return sessionActor(deps.pool, hash(token), deps.clock());
}

export async function endWebSession(deps: AppDeps, token: string): Promise<void> {
  if (TOKEN_SHAPE(SESSION_PREFIX).test(token)) await deleteWebSession(deps.pool, hash(token));
}
