import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The benchmark pages: one bundle per stack, served by run.mjs from 127.0.0.1. */
export default defineConfig({
  root: resolve(here, 'pages'),
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    // production code paths, as users run them
    minify: true,
    rollupOptions: {
      input: { baseline: resolve(here, 'pages/baseline.html'), dure: resolve(here, 'pages/dure.html') },
    },
  },
});
