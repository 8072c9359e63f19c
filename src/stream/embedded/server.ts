/**
 * The embedded kind: node-media-server 4.x inside the service (issue 9). RTMP ingest listens on
 * RTMP_PORT; HTTP-FLV playback listens on loopback only, where the service's own viewer route
 * (src/stream/http.ts) reads it after checking the viewer's credentials.
 *
 * Only node-media-server's session classes are used, on listeners of our own: its servers bind
 * every listener to one address, exit the process when a port is taken, and log stream paths —
 * which are stream keys here — to the console. Its logger is silenced for that reason.
 *
 * Its hooks are synchronous events; a publish is refused by closing the session inside
 * `prePublish`, and the gate decides from memory. A refused session would still take the stream
 * path and hold it for 30 s ("publish grace"), so its socket is destroyed at once: the path is
 * then in grace with a closed publisher, which the rightful publisher takes over (another
 * address) or resumes (the same one). Plays are admitted only with the gate's own per-process
 * secret, so neither RTMP play nor the loopback port lets anyone watch around the gate.
 */
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import type { Logger } from '../../log.js';
import type { PublisherSession, StreamDriver } from '../driver.js';
import type { StreamGate } from '../gate.js';

/** What we use of node-media-server's sessions (RtmpSession, FlvSession). */
interface NmsSession {
  id: string;
  ip: string;
  protocol: string;
  streamApp: string;
  streamName: string;
  streamQuery: Record<string, unknown> | null;
  socket?: Socket;
  req?: IncomingMessage;
  run(): void;
  close(): void;
}

interface NmsModules {
  context: {
    config: Record<string, unknown>;
    sessions: Map<string, unknown>;
    eventEmitter: NodeJS.EventEmitter;
  };
  logger: { log: (...args: unknown[]) => void };
  RtmpSession: new (socket: Socket) => NmsSession;
  FlvSession: new (req: IncomingMessage, res: ServerResponse) => NmsSession;
}

function loadNms(): NmsModules {
  const require = createRequire(import.meta.url);
  return {
    context: require('node-media-server/src/core/context.js'),
    logger: require('node-media-server/src/core/logger.js'),
    RtmpSession: require('node-media-server/src/session/rtmp_session.js'),
    FlvSession: require('node-media-server/src/session/flv_session.js'),
  };
}

/** node-media-server writes "address:port"; the gate and the records want the address. */
function addressOf(ip: string): string {
  return ip.replace(/:\d+$/, '').replace(/^::ffff:/, '');
}

/** The application name in the ingest URL: rtmp://host:port/live/STREAM_KEY. */
export const EMBEDDED_APP = 'live';

export interface EmbeddedOptions {
  /** Where RTMP listens (default 127.0.0.1; 0.0.0.0 for encoders on other machines). */
  rtmpHost: string;
  /** 0 picks a free port. */
  rtmpPort: number;
  log: Logger;
}

export class EmbeddedStreamServer {
  private readonly nms = loadNms();
  private readonly sessions = new Map<string, NmsSession>();
  private readonly sockets = new Set<Socket>();
  private rtmp: NetServer | undefined;
  private flv: HttpServer | undefined;
  /** Plays carry this; nobody else knows it. */
  private readonly playSecret = randomBytes(18).toString('base64url');
  private gate: StreamGate | undefined;
  private serverId = '';
  rtmpPort = 0;
  flvPort = 0;

  readonly driver: StreamDriver = {
    kind: 'embedded',
    // This process keeps its own publishers alive (the gate's sweep); a crashed one's fall silent.
    endsWhenSilent: true,
    cut: (publisher: PublisherSession) => {
      const session = this.sessions.get(publisher.clientId);
      if (session) this.tearDown(session);
    },
  };

