#!/usr/bin/env node
// Before `npm pack`/`npm publish`: puts into the package what lives elsewhere in this
// repository but a user's project needs without it:
//   labextension/  the prebuilt JupyterLab extension, which `npx cf setup` installs
//   fixtures/      the shared sample data (live-alert feeds, councils, declarations),
//                  which the live-alert demo and the examples read by default
// Builds the extension first when it is not built. `--clean` (postpack) removes the copies
// again, so a checkout always reads its own fixtures/.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const packageDir = path.resolve(__dirname, '..');
const repoDir = path.resolve(packageDir, '..');
const extensionDir = path.join(repoDir, 'jupyterlab-extension');
const builtExtension = path.join(extensionDir, 'labextension');

const copies = [
  [builtExtension, path.join(packageDir, 'labextension')],
  [path.join(repoDir, 'fixtures'), path.join(packageDir, 'fixtures')],
];
if (process.argv.includes('--clean')) {
  for (const [, target] of copies) fs.rmSync(target, { recursive: true, force: true });
  process.exit(0);
}
if (!fs.existsSync(path.join(builtExtension, 'package.json')) || !fs.existsSync(path.join(builtExtension, 'static'))) {
  execFileSync('bash', [path.join(extensionDir, 'scripts', 'setup-lab.sh'), '--extension-only'], { stdio: 'inherit' });
}
for (const [source, target] of copies) {
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(source, target, { recursive: true, filter: (file) => !file.endsWith('.campfires-stamp') });
}
