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
    // not minified, so CPU profiles (`npm run bench -- --profile`) name the functions; V8 runs both alike
    minify: false,
    rollupOptions: {
      input: { baseline: resolve(here, 'pages/baseline.html'), dure: resolve(here, 'pages/dure.html') },
      output: {
        // one chunk per package (and per workspace), so a CPU profile says which library the time is spent in
        codeSplitting: {
          includeDependenciesRecursively: false,
          groups: [
            {
              name(id: string): string | undefined {
                const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id)?.[1];
                if (pkg) return `pkg-${pkg.replace('/', '__')}`;
                const ws = /\/(shared|web)\/src\//.exec(id)?.[1];
                return ws ? `dure-${ws}` : undefined;
              },
            },
          ],
        },
      },
    },
  },
});
