#!/usr/bin/env node
// `npm run lab`: builds what is missing (setup-lab.sh skips finished steps), installs the
// tslab kernelspec and the extension into the user's Jupyter data directory, then serves
// the JupyterLab front end on loopback, opening notebooks/. Extra arguments go to the
// server, e.g. `npm run lab -- --port=9999`.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');

const packageDir = path.resolve(__dirname, '..');
const repoDir = path.resolve(packageDir, '..');
const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

try {
  execFileSync(python, ['-c', 'import jupyter_server, jupyterlab_server'], { stdio: 'ignore' });
} catch {
  console.error(
    'lab: needs jupyter_server and jupyterlab_server for Python 3 ' +
      '(on Debian: sudo apt-get install python3-jupyter-server python3-jupyterlab-server)',
  );
  process.exit(1);
}

execFileSync('bash', [path.join(__dirname, 'setup-lab.sh')], { stdio: 'inherit' });
execFileSync(process.execPath, [path.join(repoDir, 'kernel-lib', 'scripts', 'install-kernelspec.js')], { stdio: 'inherit' });
execFileSync(process.execPath, [path.join(__dirname, 'install-labextension.js')], { stdio: 'inherit' });

const args = [
  path.join(packageDir, 'lab', 'server', 'campfires_lab.py'),
  '--ServerApp.ip=127.0.0.1',
  `--ServerApp.root_dir=${path.join(repoDir, 'notebooks')}`,
  ...(process.getuid && process.getuid() === 0 ? ['--allow-root'] : []),
  ...process.argv.slice(2),
];
const server = spawn(python, args, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
