// Test runner configuration: real servers and databases, so tests run in forked processes with generous time-outs.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    setupFiles: ['test/setup/no-leaks.ts'],
    // Checks (never builds) that dist/ is current, for the tests that execute bin/outrigger.js.
    globalSetup: ['test/setup/dist.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Off by default (it slows every file); `npm run coverage` turns it on: v8 line and branch coverage of src/.
    coverage: {
      enabled: false,
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.test.ts'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
});
