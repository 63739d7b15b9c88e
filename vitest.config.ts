import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const fromRoot = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  // SWC (not esbuild) transforms the sources so NestJS gets its decorator metadata.
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    alias: {
      '@xeno/contracts': fromRoot('./libs/contracts/src'),
      '@xeno/images': fromRoot('./libs/images/src'),
      '@xeno/x86-core': fromRoot('./libs/x86-core/src'),
      '@xeno/xen-core': fromRoot('./libs/xen-core/src'),
    },
  },
  test: {
    include: ['{apps,libs,tools,guests,load-tests}/**/*.{spec,test}.ts', 'test/e2e/**/*.spec.ts'],
    exclude: ['**/node_modules/**', 'dist/**', 'apps/web/**'],
    globalSetup: ['./test/global-setup.ts'],
    // A hang guard, not a speed check: CPU-heavy suites (differential vectors, guest boots) run several
    // times slower on a loaded 2-core machine.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
