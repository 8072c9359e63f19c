import { stopTestPostgres } from './global-setup.js';

export default async function globalTeardown() {
  await stopTestPostgres();
}
