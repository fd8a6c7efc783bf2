import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // docs/decisions/0002: Node 20's V8 crashes deoptimising inlined JS-to-Wasm calls (the Cedar engine).
    execArgv: ['--no-turbo-inline-js-wasm-calls'],
  },
});
