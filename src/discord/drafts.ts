/**
 * What a user typed, kept for a while between interactions: the command's options until the
 * modal comes back, the modal's values so "Edit and try again" can reopen it filled in, and the
 * free slots offered after a refusal. In memory on purpose: a draft lives minutes, belongs to one
 * user, and only this process holds the gateway connection that receives its clicks. After a
 * restart the user is asked to start again.
 */
import type { Alternative } from '../app/outcome.js';

export interface FormValues {
  title: string;
  start: string;
  /** An end time or a duration, as typed. */
  end: string;
  emails: string;
  /** The change modal edits the description; the request modal takes it as a command option. */
  description?: string;
  channels?: string[];
}

export interface Draft {
  id: string;
  kind: 'new' | 'change';
  guildId: string;
  userId: string;
  /** change: the reservation being changed. */
  reservationId?: string;
  /** new: the command's options. */
  server?: string;
  passcode?: string;
  description?: string;
  values?: FormValues;
  /** After a refusal for time: what each slot button books. */
  alternatives?: Alternative[];
  /** The submission the slots were offered for; booking one reuses its request key. */
  requestKey?: string;
  touchedAt: number;
}

const TTL_MS = 30 * 60_000;
const MAX_DRAFTS = 5_000;

export class Drafts {
  private readonly drafts = new Map<string, Draft>();

  constructor(private readonly now: () => number = Date.now) {}

  put(draft: Omit<Draft, 'touchedAt'>): Draft {
    this.prune();
    const stored = { ...draft, touchedAt: this.now() };
    this.drafts.delete(draft.id);
    this.drafts.set(draft.id, stored);
    return stored;
  }

  /** The draft if it exists, has not expired and belongs to this user. */
  get(id: string, userId: string): Draft | undefined {
    const draft = this.drafts.get(id);
    if (!draft || draft.userId !== userId || this.now() - draft.touchedAt > TTL_MS) return undefined;
    return draft;
  }

  private prune(): void {
    const cutoff = this.now() - TTL_MS;
    for (const [id, draft] of this.drafts) {
      // Insertion order is touch order: stop at the first fresh one.
      if (draft.touchedAt >= cutoff && this.drafts.size < MAX_DRAFTS) break;
      this.drafts.delete(id);
    }
  }
}
