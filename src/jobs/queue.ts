/**
 * A small typed wrapper around Agenda: each job name is tied to its payload's zod schema, so a
 * handler gets validated, typed data and a producer cannot enqueue the wrong shape.
 */
import type { Agenda, Job } from 'agenda';
import { z } from 'zod';

const reservationRef = z.object({ reservationId: z.uuid() });
const versioned = reservationRef.extend({ version: z.number().int().positive() });

export const JOB_PAYLOADS = {
  /** Remind the organizer to reconfirm (skipped when it no longer applies). */
  'reservation.reconfirm-reminder': versioned,
  /** Remind viewers shortly before the start. */
  'reservation.viewer-reminder': versioned,
  /** confirmed → live at the start. */
  'reservation.start': reservationRef,
  /** live → completed at the end. */
  'reservation.end': reservationRef,
  /** Nobody has streamed by start + NO_SHOW_AFTER: tell the organizer (once; skipped when it no longer applies). */
  'reservation.no-show': reservationRef,
  /** Deliver these outbox rows. */
  'outbox.deliver': z.object({ ids: z.array(z.uuid()).min(1) }),
  /** Tell the organizer which contacts could not be reached. */
  'outbox.report-failures': reservationRef,
  /** Re-enqueue outbox rows left pending (a crash between commit and enqueue, an expired lease). */
  'outbox.sweep': z.object({}).passthrough(),
} as const;

export type JobName = keyof typeof JOB_PAYLOADS;
export type JobPayload<N extends JobName> = z.output<(typeof JOB_PAYLOADS)[N]>;

export class JobQueue {
  constructor(readonly agenda: Agenda) {}

  /**
   * `lockLifetime`: how long a process that took the job and died keeps others from running it
   * (Agenda's default is 10 minutes).
   */
  define<N extends JobName>(
    name: N,
    handler: (data: JobPayload<N>) => Promise<void>,
    options: { concurrency?: number; lockLifetime?: number } = {},
  ): void {
    const schema = JOB_PAYLOADS[name];
    this.agenda.define(
      name,
      async (job: Job<unknown>) => {
        const parsed = schema.safeParse(job.attrs.data ?? {});
        // A malformed payload can never succeed: fail it loudly rather than retry it forever.
        if (!parsed.success) throw new Error(`Job ${name} has a malformed payload: ${parsed.error.issues[0]?.message}`);
        await handler(parsed.data as JobPayload<N>);
      },
      {
        concurrency: options.concurrency ?? 50,
        lockLimit: 0,
        ...(options.lockLifetime ? { lockLifetime: options.lockLifetime } : {}),
      },
    );
  }

  async now<N extends JobName>(name: N, data: JobPayload<N>): Promise<void> {
    await this.agenda.now(name, data);
  }

  async schedule<N extends JobName>(name: N, at: Date, data: JobPayload<N>): Promise<void> {
    await this.agenda.schedule(at, name, data);
  }

  /** Removes the reservation's pending jobs of these names. */
  async cancel(names: JobName[], reservationId: string): Promise<void> {
    await this.agenda.cancel({ names, data: { reservationId } });
  }
}
