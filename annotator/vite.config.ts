import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The annotator web app. Built into annotator/dist and served by the annotator service at /annotator/
 * (the gateway proxies /annotator/ and /api/v1/annotation/* to it). `npm run dev -w annotator` proxies
 * the API to a local annotator (or gateway: SENTINEL_ANNOTATOR_URL).
 */
const target = process.env.SENTINEL_ANNOTATOR_URL ?? 'http://127.0.0.1:9104';

export default defineConfig({
  root: resolve(import.meta.dirname, 'src/web'),
  base: '/annotator/',
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
  server: { proxy: { '/api/v1/annotation': { target, changeOrigin: true } } },
});
