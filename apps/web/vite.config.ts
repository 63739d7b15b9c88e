import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Built into dist/web by `npm run build`; the API serves it at /. `npx vite apps/web --config
// apps/web/vite.config.ts` runs a dev server that forwards /api to an API on localhost:3000.
export default defineConfig({
  root: here('.'),
  plugins: [react()],
  resolve: { alias: { '@xeno/contracts': here('../../libs/contracts/src') } },
  build: { outDir: here('../../dist/web'), emptyOutDir: true },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
