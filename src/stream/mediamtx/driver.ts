/**
 * The mediamtx kind (issue 9): MediaMTX with `authMethod: http` asks Slotcast before every publish
 * and read (src/stream/mediamtx/hooks.ts); this driver ends publishes through MediaMTX's control
 * API and notices when a publisher has gone.
 *
 * Paths. A stream lives at `live/<RESERVATION CODE>`, not at its stream key: viewers read the
 * same path a publisher writes to, and a path holding the key would hand every viewer the key.
 * The key travels as the publisher's credential — `?token=` for RTMP and RTSP, the password for
 * SRT, a Bearer token for WHIP — so OBS gets Server `rtmp://host:1935/live` and Stream key
 * `R-XXXX?token=sk_…`, and `ingest.url + '/' + ingest.streamKey` is exactly what it publishes to.
 * A publish to `live/<stream key>` (what a bare `ingestBaseUrl/streamKey` gives) is admitted by
 * the same rules, but viewers cannot find it by code.
 *
 * Publish end. `authMethod: http` has no "done" call. MediaMTX's `runOnNotReady` could curl us,
 * but its official image has no curl, a call lost while Slotcast restarts would leave a ghost
 * publisher that refuses the organizer's reconnect ("already streaming") until the window ends,
 * and it needs the secret in a shell command. So the driver polls `GET /v3/paths/list` (one
 * request per server, every protocol at once): a publisher the gate admitted whose connection is
 * no path's source any more has ended. A publish for a reservation the gate still sees streamed
 * checks the list first (`settle`), so a quick reconnect is not refused for its own ghost.
 */
import { RepeatedErrors } from '../../jobs/repeated-errors.js';
import type { Logger } from '../../log.js';
import { coerceError } from '../../log.js';
import type { PublisherSession, StreamDriver, StreamMedia, ViewerCredential } from '../driver.js';
import type { StreamGate } from '../gate.js';

/** The prefix of every path Slotcast gates; the generated configuration serves only these. */
export const MEDIAMTX_APP = 'live';

/** The control API's collection for each kind of publisher (`/v3/<collection>/kick/{id}`). */
const COLLECTION_BY_PROTOCOL: Record<string, string> = {
  rtmp: 'rtmpconns',
  rtmps: 'rtmpsconns',
  rtsp: 'rtspsessions',
  rtsps: 'rtspssessions',
  srt: 'srtconns',
  webrtc: 'webrtcsessions',
};
/** The same by the source types `/v3/paths/list` reports (rtmps publishers authenticate as rtmp). */
const COLLECTION_BY_SOURCE: Record<string, string> = {
  rtmpConn: 'rtmpconns',
  rtmpsConn: 'rtmpsconns',
  rtspSession: 'rtspsessions',
  rtspsSession: 'rtspssessions',
  srtConn: 'srtconns',
  webRTCSession: 'webrtcsessions',
};

export interface MediamtxDriverOptions {
  server: { id: string; controlUrl: string | null; mediaBaseUrl?: string | null };
  log: Logger;
  /** How often the path list is read (default 2 s): how late a publisher's own disconnect is noticed. */
  pollEveryMs?: number;
  /**
   * How long an admitted publisher may be missing from the list before it counts as gone
   * (default 10 s): MediaMTX lists the path once the stream's tracks are set up, after the auth.
   */
  startGraceMs?: number;
  /** Each control request's timeout (default 2 s). */
  timeoutMs?: number;
}

interface Source {
  type: string;
  path: string;
}

interface Tracked {
  collection: string;
  admittedAt: number;
  /** Seen as a path's source at least once: missing after that means gone at once. */
  seen: boolean;
}

