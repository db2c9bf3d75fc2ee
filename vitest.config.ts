import { defineConfig } from 'vitest/config';

export default defineConfig({
  // `rudder-ts` imports in tests resolve to the sources (package.json's `source` condition), not to dist/.
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    // The JSON report lets .ci/run print the plain "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
});
