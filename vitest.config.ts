import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/heavy/**', 'test/faults/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: one file at a time on a 2-core runner,
    // though most tests wait on the processes they spawn (the CLI, ksh scripts). Three at once: the
    // suite took 3 min 21 s here instead of 4 min 51 s.
    maxWorkers: 3,
    // A worker keeps the modules it loaded from one file to the next (aws-cdk-lib, the SDK): imports
    // took 122 s of the suite's time, 24 s without isolation, and the suite 295 s -> 263 s here.
    // Nothing here depends on a fresh module: handlers take their clients as arguments, and a file
    // that mocks a client class restores it when it ends.
    isolate: false,
    setupFiles: ['test/support/quiet-node-warning.ts'],
    // One temporary directory per run, removed at its end (test/support/temp-root.ts).
    globalSetup: ['test/support/temp-root.ts'],
  },
});
