/**
 * The files the pages load: our stylesheet and small scripts (src/web/assets), and the two
 * players from node_modules (mpegts.js for HTTP-FLV, hls.js for HLS) — served by the service
 * itself, never from a CDN that a viewer's network (or ours) might block. Each URL carries a hash
 * of the file's content, so browsers may keep a file for a year: a new version is a new URL.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ASSETS_PREFIX = '/assets/';
export const VENDOR_PREFIX = '/assets/vendor/';

/** Our own files. */
export const OWN_ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assets');
const OWN = ['slotcast.css', 'time.js', 'timeline.js', 'watch.js', 'organizer.js', 'favicon.svg'] as const;

const require = createRequire(import.meta.url);
/** The players' builds, by the name they are served under. */
export const VENDOR_FILES: Record<string, string> = {
  'mpegts.js': require.resolve('mpegts.js/dist/mpegts.js'),
  'hls.min.js': require.resolve('hls.js/dist/hls.min.js'),
};
export const VENDOR_DIRS = [...new Set(Object.values(VENDOR_FILES).map((file) => dirname(file)))];

export type AssetName = (typeof OWN)[number] | 'mpegts.js' | 'hls.min.js';

const version = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12);

/** Versioned URLs of every asset, read once at start. */
export function assetUrls(): (name: AssetName) => string {
  const urls = new Map<string, string>();
  for (const name of OWN) urls.set(name, `${ASSETS_PREFIX}${name}?v=${version(join(OWN_ASSETS_DIR, name))}`);
  for (const [name, file] of Object.entries(VENDOR_FILES)) urls.set(name, `${VENDOR_PREFIX}${name}?v=${version(file)}`);
  return (name) => urls.get(name)!;
}
