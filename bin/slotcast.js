#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx: no build step between `npm install` and
// `npm start`, and `npx slotcast` works from a fresh clone.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
