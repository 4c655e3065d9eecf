import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Node loads graphql's CommonJS build for libraries (Pothos, yoga); make test code use the same
  // copy, or graphql's instanceof checks fail ("Duplicate graphql modules").
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Benchmarks (test/bench/*.ts) are not *.test.ts files, so `include` leaves them out; the unit
    // test of their pure parts (test/bench/report.test.ts) runs with the others.
    exclude: ['node_modules', 'dist'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
