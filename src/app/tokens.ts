/**
 * API tokens: shown once at creation, stored as a SHA-256 hash. A token is 32 random bytes, so a
 * plain hash (no salt, no slow KDF) is enough: there is nothing to brute-force.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Actor } from '../domain/reservation.js';
import { isEmail } from '../domain/invitees.js';
import { invisibleCharacterIn } from '../domain/text.js';
import { isUniqueViolation } from '../store/sql.js';
import type { Db } from '../store/client.js';
import { fieldErrors, text } from './commands.js';
import type { Outcome } from './outcome.js';
import { invalid, ok } from './outcome.js';

export const TOKEN_PREFIX = 'slc_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface CreatedToken {
  name: string;
  admin: boolean;
  token: string;
}

export const tokenSchema = z.object({
  name: text('The name')
    .trim()
    .regex(/^[\w .@-]{1,64}$/, 'The name needs 1 to 64 letters, digits, spaces, dots, dashes, @ or underscores.'),
  admin: z.boolean(),
  email: text('The e-mail address')
    .trim()
    .superRefine((value, context) => {
      const hidden = invisibleCharacterIn(value);
      if (hidden)
        context.addIssue({
          code: 'custom',
          message: `The e-mail address holds an invisible character (${hidden.codePoint}) at character ${hidden.position}: type it again without it.`,
        });
      else if (!isEmail(value))
        context.addIssue({ code: 'custom', message: `"${value}" is not a valid e-mail address.` });
    })
    .optional(),
});

export async function createToken(
  db: Db,
  input: { name: string; admin: boolean; email?: string },
): Promise<Outcome<CreatedToken>> {
  const parsed = tokenSchema.safeParse(input);
  if (!parsed.success) return invalid(fieldErrors(parsed.error));
  const { name, email } = parsed.data;
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  try {
    await db.apiToken.create({
      data: { name, admin: input.admin, email: email ?? null, tokenHash: hashToken(token) },
    });
  } catch (error) {
    if (isUniqueViolation(error, 'name'))
      return invalid([{ field: 'name', message: `A token named "${name}" exists already.` }]);
    throw error;
  }
  return ok({ name, admin: input.admin, token });
}

/** The actor a bearer token stands for, or undefined when the token is unknown. */
export async function authenticateToken(db: Db, token: string): Promise<Actor | undefined> {
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!row) return undefined;
  return { platform: 'api', tenantId: 'api', userId: row.id, name: row.name, isAdmin: row.admin, email: row.email };
}

/** The actor an API token stands for, found by the token's name (the operator's `slotcast open --as NAME`). */
export async function actorOfTokenName(db: Db, name: string): Promise<Actor | undefined> {
  const row = await db.apiToken.findUnique({ where: { name } });
  if (!row) return undefined;
  return { platform: 'api', tenantId: 'api', userId: row.id, name: row.name, isAdmin: row.admin, email: row.email };
}
