/**
 * `npx slotcast mediamtx-config --server NAME [--slotcast-url URL]`: prints the MediaMTX
 * configuration for a server of kind mediamtx (src/stream/mediamtx/config.ts) on stdout, so that
 * `> mediamtx.yml` gives the file. Hook URLs start at PUBLIC_URL (else where the running service
 * listens, else http://HOST:PORT), or at --slotcast-url when MediaMTX reaches Slotcast by another name.
 */
import { parseArgs } from 'node:util';
import type { Config } from '../../config.js';
import { kindLabel } from '../../domain/server-kind.js';
import type { Logger } from '../../log.js';
import { openDatabase } from '../../store/database.js';
import { serviceUrl } from '../../store/service-url.js';
import { mediamtxConfig } from './config.js';

const USAGE = 'Usage: npx slotcast mediamtx-config --server NAME [--slotcast-url URL]';

export async function mediamtxConfigCommand(config: Config, log: Logger, args: string[]): Promise<number> {
  let values: { server?: string; 'slotcast-url'?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { server: { type: 'string' }, 'slotcast-url': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values.server) {
    console.error(`mediamtx-config needs --server NAME.\n${USAGE}`);
    return 2;
  }
  const given = values['slotcast-url'];
  if (given !== undefined && !/^https?:\/\//.test(given)) {
    console.error(`--slotcast-url must be an http or https URL.\n${USAGE}`);
    return 2;
  }
  const database = await openDatabase(config, log);
  try {
    const slotcastUrl = given ?? (await serviceUrl(config, database.pool));
    const server = await database.prisma.distributionServer.findUnique({ where: { name: values.server } });
    if (!server) {
      console.error(`No server named "${values.server}". See \`npx slotcast server list\`.`);
      return 1;
    }
    if (server.kind !== 'mediamtx') {
      console.error(
        `Server "${server.name}" is of kind ${kindLabel(server.kind)}, not mediamtx: add one with \`npx slotcast server add --kind mediamtx …\`.`,
      );
      return 1;
    }
    process.stdout.write(
      mediamtxConfig({
        serverName: server.name,
        slotcastUrl,
        hookSecret: server.hookSecret,
        ingestBaseUrl: server.ingestBaseUrl,
        controlUrl: server.controlUrl,
      }),
    );
    return 0;
  } finally {
    await database.close();
  }
}
