import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = fileURLToPath(new URL('./src/', import.meta.url));

export default defineConfig({
  // `rudder-ts` imports in tests are the sources (package.json's `source` condition), not the built dist/.
  resolve: {
    alias: [
      { find: /^rudder-ts$/, replacement: `${src}index.ts` },
      { find: /^rudder-ts\/(agents|rudder|align|experiments|viewer)$/, replacement: `${src}$1/index.ts` },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000, // the CLI tests spawn real training processes; a busy 2-core machine runs them 2× slower
    pool: 'forks',
    // The JSON report lets .ci/run print the plain "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
});
