/**
 * Refusals as chat front ends word them. Each platform chooses its titles and layout; the words
 * that carry a rule are here.
 */
import type { Refusal } from '../app/outcome.js';

/**
 * Whoever may not act on a reservation is told so, whatever the use case found: a button or a
 * form names a reservation its user has seen, so "not found" means "not yours" there, and the
 * answer does not reveal whether someone else's reservation exists. `admin` names the platform's
 * admins ("a workspace admin").
 */
export function notYours(admin: string): string {
  return `Only the organizer or ${admin} can do that. Nothing was changed.`;
}

export function refusalText(refusal: Refusal, admin: string): string {
  return refusal.reason === 'not_found' || refusal.reason === 'forbidden' ? notYours(admin) : refusal.message;
}
