#!/usr/bin/env node
// Installs the prebuilt campfires-jupyterlab extension into the user's Jupyter data
// directory (<data>/labextensions/campfires-jupyterlab), where any JupyterLab 4 finds
// it without a rebuild. Honours JUPYTER_DATA_DIR; builds the extension first if needed.
// The same code serves `npx cf setup` in a project that installed campfires.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const built = path.resolve(__dirname, '..', 'labextension');
if (!fs.existsSync(path.join(built, 'package.json')) || !fs.existsSync(path.join(built, 'static'))) {
  execFileSync('bash', [path.join(__dirname, 'setup-lab.sh'), '--extension-only'], { stdio: 'inherit' });
}
const { installLabextension, jupyterDataDir } = require('../../kernel-lib/dist/src/cli/jupyter-setup.js');
console.log(`labextension: campfires-jupyterlab installed at ${installLabextension(jupyterDataDir(), built)}`);
