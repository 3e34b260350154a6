#!/usr/bin/env node
// Installs the prebuilt campfires-jupyterlab extension into the user's Jupyter data
// directory (<data>/labextensions/campfires-jupyterlab), where any JupyterLab 4 finds
// it without a rebuild. Honours JUPYTER_DATA_DIR; builds the extension first if needed.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const packageDir = path.resolve(__dirname, '..');
const built = path.join(packageDir, 'labextension');

/** Jupyter's user data directory, as `jupyter --data-dir` prints it. */
function jupyterDataDir() {
  if (process.env.JUPYTER_DATA_DIR) return path.resolve(process.env.JUPYTER_DATA_DIR);
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Jupyter');
  if (process.platform === 'win32') return path.join(process.env.APPDATA || os.homedir(), 'jupyter');
  return path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'jupyter');
}

if (!fs.existsSync(path.join(built, 'package.json')) || !fs.existsSync(path.join(built, 'static'))) {
  execFileSync('bash', [path.join(__dirname, 'setup-lab.sh'), '--extension-only'], { stdio: 'inherit' });
}
const { name } = JSON.parse(fs.readFileSync(path.join(built, 'package.json'), 'utf8'));
const target = path.join(jupyterDataDir(), 'labextensions', name);
fs.rmSync(target, { recursive: true, force: true });
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.cpSync(built, target, { recursive: true });
console.log(`labextension: ${name} installed at ${target}`);
