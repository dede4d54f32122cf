import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by `masthead serve --admin-dir examples/admin/dist` at /admin/; in
// development (`npm run dev`), the API is proxied to a server on port 8080.
export default defineConfig({
  base: '/admin/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
