/// <reference types="vitest/config" />
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

// The Rust server (`kioskhub run` / `kioskhub demo`) listens here by default; the dev server
// forwards the API, auth and health paths to it so cookies stay same-origin.
const backend = process.env.KIOSKHUB_DEV_BACKEND ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  plugins: [
    react(),
    tailwindcss(),
    // The service worker (src/sw/sw.ts) gets the list of built files to precache; the manifests
    // are static files in public/ linked from each page.
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/sw',
      filename: 'sw.ts',
      injectRegister: false,
      manifest: false,
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,webmanifest}'],
      },
    }),
  ],
  server: {
    proxy: {
      '/api': backend,
      '/auth': backend,
      '/health': backend,
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The server embeds dist/ and sends a strict CSP: no inline scripts, so keep modules external.
    modulePreload: { polyfill: false },
    // Two entries: the staff panel and the kiosk screen (`/kiosk`), which shares none of the
    // panel's code and stays small for a Raspberry Pi.
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        kiosk: fileURLToPath(new URL('./kiosk.html', import.meta.url)),
      },
      output: {
        // React is the one thing both entries load; name its chunk after it.
        manualChunks(id) {
          return /node_modules\/(react|react-dom|scheduler)\//.test(id) ? 'react' : undefined;
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['./src/test/setup.ts'],
    // A test's own waits go up to 5 s (src/test/setup.ts); the test as a whole gets three times that.
    testTimeout: 15_000,
    restoreMocks: true,
  },
});