export class MediamtxDriver implements StreamDriver {
  readonly kind = 'mediamtx' as const;
  // The API not answering is not the publisher gone: this driver ends those it sees gone.
  readonly endsWhenSilent = false;
  private readonly tracked = new Map<string, Tracked>();
  private readonly controlUrl: string | undefined;
  private readonly pollEveryMs: number;
  private readonly startGraceMs: number;
  private readonly timeoutMs: number;
  private gate: StreamGate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** Publishers the last read listed that the gate had not admitted here. */
  private strays = new Set<string>();
  /**
   * A MediaMTX that is down fails every read (every 2 s): said once a minute, and once when it
   * answers again. The same for comparing what it lists with the database while that is away.
   */
  private readonly unreachable: RepeatedErrors;
  private readonly comparing: RepeatedErrors;

  constructor(private readonly options: MediamtxDriverOptions) {
    this.controlUrl = options.server.controlUrl?.replace(/\/+$/, '') || undefined;
    this.pollEveryMs = options.pollEveryMs ?? 2_000;
    this.startGraceMs = options.startGraceMs ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 2_000;
    this.unreachable = new RepeatedErrors(options.log, 'reading MediaMTX paths failed; retrying');
    this.comparing = new RepeatedErrors(options.log, 'comparing MediaMTX publishers failed; retrying');
  }

  /** How many admitted publishers the driver watches. */
  get publishing(): number {
    return this.tracked.size;
  }

  get serverId(): string {
    return this.options.server.id;
  }

  cut(session: PublisherSession): void {
    const tracked = this.tracked.get(session.clientId);
    this.tracked.delete(session.clientId);
    const collection = tracked?.collection ?? 'rtmpconns';
    void this.kick(collection, session.clientId);
  }

  /**
   * The watch page's player reads MediaMTX's HLS (on its media URL) with the viewer's credential
   * in the query: MediaMTX authorises the playlist through our hook and carries the session to
   * the segments itself.
   */
  media(reservation: { code: string }, credential: ViewerCredential): StreamMedia | undefined {
    const base = this.options.server.mediaBaseUrl?.replace(/\/+$/, '');
    if (!base) return undefined;
    const query =
      'token' in credential
        ? `t=${encodeURIComponent(credential.token)}`
        : `passcode=${encodeURIComponent(credential.passcode)}`;
    return { type: 'hls', url: `${base}/${MEDIAMTX_APP}/${reservation.code}/index.m3u8?${query}` };
  }

  /** The hook admitted this connection: remember how to kick it and watch for its end. */
  admitted(clientId: string, protocol: string, now = Date.now()): void {
    this.tracked.set(clientId, {
      collection: COLLECTION_BY_PROTOCOL[protocol] ?? 'rtmpconns',
      admittedAt: now,
      seen: false,
    });
  }

