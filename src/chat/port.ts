/**
 * What a chat front end (the Slack app, the Discord bot, later the web pages) may use of the
 * service: the use cases, bound to the service's dependencies, the chat layer's recorded messages,
 * and a clock. Narrow on purpose: no pool, no configuration, no way around a use case — so no rule
 * can be decided in an adapter for want of one in the core.
 */
import { changeReservation } from '../app/change.js';
import type { CancelCommand, ChangeCommand, ExtendCommand, RequestCommand } from '../app/commands.js';
import type { AppDeps } from '../app/deps.js';
import { cancelReservation, reconfirmReservation } from '../app/lifecycle.js';
import type { Outcome } from '../app/outcome.js';
import type { UserRef } from '../app/preferences.js';
import { setTimeZonePreference, timeZonePreferences } from '../app/preferences.js';
import { getReservation, listReservations } from '../app/queries.js';
import type { RequestOptions } from '../app/request.js';
import { requestReservation } from '../app/request.js';
import { extendReservation, replaceStreamKey } from '../app/stream-actions.js';
import type { IssuedLink } from '../app/web-access.js';
import { issueWebLink, pageUrl } from '../app/web-access.js';
import type { Actor } from '../domain/reservation.js';
import { SLOT_HOLDING_STATUSES } from '../domain/status.js';
import type { Logger } from '../log.js';
import type { StoredReservation } from '../store/reservations.js';
import type { ServerRow } from '../store/servers.js';
import type { ReservationCard } from './card.js';
import type { EventStatus } from './events.js';
import { FollowedEvents } from './events.js';
import type { CommitFollower } from './follow.js';
import { Prompts } from './prompt.js';
import type { MessagePort } from './recorded.js';
import { RecordedMessages } from './recorded.js';
import type { ZoneSource } from './zones.js';
import { resolveZone } from './zones.js';

/** The shapes front ends handle, named here so that they need not reach into src/store. */
export type { StoredReservation, ServerRow };
export type { UserRef };

/** One platform's recorded messages and the organizer's prompts drawn on it. */
export interface ChatMessages<Body> {
  recorded: RecordedMessages<Body>;
  prompts: Prompts<Body>;
}

export interface ChatPort {
  /** The service's clock: front ends hand its `now` to the rules (buttons, deadlines, suggestions). */
  clock(): Date;
  log: Logger;
  request(actor: Actor, command: RequestCommand, options?: RequestOptions): Promise<Outcome<StoredReservation>>;
  change(actor: Actor, idOrCode: string, command: ChangeCommand): Promise<Outcome<StoredReservation>>;
  cancel(actor: Actor, idOrCode: string, command?: CancelCommand): Promise<Outcome<StoredReservation>>;
  reconfirm(actor: Actor, idOrCode: string): Promise<Outcome<StoredReservation>>;
  /** A stream that has begun ends later (issue 17). */
  extend(actor: Actor, idOrCode: string, command: ExtendCommand): Promise<Outcome<StoredReservation>>;
  /** A new stream key; the old one's publisher is cut. Show the answer's key to the organizer only. */
  replaceKey(actor: Actor, idOrCode: string): Promise<Outcome<StoredReservation>>;
  /** A reservation the actor may act on; anyone else's is not found. */
  find(actor: Actor, idOrCode: string): Promise<Outcome<StoredReservation>>;
  /**
   * The reservations still holding their slot that have not ended, soonest first: the actor's own,
   * or an admin's whole workspace.
   */
  upcoming(actor: Actor, limit: number): Promise<StoredReservation[]>;
  /** The servers taking reservations (cached briefly: forms open within Slack's and Discord's 3 s). */
  servers(): Promise<ServerRow[]>;
  /** A server by id or name, active or not. */
  server(idOrName: string): Promise<ServerRow | undefined>;
  /**
   * A single-use sign-in link to the web pages for the actor (`/reserve open`), leading to a
   * reservation's page when one is named — one the actor may see, else not found. Secret: answer
   * it to the actor alone (ephemeral), never in a channel, never in a log.
   */
  openLink(actor: Actor, reservation?: string): Promise<Outcome<IssuedLink>>;
  /** The zone a user's typed times are read in, and where that came from. */
  zone(user: UserRef): Promise<ZoneSource>;
  saveZone(user: UserRef, zone: string): Promise<void>;
  /** The recorded messages on a platform, behind its MessagePort; `drawPrompt` renders the prompt card. */
  messages<Body>(port: MessagePort<Body>, drawPrompt: (card: ReservationCard) => Body): ChatMessages<Body>;
  /** The recorded scheduled events, following the stream through `setStatus` (src/chat/events.ts). */
  followEvents<Body>(
    recorded: RecordedMessages<Body>,
    setStatus: (channelId: string, eventId: string, status: EventStatus) => Promise<void>,
  ): CommitFollower;
}

export function createChatPort(deps: AppDeps): ChatPort {
  return {
    clock: deps.clock,
    log: deps.log,
    request: (actor, command, options) => requestReservation(deps, actor, command, options),
    change: (actor, idOrCode, command) => changeReservation(deps, actor, idOrCode, command),
    cancel: (actor, idOrCode, command) => cancelReservation(deps, actor, idOrCode, command),
    reconfirm: (actor, idOrCode) => reconfirmReservation(deps, actor, idOrCode),
    extend: (actor, idOrCode, command) => extendReservation(deps, actor, idOrCode, command),
    replaceKey: (actor, idOrCode) => replaceStreamKey(deps, actor, idOrCode),
    find: (actor, idOrCode) => getReservation(deps, actor, idOrCode),
    upcoming: (actor, limit) =>
      listReservations(deps, actor, { from: deps.clock(), status: [...SLOT_HOLDING_STATUSES], limit }),
    servers: () => deps.servers.active(),
    server: (idOrName) => deps.servers.find(idOrName),
    openLink: (actor, reservation) => issueWebLink(deps, actor, reservation === undefined ? {} : { reservation }),
    zone: async (user) => resolveZone(await timeZonePreferences(deps, user)),
    saveZone: (user, zone) => setTimeZonePreference(deps, user, zone),
    messages: (port, drawPrompt) => {
      const recorded = new RecordedMessages(deps.pool, port);
      const page = (code: string) => pageUrl(deps, code);
      return { recorded, prompts: new Prompts(deps.pool, recorded, drawPrompt, deps.clock, page) };
    },
    followEvents: (recorded, setStatus) => new FollowedEvents(deps.pool, recorded, setStatus),
  };
}
