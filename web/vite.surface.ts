// One Vite build per surface the server serves: the dashboard (web/app at /app/) and, later, the partner portal
// (web/portal at /p/). Each is its own single-page app with its own base path and output folder under dist/web;
// both import web/shared. Keeping them separate builds means a portal page never ships dashboard code, and the
// server can serve each folder on its own prefix with one SPA fallback (src/http/web.ts).
import path from 'node:path';
import react from '@vitejs/plugin-react';
import type { UserConfig } from 'vite';

const WEB = import.meta.dirname;

export function surfaceConfig(name: string, base: string): UserConfig {
  return {
    root: path.join(WEB, name),
    base,
    plugins: [react()],
    publicDir: path.join(WEB, name, 'public'),
    // Vite's client-side env (import.meta.env) is not used for secrets; nothing from the server's env leaks in.
    envPrefix: 'TOUCHPOINT_WEB_',
    build: {
      outDir: path.join(WEB, '..', 'dist', 'web', name),
      emptyOutDir: true,
      assetsDir: 'assets',
      sourcemap: false,
      // The charting library is big; it loads with the first page that draws a chart (see web/shared/charts).
      chunkSizeWarningLimit: 600,
      rollupOptions: {
        output: {
          manualChunks(id) {
            if (/node_modules\/(react|react-dom|scheduler)\//.test(id)) return 'react';
            return undefined;
          },
        },
      },
    },
    server: { proxy: { '/api': 'http://localhost:3000' } },
  };
}
