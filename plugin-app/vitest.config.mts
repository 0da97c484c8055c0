import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'jsdom',
    setupFiles: ['./vitest.setup.ts'],
    testTimeout: 30_000,
    // @grafana/* ship ESM that imports CommonJS packages (moment-timezone…): let Vite transform them.
    server: { deps: { inline: [/@grafana\//] } },
  },
});
