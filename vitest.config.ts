import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The integration tests mostly wait (on nodes' workers, child processes, sockets), not compute: more files at
    // once than cores keeps both cores busy.
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS ?? 4),
    // docs/decisions/0002: Node 20's V8 crashes deoptimising inlined JS-to-Wasm calls (the Cedar engine).
    execArgv: ['--no-turbo-inline-js-wasm-calls'],
  },
});
