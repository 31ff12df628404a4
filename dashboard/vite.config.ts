import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The gateway serves dist/ at `/`; `npm run dev` proxies the API and sockets to a local gateway. */
const gateway = process.env.SENTINEL_GATEWAY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: {
    proxy: {
      '/api': { target: gateway, changeOrigin: true, ws: true },
      '/socket.io': { target: gateway, ws: true },
      '/live': { target: gateway, ws: true },
    },
  },
});
