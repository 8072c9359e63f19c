// Jest runs the TypeScript as ESM (Agenda 6 is ESM-only): ts-jest with useESM, and node's
// --experimental-vm-modules set by the npm script. Type errors are caught by `tsc` in `npm test`,
// so ts-jest only transpiles (isolatedModules) and stays fast.
/** @type {import('jest').Config} */
export default {
  testEnvironment: '<rootDir>/test/support/environment.js',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  // Source imports carry the `.js` extension (NodeNext); map them back to the `.ts` files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 30_000,
  // Two cores: two workers keep PostgreSQL and the tests from starving each other.
  maxWorkers: 2,
  // Agenda 6.2.6 leaves a timer of lockLifetime/2 (5 minutes) behind for every job it ran, even
  // after stop() (JobProcessor's checkIfJobIsStillAlive): environment.js unrefs it, so a worker
  // exits when its last test file is done and Jest's "failed to exit gracefully" means a leak of
  // ours. forceExit only ends the wait of a single file run in band, should one ever be left.
  // The service itself exits explicitly after a clean shutdown (src/cli.ts).
  forceExit: true,
};
