// The creator portal, served at /p/ (npm run build:web; the server serves dist/web/portal).
import { defineConfig } from 'vite';
import { surfaceConfig } from '../vite.surface.js';

export default defineConfig(surfaceConfig('portal', '/p/'));
