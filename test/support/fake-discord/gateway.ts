/**
 * The gateway side of the fake: a WebSocket server speaking Discord's gateway v10 in plain JSON
 * (HELLO, heartbeats, IDENTIFY → READY + GUILD_CREATE, RESUME, dispatches), enough for
 * @discordjs/ws to bring a discord.js Client to `ready` and deliver interactions to it.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import { GatewayIntentBits, GatewayOpcodes } from 'discord.js';
import { guildCreateJson } from './objects.js';
import type { FakeWorld } from './world.js';

export const IDENTIFY_EVENT = 'fake-discord:identify';
export const GATEWAY_PAYLOAD_EVENT = 'fake-discord:gateway-payload';

/** A gateway payload, in either direction. */
export interface GatewayPayload {
  op: number;
  d: unknown;
  s?: number | null;
  t?: string | null;
}

/** What a client sent in its IDENTIFY. */
export interface IdentifyRecord {
  token: string;
  intents: number;
  properties: Record<string, string>;
  shard?: [number, number];
  compress?: boolean;
  large_threshold?: number;
  presence?: unknown;
}

interface Session {
  id: string;
  seq: number;
  intents: number;
  socket?: WebSocket;
}

// Close codes from Discord's gateway documentation.
const CLOSE = {
  unknownOpcode: 4001,
  decodeError: 4002,
  notAuthenticated: 4003,
  authenticationFailed: 4004,
  alreadyAuthenticated: 4005,
  invalidApiVersion: 4012,
} as const;

export interface GatewaySettings {
  heartbeatIntervalMs: number;
  url: () => string;
}

export class FakeGateway {
  readonly identifies: IdentifyRecord[] = [];
  /** Every payload clients sent, heartbeats included. */
  readonly received: GatewayPayload[] = [];
  /** The query string of each connection (`v`, `encoding`, `compress`). */
  readonly connectionQueries: Record<string, string>[] = [];
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<string, Session>();
  private readonly sessionOf = new Map<WebSocket, Session>();

  constructor(
    server: Server,
    private readonly world: FakeWorld,
    private readonly settings: GatewaySettings,
  ) {
    // No `path`: discord.js connects to `${url}?v=10&encoding=json`, i.e. the root path.
    this.wss = new WebSocketServer({ server });
    this.wss.on('connection', (socket, req) => this.onConnection(socket, req));
  }

  /** Sends a dispatch (op 0) to every identified client; returns how many received it. */
  dispatch(event: string, data: unknown): number {
    const sessions = [...this.sessionOf.values()].filter((session) => session.socket?.readyState === 1);
    for (const session of sessions) this.sendDispatch(session, event, data);
    return sessions.length;
  }

  /** op 7: asks clients to reconnect; discord.js then resumes its session. */
  requestReconnect(): void {
    for (const socket of this.sessionOf.keys()) this.send(socket, { op: GatewayOpcodes.Reconnect, d: null });
  }

