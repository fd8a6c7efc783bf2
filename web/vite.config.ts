/**
 * The web UI (issue 6): built into web/dist and served by every node at `/`. The Merkle code is shared with
 * the server (src/ledger/merkle.ts); in the browser its `node:crypto` import resolves to a small SHA-256 shim.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  resolve: {
    alias: { 'node:crypto': fileURLToPath(new URL('./src/shims/crypto.ts', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
  server: {
    proxy: Object.fromEntries(
      ['/api', '/ledger', '/exchange'].map((p) => [p, process.env.COMITY_URL ?? 'http://127.0.0.1:4101']),
    ),
  },
});
