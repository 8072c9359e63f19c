import { reportSkipped, stopTestPostgres } from './global-setup.js';

export default async function globalTeardown() {
  reportSkipped();
  await stopTestPostgres();
}
