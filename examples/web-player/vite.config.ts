import { defineConfig } from 'vite';

// Served by `streamctl dev --player examples/web-player/dist` under /player/, so every asset path is relative.
export default defineConfig({
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
});
