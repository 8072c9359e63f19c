/**
 * External servers: booked only. Slotcast never hears from them, so there is nothing to cut and
 * nothing to check; the URLs are the server's own.
 */
import type { StreamDriver } from './driver.js';

export const externalDriver: StreamDriver = {
  kind: 'external',
  endsWhenSilent: false,
  cut: () => {},
};
