/**
 * custom_id of the bot's buttons and modals (≤ 100 characters): `sc:<action>:<args>`. A
 * reservation's buttons carry its guild, because a click in a DM says who clicked but not in
 * which guild the reservation lives. The ids are never trusted for authority: the use cases
 * check the clicking user against the reservation's organizer.
 */
const PREFIX = 'sc';

export interface ReservationRef {
  reservationId: string;
  guildId: string;
}

export type CustomId =
  /** DM prompt and list buttons. */
  | { action: 'reconfirm' | 'change' | 'cancel'; reservationId: string; guildId: string }
  /** The stream's buttons (issue 17): Extend by some minutes; Replace the stream key, asked, then done. */
  | { action: 'extend'; reservationId: string; guildId: string; minutes: number }
  | { action: 'rotate-key' | 'rotate-key-confirmed'; reservationId: string; guildId: string }
  /** Modals opened by those buttons. */
  | { action: 'change-form' | 'cancel-form'; reservationId: string; guildId: string }
  /** The request modal, tied to the draft holding the command's options. */
  | { action: 'new-form'; draftId: string }
  /** "Edit and try again" after bad input: reopens the modal with what was typed. */
  | { action: 'edit'; draftId: string }
  /** A free slot offered after a refusal: one click books (or moves to) it. */
  | { action: 'slot'; draftId: string; index: number };

const CODES = {
  reconfirm: 'rc',
  change: 'ch',
  cancel: 'cx',
  extend: 'ex',
  'rotate-key': 'rk',
  'rotate-key-confirmed': 'rky',
  'change-form': 'chf',
  'cancel-form': 'cxf',
  'new-form': 'new',
  edit: 'ed',
  slot: 'sl',
} as const satisfies Record<CustomId['action'], string>;

const ACTIONS = Object.fromEntries(Object.entries(CODES).map(([action, code]) => [code, action])) as Record<
  string,
  CustomId['action']
>;

export function encodeId(id: CustomId): string {
  const code = CODES[id.action];
  switch (id.action) {
    case 'reconfirm':
    case 'change':
    case 'cancel':
    case 'rotate-key':
    case 'rotate-key-confirmed':
    case 'change-form':
    case 'cancel-form':
      return [PREFIX, code, id.reservationId, id.guildId].join(':');
    case 'extend':
      return [PREFIX, code, id.reservationId, id.guildId, String(id.minutes)].join(':');
    case 'new-form':
    case 'edit':
      return [PREFIX, code, id.draftId].join(':');
    case 'slot':
      return [PREFIX, code, id.draftId, String(id.index)].join(':');
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SNOWFLAKE = /^\d{17,20}$/;
const DRAFT = /^[\w-]{1,40}$/;

/** The decoded id, or undefined for anything the bot did not make. */
export function decodeId(customId: string): CustomId | undefined {
  const [prefix, code, first = '', second = '', third = ''] = customId.split(':');
  const action = prefix === PREFIX && code ? ACTIONS[code] : undefined;
  switch (action) {
    case 'extend':
      return UUID.test(first) && SNOWFLAKE.test(second) && /^\d{1,3}$/.test(third)
        ? { action, reservationId: first, guildId: second, minutes: Number(third) }
        : undefined;
    case 'reconfirm':
    case 'change':
    case 'cancel':
    case 'rotate-key':
    case 'rotate-key-confirmed':
    case 'change-form':
    case 'cancel-form':
      return UUID.test(first) && SNOWFLAKE.test(second) ? { action, reservationId: first, guildId: second } : undefined;
    case 'new-form':
    case 'edit':
      return DRAFT.test(first) ? { action, draftId: first } : undefined;
    case 'slot':
      return DRAFT.test(first) && /^\d{1,2}$/.test(second)
        ? { action, draftId: first, index: Number(second) }
        : undefined;
    default:
      return undefined;
  }
}
