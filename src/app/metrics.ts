/**
 * What the service counts and times, as the code that knows it reports it. The Prometheus
 * registry behind it (src/http/metrics.ts) is assembled by the composition root; everything else
 * sees only this interface, so the job queue, the gate and the tests need no metrics library.
 *
 * Figures that are state rather than events (outbox rows waiting, live streams, viewers) are not
 * reported here: the registry reads them from the database and the gate when it is scraped.
 */
import type { NotificationChannel } from '../domain/notifications.js';
import type { PublishDecision } from '../domain/admission.js';

export interface Metrics {
  /** A notification reached its recipient `seconds` after its use case queued it. */
  delivered(channel: NotificationChannel, seconds: number): void;
  /** A notification failed for good (after its retries, or at once when it cannot succeed). */
  deliveryFailed(channel: NotificationChannel): void;
  /** A streaming server asked to admit a publisher, and the gate decided. */
  publishDecided(decision: PublishDecision): void;
  /** An answered HTTP request, by route pattern (never the URL: it can hold tokens). */
  httpRequest(observation: { method: string; route: string; status: number; seconds: number }): void;
}

/** For tests and tools that count nothing. */
export const noMetrics: Metrics = {
  delivered: () => {},
  deliveryFailed: () => {},
  publishDecided: () => {},
  httpRequest: () => {},
};
