/**
 * What the real-stream tests share (embedded, nginx-rtmp): booking a slot through the REST API as
 * the organizer, publishing to the ingest it gives, and reading the reservation back.
 */
import type { TestService } from './service.js';
import type { ApiAnswer } from './api.js';
import type { Publisher } from './stream.js';
import { publish } from './stream.js';
import { waitFor } from './fixtures.js';

export interface Booked {
  id: string;
  code: string;
  passcode: string;
  /** What the API gives the organizer: ffmpeg publishes to ingest.url + '/' + ingest.streamKey. */
  ingest: { url: string; streamKey: string };
  startsAt: Date;
  endsAt: Date;
}

export interface LiveOptions {
  world: () => TestService;
  api: (method: string, path: string, body?: unknown) => Promise<ApiAnswer>;
  /** The server every slot is booked on. */
  server: string;
  title: string;
  /** The set-up/teardown buffer of that server: its window opens at start − buffer. */
  bufferMs: number;
  /** Every secret the test saw goes here, to look for in the logs at the end. */
  secrets: Set<string>;
}

export function liveHelpers({ world, api, server, title, bufferMs, secrets }: LiveOptions) {
  const publishers: Publisher[] = [];
  return {
    /** A slot starting `startInMs` from now, reconfirmed unless said otherwise. */
    async book(startInMs: number, lengthMs: number, options: { emails?: string[]; reconfirm?: boolean } = {}) {
      const startsAt = new Date(Date.now() + startInMs);
      const endsAt = new Date(startsAt.getTime() + lengthMs);
      const created = await api('POST', '/reservations', {
        server,
        title,
        startsAt: startsAt.toISOString(),
        endsAt: endsAt.toISOString(),
        emails: options.emails ?? [],
      });
      if (created.status !== 201) throw new Error(JSON.stringify(created.body));
      const { id, code, passcode, ingest } = created.body.reservation;
      if (options.reconfirm !== false) {
        const reconfirmed = await api('POST', `/reservations/${id}/reconfirm`);
        if (reconfirmed.status !== 200) throw new Error(JSON.stringify(reconfirmed.body));
      }
      secrets.add(passcode);
      secrets.add(ingest.streamKey);
      return { id, code, passcode, ingest, startsAt, endsAt } as Booked;
    },
    ingestOf: (booked: Booked) => `${booked.ingest.url}/${booked.ingest.streamKey}`,
    /** ffmpeg publishing `seconds` to `url`; stopped by `stopPublishers`. */
    start(url: string, seconds = 60) {
      const publisher = publish(url, seconds);
      publishers.push(publisher);
      return publisher;
    },
    async stopPublishers() {
      for (const publisher of publishers) await publisher.stop();
    },
    status: async (booked: Booked) =>
      (await world().db.prisma.reservation.findUniqueOrThrow({ where: { id: booked.id } })).status,
    sessionsOf: (booked: Booked) =>
      world().db.prisma.publishSession.findMany({ where: { reservationId: booked.id }, orderBy: { startedAt: 'asc' } }),
    windowOpen: (booked: Booked) => waitFor(() => Date.now() >= booked.startsAt.getTime() - bufferMs, 30_000),
    gate: () => world().service.streaming!.gate!,
    /** The key personal viewer tokens are made with (src/domain/viewer-token.ts). */
    tokenKey: async () =>
      (await world().db.prisma.serviceSecret.findUniqueOrThrow({ where: { name: 'viewer_token' } })).value,
  };
}
