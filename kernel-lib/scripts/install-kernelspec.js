#!/usr/bin/env node
// Installs the tslab Jupyter kernelspec for this checkout by writing kernel.json
// itself (tslab's own installer needs IPython's jupyter_client, which plain Debian
// or Node users may not have). Honours JUPYTER_DATA_DIR; safe to run again.
// The same code serves `npx cf setup --kernel-only` in a project that installed campfires.
const path = require('node:path');

require('./ensure-built.js');
const { findTslab, installKernelspec, jupyterDataDir } = require('../dist/src/cli/jupyter-setup.js');

const tslab = findTslab(path.resolve(__dirname, '..', '..'));
const { dir, changed } = installKernelspec(jupyterDataDir(), tslab, 'kernel-lib/scripts/install-kernelspec.js');
console.log(changed ? `kernelspec: installed "TypeScript (tslab)" at ${dir}` : `kernelspec: tslab already installed at ${dir}`);
