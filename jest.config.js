/** @type {import('jest').Config} */
module.exports = {
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is done once by `tsc` in `npm test`; per-file checking here would double the cost.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  testEnvironment: 'node',
  // Builds lib/ once (only when stale) before any test file: tests that start the compiled CLI
  // must never load lib/ while another file's tsc rewrites it.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['<rootDir>/test/support/quiet-warnings.ts'],
  maxWorkers: 2,
  // A hang guard only, far above any run on a loaded machine: no test depends on speed.
  testTimeout: 6 * 60_000,
};
