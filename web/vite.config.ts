import { defineConfig } from 'vite';
import { swManifestPlugin, SW_FILE } from './build/sw-manifest';
import { cspMetaPlugin } from './build/csp-meta';

export default defineConfig({
  // Relative asset URLs: the app runs from any path (a sub-folder, a LAN address, file-like hosting).
  base: './',
  plugins: [cspMetaPlugin(), swManifestPlugin()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Inline assets would need data: in script/style sources; keep every asset a file.
    assetsInlineLimit: 0,
    // One bundle on purpose: opening a document (the critical path) needs the editor anyway, and the
    // service worker serves it from the cache after the first visit.
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      input: { index: 'index.html', sw: 'src/sw.ts' },
      output: {
        // The worker keeps a fixed name at the root so its scope is the whole app.
        entryFileNames: (chunk) => (chunk.name === 'sw' ? SW_FILE : 'assets/[name]-[hash].js'),
      },
    },
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
