#!/usr/bin/env node
// Installs the tslab Jupyter kernelspec for this checkout by writing kernel.json
// itself (tslab's own installer needs IPython's jupyter_client, which plain Debian
// or Node users may not have). Honours JUPYTER_DATA_DIR; safe to run again.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** Jupyter's user data directory, as `jupyter --data-dir` prints it on Linux and macOS. */
function jupyterDataDir() {
  if (process.env.JUPYTER_DATA_DIR) return path.resolve(process.env.JUPYTER_DATA_DIR);
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Jupyter');
  if (process.platform === 'win32') return path.join(process.env.APPDATA || os.homedir(), 'jupyter');
  const xdg = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(xdg, 'jupyter');
}

function tslabBin() {
  try {
    return path.join(path.dirname(require.resolve('tslab/package.json', { paths: [__dirname, process.cwd()] })), 'bin', 'tslab');
  } catch {
    console.error('install-kernelspec: tslab is not installed; run `npm ci` in the repository first');
    process.exit(1);
  }
}

const kernelDir = path.join(jupyterDataDir(), 'kernels', 'tslab');
const spec = {
  argv: [process.execPath, tslabBin(), 'kernel', '--config-path', '{connection_file}'],
  display_name: 'TypeScript (tslab)',
  language: 'typescript',
  metadata: { campfires: { installedBy: 'kernel-lib/scripts/install-kernelspec.js' } },
};
const file = path.join(kernelDir, 'kernel.json');
const text = `${JSON.stringify(spec, null, 2)}\n`;
if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) {
  console.log(`kernelspec: tslab already installed at ${kernelDir}`);
} else {
  fs.mkdirSync(kernelDir, { recursive: true });
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
  console.log(`kernelspec: installed "TypeScript (tslab)" at ${kernelDir}`);
}
