/**
 * Tests skipped because something they need is not installed say so: each is recorded here (in a
 * file the global setup names, shared by every jest worker), and the global teardown prints one
 * line per missing thing with the tests it cost and the command that installs it. Never a silent
 * skip.
 */
import { appendFileSync } from 'node:fs';

export interface Missing {
  /** What is missing, e.g. "/usr/bin/chromium". */
  what: string;
  /** The command that installs it. */
  install: string;
}

export function recordSkipped(missing: Missing, testName: string): void {
  const file = process.env.SLOTCAST_SKIPPED_FILE;
  const line = `${JSON.stringify({ ...missing, test: testName })}\n`;
  if (file) appendFileSync(file, line);
  // Run outside jest's global setup (a single file by hand): say it at once.
  else process.stderr.write(`Skipped (no ${missing.what}; ${missing.install}): ${testName}\n`);
}
