// Vite build of the console into console/dist, served by the Outrigger server at `/` (src/console/console.plugin.ts).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1000 },
  // `npm run dev` proxies the API to a server started with `npm start`.
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
