#!/usr/bin/env node
// Before a build: removes dist/, so a module that moved or was deleted in the sources
// leaves no stale copy behind that `require` could still find (a `display.js` file
// beside a `display/` folder wins over the folder).
const fs = require('node:fs');
const path = require('node:path');

fs.rmSync(path.resolve(__dirname, '..', 'dist'), { recursive: true, force: true });
