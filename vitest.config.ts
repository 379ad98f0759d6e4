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
    setupFiles: ['test/support/quiet-node-warning.ts'],
    // One temporary directory per run, removed at its end (test/support/temp-root.ts).
    globalSetup: ['test/support/temp-root.ts'],
  },
});
