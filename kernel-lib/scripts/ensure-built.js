#!/usr/bin/env node
// Makes `npm run demo` work on a fresh clone: installs dependencies and builds the
// library when they are missing or older than their sources.
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const run = (command) => execSync(command, { cwd: root, stdio: 'inherit' });
const mtime = (file) => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0);

const installed = path.join(root, 'node_modules', '.package-lock.json');
if (!fs.existsSync(installed) || mtime(path.join(root, 'package-lock.json')) > mtime(installed)) {
  console.error('setup: npm ci');
  run('npm ci --no-audit --no-fund');
}

function newestSource(directory) {
  let newest = 0;
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, mtime(full));
  }
  return newest;
}
const library = path.join(root, 'kernel-lib');
const stamp = path.join(library, 'dist', 'src', 'index.js');
const built = mtime(stamp);
const sources = Math.max(newestSource(path.join(library, 'src')), newestSource(path.join(library, 'examples')));
if (built === 0 || sources > built) {
  console.error('setup: building kernel-lib');
  run('npm run build --silent --workspace kernel-lib');
  // An incremental build leaves unchanged outputs alone; mark the build as current.
  const now = new Date();
  fs.utimesSync(stamp, now, now);
}
