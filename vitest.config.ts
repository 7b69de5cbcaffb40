import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Spawned gateways, workers and Redis share two cores: keep timing-sensitive files from piling up.
    maxWorkers: 2,
  },
});
