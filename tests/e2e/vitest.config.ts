import { defineConfig } from 'vitest/config';

// Browser tests: the built plugins in the preview host, against a backend in demo mode, in Debian's chromium.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['tests/e2e/**/*.e2e.test.ts', 'tests/config/**/*.test.ts', 'preview/src/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 240_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
