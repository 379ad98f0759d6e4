import { defineConfig } from 'vitest/config';

// Long checks (GiB transfers, fault injection, load): `npm run test:heavy`, which CI also runs.
export default defineConfig({
  test: {
    include: ['test/heavy/**/*.test.ts', 'test/faults/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    setupFiles: ['test/support/quiet-node-warning.ts'],
    // Two files at a time: each is mostly one process waiting on another (scripts, s3rver, Chromium).
    fileParallelism: true,
    maxWorkers: 2,
    // Prints the fault table (fault, expected, observed, images lost) after the run.
    // Before it: one temporary directory per run, removed at its end (test/support/temp-root.ts).
    globalSetup: ['test/support/temp-root.ts', 'test/faults/table.ts'],
  },
});
