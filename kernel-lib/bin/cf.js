#!/usr/bin/env node
// The `cf` command. This file is in the package's sources, so npm links `cf` when it
// installs the package, even in a checkout whose library is not built yet.
const fs = require('node:fs');
const path = require('node:path');

const cli = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(cli)) {
  process.stderr.write(`cf: the campfires library is not built (${cli} is missing); run \`npm run build\` in ${path.resolve(__dirname, '..', '..')}\n`);
  process.exit(1);
}
require(cli).runCli();
