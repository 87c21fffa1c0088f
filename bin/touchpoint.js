#!/usr/bin/env node
// The installed CLI runs the compiled build; `npm run build` (or `npm start`) makes it.
import('../dist/src/cli/main.js');
