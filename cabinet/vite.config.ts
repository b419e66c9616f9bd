import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The cabinet SPA: built into cabinet/dist/ (scripts/build.mjs), served by Kopek at /cabinet/.
 * `npx vite cabinet` serves it with hot reload, handing the API to a running Kopek
 * (KOPEK_URL, default http://127.0.0.1:8080).
 */
const kopek = process.env.KOPEK_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  base: '/cabinet/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: Object.fromEntries(['/info', '/change', '/export', '/cabinet/api'].map((p) => [p, kopek])),
  },
});
