#!/usr/bin/env node
// Generates the Prisma client into src/generated/prisma.
//
// `prisma generate` never runs the schema engine, but the CLI insists on locating one and tries
// to download it when PRISMA_SCHEMA_ENGINE_BINARY is unset. Offline (our CI, our dev machines)
// that download fails, so we point the variable at a path that merely exists. On a machine where
// the engine is installed and the variable already set, we leave it alone.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(import.meta.url);

const result = spawnSync(process.execPath, ['node_modules/prisma/build/index.js', 'generate'], {
  env,
  stdio: 'inherit',
  cwd: fileURLToPath(new URL('..', import.meta.url)),
});
process.exit(result.status ?? 1);
