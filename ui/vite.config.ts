import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Tauri serves the built files from its own custom protocol (tauri://localhost, http://tauri.localhost on
// Windows), so every asset URL must be relative to index.html rather than rooted at "/".
export default defineConfig({
  base: './',
  plugins: [react()],
  clearScreen: false,
  server: {
    // The Tauri shell's devUrl points here; a silently chosen other port would leave the window blank.
    port: 1420,
    strictPort: true,
  },
  preview: {
    port: 4173,
    strictPort: true,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Source maps would ship the sources inside the app bundle; they are useful only in dev.
    sourcemap: false,
    // Fluent UI is one big chunk by nature; the app is loaded from disk, not the network.
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    css: false,
    restoreMocks: true,
    // Whole-app tests drive Fluent's drawers with a simulated user; on a loaded 2-core machine one
    // takes several seconds, so the 5 s default fails them for being slow, not wrong.
    testTimeout: 30_000,
  },
});