  async close(): Promise<void> {
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(socket: WebSocket, req: IncomingMessage): void {
    const query = Object.fromEntries(new URL(req.url ?? '/', 'ws://fake.invalid').searchParams);
    this.connectionQueries.push(query);
    // Compression is never applied: text frames are read as plain JSON by @discordjs/ws even when
    // it asked for zlib-stream.
    if (query.v !== '10') {
      socket.close(CLOSE.invalidApiVersion, 'Invalid API version.');
      return;
    }
    socket.on('message', (data, isBinary) => this.onMessage(socket, data, isBinary));
    socket.on('close', (code) => this.onClose(socket, code));
    this.send(socket, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.settings.heartbeatIntervalMs } });
  }

  private onMessage(socket: WebSocket, data: RawData, isBinary: boolean): void {
    let payload: GatewayPayload;
    try {
      payload = JSON.parse(isBinary ? '' : data.toString()) as GatewayPayload;
    } catch {
      socket.close(CLOSE.decodeError, 'Error while decoding payload.');
      return;
    }
    this.received.push(payload);
    this.world.emitter.emit(GATEWAY_PAYLOAD_EVENT, payload);
    this.handle(socket, payload);
  }

  private handle(socket: WebSocket, payload: GatewayPayload): void {
    const session = this.sessionOf.get(socket);
    switch (payload.op) {
      case GatewayOpcodes.Heartbeat:
        this.send(socket, { op: GatewayOpcodes.HeartbeatAck, d: null });
        return;
      case GatewayOpcodes.Identify:
        if (session) socket.close(CLOSE.alreadyAuthenticated, 'Already authenticated.');
        else this.identify(socket, payload.d as IdentifyRecord);
        return;
      case GatewayOpcodes.Resume:
        this.resume(socket, payload.d as { token: string; session_id: string; seq: number });
        return;
      case GatewayOpcodes.PresenceUpdate:
      case GatewayOpcodes.VoiceStateUpdate:
      case GatewayOpcodes.RequestGuildMembers:
        if (!session) socket.close(CLOSE.notAuthenticated, 'Not authenticated.');
        return;
      default:
        socket.close(CLOSE.unknownOpcode, 'Unknown opcode.');
    }
  }

  private identify(socket: WebSocket, identify: IdentifyRecord): void {
    if (identify.token !== this.world.token) {
      socket.close(CLOSE.authenticationFailed, 'Authentication failed.');
      return;
    }
    const session: Session = { id: randomBytes(16).toString('hex'), seq: 0, intents: identify.intents, socket };
    this.sessions.set(session.id, session);
    this.sessionOf.set(socket, session);
    this.identifies.push(identify);
    this.world.emitter.emit(IDENTIFY_EVENT, identify);
    this.sendDispatch(session, 'READY', this.readyPayload(session));
    // Without the GUILDS intent Discord sends no GUILD_CREATE; discord.js then gets ready at once.
    if ((identify.intents & GatewayIntentBits.Guilds) !== 0) {
      for (const guild of this.world.guilds) {
        const members = [...guild.memberIds].map((id) => this.world.user(id));
        this.sendDispatch(
          session,
          'GUILD_CREATE',
          guildCreateJson(guild, members, this.world.bot.id, this.world.scheduledEventsOf(guild.id)),
        );
      }
    }
  }

  private readyPayload(session: Session): Record<string, unknown> {
    return {
      v: 10,
      user: this.world.bot,
      user_settings: {},
      guilds: this.world.guilds.map((guild) => ({ id: guild.id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.settings.url(),
      shard: [0, 1],
      application: { id: this.world.applicationId, flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
      geo_ordered_rtc_regions: [],
      guild_join_requests: [],
    };
  }

  /** Resumes a known session (nothing is replayed); anything else gets op 9, not resumable. */
  private resume(socket: WebSocket, request: { token: string; session_id: string }): void {
    const session = this.sessions.get(request.session_id);
    if (!session || request.token !== this.world.token) {
      this.send(socket, { op: GatewayOpcodes.InvalidSession, d: false });
      return;
    }
    session.socket = socket;
    this.sessionOf.set(socket, session);
    this.sendDispatch(session, 'RESUMED', {});
  }

  private onClose(socket: WebSocket, code: number): void {
    const session = this.sessionOf.get(socket);
    this.sessionOf.delete(socket);
    // A clean close (1000/1001) ends the session on Discord's side; other codes keep it resumable.
    if (session && (code === 1000 || code === 1001)) this.sessions.delete(session.id);
  }

  private sendDispatch(session: Session, event: string, data: unknown): void {
    session.seq += 1;
    if (session.socket) this.send(session.socket, { op: GatewayOpcodes.Dispatch, t: event, s: session.seq, d: data });
  }

  private send(socket: WebSocket, payload: GatewayPayload): void {
    if (socket.readyState === 1) socket.send(JSON.stringify(payload));
  }
}
