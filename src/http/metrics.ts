/**
 * GET /metrics in the Prometheus text format (prom-client), one registry per service.
 *
 * Events are counted as they happen (src/app/metrics.ts is the port the rest of the code sees);
 * state — outbox rows waiting or failed, live streams, viewers — is read when Prometheus scrapes,
 * so it is right after a restart and across processes sharing the database.
 *
 * Who may read it: with METRICS_TOKEN set, whoever sends `Authorization: Bearer <token>`;
 * without, requests from loopback that no proxy forwarded (a reverse proxy on the same host
 * connects from loopback too, but says so in X-Forwarded-For or Forwarded).
 */
import { sameSecret } from '../app/secrets.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CommittedEvent, CommitListener } from '../app/events.js';
import type { Metrics } from '../app/metrics.js';
import type { PublishDecision } from '../domain/admission.js';
import type { NotificationChannel } from '../domain/notifications.js';
import type { Sql } from '../store/sql.js';
import { outboxBacklog } from '../store/notifications.js';
import { HttpError } from './json.js';

/** Who streams to and watches which reservation right now, fleet-wide (the gate reads the database). */
export type StreamActivity = () => Promise<Array<{ code: string; publishers: number; viewers: number }>>;

// Delivery takes from milliseconds (a file, a local SMTP) to hours (retries with backoff).
const DELIVERY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 1800, 3600, 4 * 3600, 24 * 3600];
// A deadline clock that works lapses within milliseconds; seconds mean a backlog or an outage.
const LATENESS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  // Set once streaming has started; none while it is off.
  private streams: StreamActivity = async () => [];

  private readonly deliveryLatency = new Histogram({
    name: 'slotcast_delivery_latency_seconds',
    help: 'From the commit that queued a notification to its delivery, by channel.',
    labelNames: ['channel'],
    buckets: DELIVERY_BUCKETS,
    registers: [this.registry],
  });
  private readonly deliveryFailures = new Counter({
    name: 'slotcast_delivery_failures_total',
    help: 'Notifications that failed for good, by channel.',
    labelNames: ['channel'],
    registers: [this.registry],
  });
  private readonly lapses = new Counter({
    name: 'slotcast_lapses_total',
    help: 'Reservations that lapsed unconfirmed at their reconfirmation deadline.',
    registers: [this.registry],
  });
  private readonly deadlineLateness = new Histogram({
    name: 'slotcast_deadline_lateness_seconds',
    help: 'How long after its reconfirmation deadline a reservation was lapsed.',
    buckets: LATENESS_BUCKETS,
    registers: [this.registry],
  });
  private readonly publishes = new Counter({
    name: 'slotcast_publish_decisions_total',
    help: 'Publish attempts on enforcing streaming servers: admitted, or refused with the reason.',
    labelNames: ['outcome', 'reason'],
    registers: [this.registry],
  });
  private readonly http = new Histogram({
    name: 'slotcast_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  /** Lapses are use-case events: counted from the commits, in the process that lapsed them. */
  readonly onCommit: CommitListener = (event: CommittedEvent) => {
    if (event.kind !== 'lapsed') return;
    this.lapses.inc();
    const lateMs = Date.now() - event.reservation.reconfirmDeadline.getTime();
    this.deadlineLateness.observe(Math.max(0, lateMs) / 1_000);
  };

  /** `sql` is read when Prometheus scrapes (the outbox backlog). */
  constructor(sql: Sql) {
    collectDefaultMetrics({ register: this.registry });
    const metrics = this;
    new Gauge({
      name: 'slotcast_outbox_rows',
      help: 'Outbox rows waiting to be delivered (pending) or given up on (failed), by channel.',
      labelNames: ['channel', 'status'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of await outboxBacklog(sql)) this.set({ channel: row.channel, status: row.status }, row.count);
      },
    });
    new Gauge({
      name: 'slotcast_live_streams',
      help: 'Reservations with a publisher admitted right now, by any instance.',
      registers: [this.registry],
      async collect() {
        this.set((await metrics.streams()).filter((stream) => stream.publishers > 0).length);
      },
    });
    new Gauge({
      name: 'slotcast_stream_viewers',
      help: 'Viewers admitted right now, by reservation code.',
      labelNames: ['reservation'],
      registers: [this.registry],
      async collect() {
        // Reset first: a stream that ended must drop out, not stay at its last count.
        const streams = await metrics.streams();
        this.reset();
        for (const stream of streams) if (stream.viewers > 0) this.set({ reservation: stream.code }, stream.viewers);
      },
    });
  }

  /** Reads live streams and viewers from here from now on (the gate, once streaming runs). */
  watchStreams(streams: StreamActivity): void {
    this.streams = streams;
  }

  delivered(channel: NotificationChannel, seconds: number): void {
    this.deliveryLatency.observe({ channel }, Math.max(0, seconds));
  }

  deliveryFailed(channel: NotificationChannel): void {
    this.deliveryFailures.inc({ channel });
  }

  publishDecided(decision: PublishDecision): void {
    if (decision.admitted) this.publishes.inc({ outcome: 'admitted', reason: '' });
    else this.publishes.inc({ outcome: 'refused', reason: decision.reason });
  }

  httpRequest({ method, route, status, seconds }: { method: string; route: string; status: number; seconds: number }) {
    this.http.observe({ method, route, status_code: String(status) }, seconds);
  }
}

/** GET /metrics, for those `metricsAccess` lets in. */
export async function metricsRoutes(
  app: FastifyInstance,
  { metrics, token }: { metrics: PrometheusMetrics; token: string | undefined },
): Promise<void> {
  app.get('/metrics', async (request, reply) => {
    const refusal = metricsAccess(request, token);
    if (refusal) throw refusal;
    const body = await metrics.registry.metrics();
    return reply.header('cache-control', 'no-store').type(metrics.registry.contentType).send(body);
  });
}

/** Undefined when the request may read the metrics; else the error to answer with. */
export function metricsAccess(request: FastifyRequest, token: string | undefined): HttpError | undefined {
  if (token !== undefined) {
    const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    return sameSecret(given, token)
      ? undefined
      : new HttpError(401, 'unauthorized', 'Send the metrics token as "Authorization: Bearer <METRICS_TOKEN>".');
  }
  const proxied = request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
  const loopback = /^(127\.|::1$|::ffff:127\.)/.test(request.socket.remoteAddress ?? '');
  return loopback && !proxied
    ? undefined
    : new HttpError(
        403,
        'forbidden',
        'Metrics are served on loopback only; set METRICS_TOKEN to read them from elsewhere.',
      );
}