  private readonly onPrePublish = (session: NmsSession) => {
    if (!this.sessions.has(session.id)) return;
    // Only RTMP publishes, into the one application; the loopback HTTP side takes no publishers.
    const key = session.protocol === 'rtmp' && session.streamApp === EMBEDDED_APP ? session.streamName : '';
    const decision = this.gate?.publishNow({
      serverId: this.serverId,
      key,
      clientId: session.id,
      ip: addressOf(session.ip),
    });
    if (!decision?.admitted) {
      this.tearDown(session);
      return;
    }
    session.socket?.once('close', () => this.gate?.publishEnded(this.serverId, session.id));
  };

  private readonly onPrePlay = (session: NmsSession) => {
    if (!this.sessions.has(session.id)) return;
    if (session.protocol !== 'flv' || session.streamQuery?.gate !== this.playSecret) this.tearDown(session);
  };

  constructor(private readonly options: EmbeddedOptions) {}

  /** Listens for RTMP and (on loopback) HTTP-FLV. Call `attach` once the server row exists. */
  async listen(): Promise<void> {
    // Its logger prints stream paths, which are stream keys: silenced (our gate logs what matters).
    this.nms.logger.log = () => {};
    this.nms.context.config = { ...this.nms.context.config };
    this.nms.context.eventEmitter.on('prePublish', this.onPrePublish);
    this.nms.context.eventEmitter.on('prePlay', this.onPrePlay);

    this.rtmp = createNetServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      const session = new this.nms.RtmpSession(socket);
      this.register(session, socket);
      session.run();
    });
    this.flv = createHttpServer((req, res) => this.serveFlv(req, res));
    this.flv.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    try {
      this.rtmpPort = await listenOn(this.rtmp, this.options.rtmpPort, this.options.rtmpHost);
      this.flvPort = await listenOn(this.flv, 0, '127.0.0.1');
    } catch (error) {
      // A port taken: nothing of this server stays behind (its event handlers, the other listener).
      await this.stop();
      throw error;
    }
    this.options.log.debug('embedded streaming server listening', { rtmp: this.rtmpPort, flv: this.flvPort });
  }

  /** From now on publishes are decided by the gate for this server. */
  attach(gate: StreamGate, serverId: string): void {
    this.gate = gate;
    this.serverId = serverId;
  }

  /** The server row this process runs (set by `attach`). */
  get servedId(): string | undefined {
    return this.serverId || undefined;
  }

  /** The stream as node-media-server serves it on loopback (the gate's route reads it). */
  flvUrl(streamKey: string): string {
    return `http://127.0.0.1:${this.flvPort}/${EMBEDDED_APP}/${encodeURIComponent(streamKey)}.flv?gate=${this.playSecret}`;
  }

  async stop(): Promise<void> {
    this.nms.context.eventEmitter.off('prePublish', this.onPrePublish);
    this.nms.context.eventEmitter.off('prePlay', this.onPrePlay);
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([closeListener(this.rtmp), closeListener(this.flv)]);
  }

  private register(session: NmsSession, socket: Socket): void {
    this.sessions.set(session.id, session);
    this.nms.context.sessions.set(session.id, session);
    socket.once('close', () => this.sessions.delete(session.id));
  }

  /** node-media-server's FLV session, on our loopback listener: GET plays only. */
  private serveFlv(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = /^\/([\w-]+)\/([\w-]+)\.flv$/.exec(url.pathname);
    if (req.method !== 'GET' || !match) {
      res.writeHead(404).end();
      return;
    }
    // The shape node-media-server's FlvSession reads from Express.
    Object.assign(req, {
      params: { app: match[1], name: match[2] },
      query: Object.fromEntries(url.searchParams),
      hostname: '127.0.0.1',
    });
    res.setHeader('content-type', 'video/x-flv');
    res.setHeader('cache-control', 'no-store');
    const session = new this.nms.FlvSession(req, res);
    this.register(session, req.socket);
    session.run();
  }

  /** Ends a session at once: its socket is destroyed, not half-closed. */
  private tearDown(session: NmsSession): void {
    try {
      session.close();
    } catch {
      // Closing an already closed session is fine.
    }
    session.socket?.destroy();
    session.req?.socket.destroy();
  }
}

function listenOn(server: NetServer | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeListener(server: NetServer | HttpServer | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
