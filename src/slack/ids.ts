/**
 * The ids Slack hands back to the app: action_ids of buttons, callback_ids of modals, block_ids of
 * inputs (field errors attach to them), and the small values some of them carry (a button's free
 * slot, a modal's private_metadata). Ids only, never a reservation: the use cases re-read it.
 */

/** Stable block_ids: Slack attaches field errors to them. Every input's action_id is INPUT. */
export const BLOCK = {
  title: 'title',
  server: 'server',
  startsAt: 'starts_at',
  endsAt: 'ends_at',
  emails: 'emails',
  channels: 'channels',
  passcode: 'passcode',
  description: 'description',
  reason: 'reason',
} as const;
export const INPUT = 'value';

/**
 * action_ids of the card's buttons; the value is the reservation id. Extend has one per step
 * (Slack wants the action_ids of one block distinct).
 */
export const ACTION = {
  reconfirm: 'reservation_reconfirm',
  change: 'reservation_change',
  cancel: 'reservation_cancel',
  extend15: 'reservation_extend_15',
  extend30: 'reservation_extend_30',
  rotateKey: 'reservation_rotate_key',
} as const;

/** The action_id of the Extend button for `minutes`, and back (undefined: not an Extend button). */
export const extendAction = (minutes: number): string => `reservation_extend_${minutes}`;
export function extendMinutes(actionId: string): number | undefined {
  const match = /^reservation_extend_(\d{1,3})$/.exec(actionId);
  return match ? Number(match[1]) : undefined;
}

export const VIEW = {
  request: 'reserve_new',
  change: 'reserve_change',
  cancel: 'reserve_cancel',
  info: 'reserve_info',
} as const;
/** The action_id of a nearest-free-slot button. */
export const PICK_SLOT = 'pick_slot';

/** The action_id of App Home's "New reservation" button. */
export const HOME_NEW = 'home_new';

/** A nearest-free-slot button's value: server id and Unix seconds, nothing else. */
export interface SlotChoice {
  serverId: string;
  startsAt: number;
  endsAt: number;
}

export function encodeSlot(slot: SlotChoice): string {
  return JSON.stringify({ s: slot.serverId, a: slot.startsAt, b: slot.endsAt });
}

export function decodeSlot(value: string | undefined): SlotChoice | undefined {
  try {
    const raw = JSON.parse(value ?? '') as { s?: unknown; a?: unknown; b?: unknown };
    if (typeof raw.s !== 'string' || typeof raw.a !== 'number' || typeof raw.b !== 'number') return undefined;
    return { serverId: raw.s, startsAt: raw.a, endsAt: raw.b };
  } catch {
    return undefined;
  }
}

/** private_metadata: ids only (the reservation being changed or cancelled). */
export interface ViewMetadata {
  reservationId?: string;
  /** Opened from App Home: republish it afterwards. */
  fromHome?: boolean;
}

export function encodeMetadata(metadata: ViewMetadata): string {
  return JSON.stringify({
    ...(metadata.reservationId ? { r: metadata.reservationId } : {}),
    ...(metadata.fromHome ? { h: 1 } : {}),
  });
}

export function decodeMetadata(text: string | undefined): ViewMetadata {
  try {
    const raw = JSON.parse(text || '{}') as { r?: unknown; h?: unknown };
    return { ...(typeof raw.r === 'string' ? { reservationId: raw.r } : {}), ...(raw.h ? { fromHome: true } : {}) };
  } catch {
    return {};
  }
}
