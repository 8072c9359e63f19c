/**
 * What a distribution server is, and so what Slotcast can enforce on it (issue 9).
 *
 * - embedded: node-media-server inside the service (the zero-setup default).
 * - nginx_rtmp: nginx with libnginx-mod-rtmp, calling Slotcast's hooks.
 * - mediamtx: MediaMTX with `authMethod: http`, calling Slotcast.
 * - external: booked only. Slotcast never hears from it, so it enforces nothing: any key works at
 *   any time and anyone with the URL can watch.
 */
export const SERVER_KINDS = ['embedded', 'nginx_rtmp', 'mediamtx', 'external'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

/** Does the server ask Slotcast before it lets a publisher or viewer in? */
export function isEnforcing(kind: ServerKind | undefined): boolean {
  return kind !== undefined && kind !== 'external';
}

/** The kind as operators type and read it (`nginx-rtmp`, not `nginx_rtmp`). */
export function kindLabel(kind: ServerKind): string {
  return kind.replace('_', '-');
}

/** Parses what an operator typed: `nginx-rtmp` and `nginx_rtmp` alike. */
export function parseKind(text: string): ServerKind | undefined {
  const normalized = text.trim().toLowerCase().replace('-', '_');
  return (SERVER_KINDS as readonly string[]).includes(normalized) ? (normalized as ServerKind) : undefined;
}

/** One line for `server list` and the docs: what the kind enforces. */
export function enforcementNote(kind: ServerKind): string {
  return kind === 'external'
    ? 'enforces nothing: any stream key works at any time, anyone with the URL can watch'
    : 'enforced: publishing only in the slot with its key, viewers only with passcode or personal link';
}

/** The set-up/teardown buffer a new server gets when none is given: none where nothing is enforced. */
export function defaultBufferSeconds(kind: ServerKind): number {
  return kind === 'external' ? 0 : 120;
}
