/**
 * Sign-in links and browser sessions of the web pages (plain SQL). Rows hold the SHA-256 of a
 * token, never the token; the caller hashes.
 */
import type { Actor, Platform } from '../domain/reservation.js';
import type { Sql } from './sql.js';
import { statement } from './sql.js';

interface ActorColumns {
  actor_platform: Platform;
  actor_tenant_id: string;
  actor_user_id: string;
  actor_name: string;
  actor_admin: boolean;
  actor_email: string | null;
}

function actorOf(row: ActorColumns): Actor {
  return {
    platform: row.actor_platform,
    tenantId: row.actor_tenant_id,
    userId: row.actor_user_id,
    name: row.actor_name,
    isAdmin: row.actor_admin,
    email: row.actor_email,
  };
}

const actorValues = (actor: Actor) => [
  actor.platform,
  actor.tenantId,
  actor.userId,
  actor.name,
  actor.isAdmin,
  actor.email ?? null,
];

export async function insertWebLink(
  sql: Sql,
  link: { id: string; tokenHash: string; actor: Actor; reservationCode: string | null; expiresAt: Date; now: Date },
): Promise<void> {
  await sql.query(
    statement(
      `INSERT INTO web_link (id, token_hash, actor_platform, actor_tenant_id, actor_user_id, actor_name, actor_admin,
         actor_email, reservation_code, expires_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [link.id, link.tokenHash, ...actorValues(link.actor), link.reservationCode, link.expiresAt, link.now],
    ),
  );
}

export interface UsedLink {
  id: string;
  actor: Actor;
  reservationCode: string | null;
}

/**
 * Marks the link used, if it is unused and unexpired at `now`, and returns it. One statement: of
 * two browsers opening the same link at once, exactly one gets it.
 */
export async function useWebLink(sql: Sql, tokenHash: string, now: Date): Promise<UsedLink | undefined> {
  const { rows } = await sql.query<ActorColumns & { id: string; reservation_code: string | null }>(
    statement(
      `UPDATE web_link SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
       RETURNING id, reservation_code, actor_platform, actor_tenant_id, actor_user_id, actor_name, actor_admin, actor_email`,
      [tokenHash, now],
    ),
  );
  const row = rows[0];
  return row && { id: row.id, actor: actorOf(row), reservationCode: row.reservation_code };
}

/** Why a link could not be used: when it was used, or when it expired. */
export async function webLinkState(
  sql: Sql,
  tokenHash: string,
): Promise<{ usedAt: Date | null; expiresAt: Date } | undefined> {
  const { rows } = await sql.query<{ used_at: Date | null; expires_at: Date }>(
    statement(`SELECT used_at, expires_at FROM web_link WHERE token_hash = $1`, [tokenHash]),
  );
  const row = rows[0];
  return row && { usedAt: row.used_at, expiresAt: row.expires_at };
}

export async function insertWebSession(
  sql: Sql,
  session: { id: string; tokenHash: string; linkId: string | null; actor: Actor; expiresAt: Date; now: Date },
): Promise<void> {
  await sql.query(
    statement(
      `INSERT INTO web_session (id, token_hash, link_id, actor_platform, actor_tenant_id, actor_user_id, actor_name,
         actor_admin, actor_email, expires_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [session.id, session.tokenHash, session.linkId, ...actorValues(session.actor), session.expiresAt, session.now],
    ),
  );
}

/** The actor of a session that has not expired at `now`. */
export async function sessionActor(sql: Sql, tokenHash: string, now: Date): Promise<Actor | undefined> {
  const { rows } = await sql.query<ActorColumns>(
    statement(
      `SELECT actor_platform, actor_tenant_id, actor_user_id, actor_name, actor_admin, actor_email
       FROM web_session WHERE token_hash = $1 AND expires_at > $2`,
      [tokenHash, now],
    ),
  );
  return rows[0] && actorOf(rows[0]);
}

export async function deleteWebSession(sql: Sql, tokenHash: string): Promise<void> {
  await sql.query(statement(`DELETE FROM web_session WHERE token_hash = $1`, [tokenHash]));
}

/**
 * Forgets sessions and links that expired before `before`. Links are kept a while after they
 * expire, so that opening one late still says "expired" (or "already used") instead of "unknown".
 */
export async function pruneWebAccess(sql: Sql, before: Date): Promise<void> {
  await sql.query(statement(`DELETE FROM web_session WHERE expires_at < $1`, [before]));
  await sql.query(statement(`DELETE FROM web_link WHERE expires_at < $1`, [before]));
}

/** The key the web pages sign cookies and key CSRF tokens with (made by the migration). */
export async function webCookieKey(sql: Sql): Promise<string> {
  const { rows } = await sql.query<{ value: string }>(
    statement(`SELECT value FROM service_secret WHERE name = 'web_cookie'`, []),
  );
  if (!rows[0]) throw new Error('The web cookie key is missing: run the migrations (npx slotcast migrate).');
  return rows[0].value;
}