  /** Starts polling for publishers that left; the gate is told through `publishEnded`. */
  watch(gate: StreamGate): void {
    this.gate = gate;
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.poll(), this.pollEveryMs);
    this.timer.unref();
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    return this.polling ?? Promise.resolve();
  }

  /**
   * Reads the path list once, now, and ends the publishers that are gone (before a publish whose
   * reservation still has a publisher: the "other" one may be this organizer's dropped connection).
   */
  settle(): Promise<void> {
    return this.poll(true);
  }

  private poll(force = false): Promise<void> {
    if (this.polling && !force) return this.polling;
    const run = this.readSources()
      .then(async (sources) => {
        if (!sources) return;
        await this.reconcile(sources);
        this.comparing.recovered('comparing MediaMTX publishers works again', { server: this.serverId });
      })
      .catch((error: unknown) => this.comparing.report(coerceError(error), { server: this.serverId }))
      .finally(() => {
        if (this.polling === run) this.polling = undefined;
      });
    this.polling = run;
    return run;
  }

  /**
   * Compares MediaMTX's list with the publishers admitted on this server by any instance (the
   * database): listed ones are kept alive; an admitted one no longer listed has gone — at once if
   * this driver saw it listed before, else once `startGraceMs` has passed (MediaMTX lists a path
   * once its tracks are set up, a moment after the auth). Every instance's driver does this; what
   * they end or kick is decided by the same facts, and ending twice is a no-op.
   */
  private async reconcile(sources: Map<string, Source>): Promise<void> {
    const gate = this.gate;
    if (!gate) return;
    const listed = [...sources.keys()];
    await gate.seen(this.serverId, listed);
    const admitted = await gate.publishersOn(this.serverId);
    const now = Date.now();
    for (const publisher of admitted) {
      const source = sources.get(publisher.clientId);
      const tracked = this.tracked.get(publisher.clientId);
      if (source) {
        if (tracked) {
          tracked.seen = true;
          tracked.collection = COLLECTION_BY_SOURCE[source.type] ?? tracked.collection;
        }
        continue;
      }
      const young = tracked
        ? !tracked.seen && now - tracked.admittedAt < this.startGraceMs
        : publisher.silentSeconds * 1_000 < this.startGraceMs;
      if (young) continue;
      this.tracked.delete(publisher.clientId);
      await gate.publishEnded(this.serverId, publisher.clientId);
    }
    for (const clientId of this.tracked.keys())
      if (!admitted.some((publisher) => publisher.clientId === clientId)) this.tracked.delete(clientId);
    // A publisher on a gated path that no instance admitted (one that connected while Slotcast
    // was away). Kicked, it reconnects and is judged like any other. Only when two reads in a row
    // list it: a read that began before a cut still lists the publisher just cut, which is no stray.
    const known = new Set(admitted.map((publisher) => publisher.clientId));
    const strays = new Set<string>();
    for (const [id, source] of sources) {
      const collection = COLLECTION_BY_SOURCE[source.type];
      if (known.has(id) || this.tracked.has(id) || !collection || !source.path.startsWith(`${MEDIAMTX_APP}/`)) continue;
      if (!this.strays.has(id)) {
        strays.add(id);
        continue;
      }
      this.options.log.info('cutting a MediaMTX publisher the gate did not admit', { server: this.serverId });
      void this.kick(collection, id);
    }
    this.strays = strays;
  }

  /** The source of every path being published, by id; undefined when the API failed. */
  private async readSources(): Promise<Map<string, Source> | undefined> {
    if (!this.controlUrl) return undefined;
    const sources = new Map<string, Source>();
    try {
      for (let page = 0, pages = 1; page < pages; page++) {
        const response = await fetch(`${this.controlUrl}/v3/paths/list?itemsPerPage=1000&page=${page}`, {
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        if (!response.ok) throw new Error(`the control API answered ${response.status}`);
        const body = (await response.json()) as {
          pageCount?: number;
          items?: Array<{ name?: string; source?: { type?: string; id?: string } | null }>;
        };
        pages = body.pageCount ?? 1;
        for (const item of body.items ?? [])
          if (item.source?.id) sources.set(item.source.id, { type: item.source.type ?? '', path: item.name ?? '' });
      }
      this.unreachable.recovered('MediaMTX control API answers again', { server: this.serverId });
      return sources;
    } catch (error) {
      // Not knowing is not "gone": publishers stay until the API answers again (or the cut).
      this.unreachable.report(coerceError(error), { server: this.serverId });
      return undefined;
    }
  }

  /** Ends a connection through the control API. Never throws: failures are logged. */
  private async kick(collection: string, id: string): Promise<void> {
    if (!this.controlUrl) {
      this.options.log.error('cannot cut a MediaMTX publisher: the server has no control URL', {
        server: this.serverId,
      });
      return;
    }
    try {
      const response = await fetch(`${this.controlUrl}/v3/${collection}/kick/${encodeURIComponent(id)}`, {
        method: 'POST',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // 404: it had gone already, which is what a cut wants.
      if (!response.ok && response.status !== 404) throw new Error(`the control API answered ${response.status}`);
    } catch (error) {
      this.options.log.error('cutting a MediaMTX publisher failed', {
        server: this.serverId,
        connection: id,
        error: coerceError(error).message,
      });
    }
  }
}
