/**
 * Where the running service is reached, recorded for the command line: `slotcast open` and
 * `slotcast token create` print links to the service that runs, which may listen elsewhere than
 * the CLI's own configuration says (PORT=0, another PORT in its environment).
 *
 * Kept as a row of `service_secret`, the table of values the service keeps for itself (this one is
 * no secret, but is shared the same way by every process on the database). The last service to
 * start is the one recorded; a clean stop takes its own URL back out.
 */
import type { Config } from '../config.js';
import { configuredUrl } from '../config.js';
import type { Sql } from './sql.js';
import { statement } from './sql.js';

const NAME = 'service_url';

export async function recordServiceUrl(sql: Sql, url: string): Promise<void> {
  await sql.query(
    statement(
      `INSERT INTO service_secret (name, value) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, created_at = now()`,
      [NAME, url],
    ),
  );
}

/** Takes the URL back out, unless another service has recorded its own since. */
export async function clearServiceUrl(sql: Sql, url: string): Promise<void> {
  await sql.query(statement(`DELETE FROM service_secret WHERE name = $1 AND value = $2`, [NAME, url]));
}

export async function recordedServiceUrl(sql: Sql): Promise<string | undefined> {
  const { rows } = await sql.query<{ value: string }>(
    statement(`SELECT value FROM service_secret WHERE name = $1`, [NAME]),
  );
  return rows[0]?.value;
}

/**
 * Where the command line's links start: PUBLIC_URL when the command is given one, else the URL
 * the running service recorded (it may listen elsewhere than this configuration says), else where
 * this configuration says the service listens — nothing runs, or it never recorded one.
 */
export async function serviceUrl(config: Config, sql: Sql): Promise<string> {
  return config.http.publicUrl ?? (await recordedServiceUrl(sql)) ?? configuredUrl(config);
}
