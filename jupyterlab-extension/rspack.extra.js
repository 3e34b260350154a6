// Extra bundler settings merged into @jupyter/builder's extension config.
// `campfires/display` is the kernel library's browser-safe payload module (zod only);
// the alias points the bundle at its compiled file whatever the package's exports say.
const path = require('path');

// The build tools (loaders included) live in lab/node_modules, not in the workspace.
module.exports = {
  resolveLoader: {
    modules: ['node_modules', path.resolve(__dirname, 'lab/node_modules')],
  },
  resolve: {
    // Browser shims the builder injects (process/browser) come from the lab's tools too.
    modules: ['node_modules', path.resolve(__dirname, 'lab/node_modules')],
    alias: {
      'campfires/display$': path.resolve(__dirname, '../kernel-lib/dist/src/display/payloads.js'),
    },
  },
};
