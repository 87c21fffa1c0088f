// The brand dashboard, served at /app/ (npm run build:web; the server serves dist/web/app).
import { defineConfig } from 'vite';
import { surfaceConfig } from '../vite.surface.js';

export default defineConfig(surfaceConfig('app', '/app/'));
