// Builds the JupyterLab front end into build/: the static bundle (rspack, module
// federation like JupyterLab's dev_mode), the plugin schemas, the themes, and the
// Jinja page template that jupyterlab_server fills with the page config.
// Usage: node build.js [--production]
const fs = require('fs-extra');
const path = require('path');
const rspack = require('@rspack/core');
const { merge } = require('webpack-merge');
const { Build } = require('@jupyter/builder/lib/build');
const baseConfig = require('@jupyter/builder/lib/webpack.config.base');
const { indexSource } = require('./index-source');
const packageData = require('./package.json');

const production = process.argv.includes('--production');
const jupyterlab = packageData.jupyterlab;
const buildDir = path.join(__dirname, 'build');
const staticDir = path.join(buildDir, 'static');

/** Version of a package installed for the lab, read from its package.json. */
function installedVersion(name) {
  return require(require.resolve(`${name}/package.json`, { paths: [__dirname] })).version;
}

/**
 * Share config: every JupyterLab package the app bundles (and their dependencies) is
 * offered to prebuilt extensions; the singleton list keeps one copy of core services.
 */
function createShared() {
  const shared = {};
  const offer = (name) => {
    if (shared[name]) return;
    try {
      shared[name] = { requiredVersion: `~${installedVersion(name)}` };
    } catch {
      // Not installed (an optional dependency): nothing to share.
    }
  };
  for (const name of Object.keys(packageData.dependencies)) offer(name);
  for (const name of [...jupyterlab.extensions, ...jupyterlab.mimeExtensions]) {
    const data = require(require.resolve(`${name}/package.json`, { paths: [__dirname] }));
    for (const dependency of Object.keys(data.dependencies ?? {})) offer(dependency);
  }
  for (const name of jupyterlab.singletonPackages) {
    offer(name);
    if (shared[name]) shared[name].singleton = true;
  }
  return shared;
}

fs.removeSync(buildDir);
fs.ensureDirSync(staticDir);
const themeConfigs = Build.ensureAssets({
  packageNames: [...jupyterlab.extensions, ...jupyterlab.mimeExtensions],
  output: staticDir,
  schemaOutput: buildDir,
  themeOutput: buildDir,
});
fs.writeFileSync(path.join(staticDir, 'index.out.js'), indexSource(jupyterlab));
fs.copySync(path.join(__dirname, 'bootstrap.js'), path.join(staticDir, 'bootstrap.js'));
fs.ensureDirSync(path.join(buildDir, 'application_settings'));
fs.writeJSONSync(path.join(buildDir, 'application_settings', 'page_config.json'), {
  // Plugins whose server side jupyter_server 1.23 lacks.
  disabledExtensions: [
    '@jupyterlab/apputils-extension:announcements',
    '@jupyterlab/apputils-extension:notification-plugin:fetchNews',
    // No language server here: the LSP plugins are not bundled.
    '@jupyterlab/fileeditor-extension:language-server',
    '@jupyterlab/notebook-extension:language-server',
  ],
});

const mainConfig = merge(baseConfig, {
  mode: production ? 'production' : 'development',
  context: __dirname,
  entry: { main: path.join(staticDir, 'bootstrap.js') },
  output: {
    path: staticDir,
    publicPath: 'auto',
    filename: '[name].[contenthash].js',
    chunkFilename: '[name].[contenthash].js',
    clean: false,
  },
  resolve: { modules: [path.join(__dirname, 'node_modules'), 'node_modules'] },
  resolveLoader: { modules: [path.join(__dirname, 'node_modules'), 'node_modules'] },
  devtool: false,
  optimization: {
    splitChunks: {
      chunks: 'all',
      cacheGroups: {
        jlab_core: { test: /[\\/]node_modules[\\/]@(jupyterlab|lumino)[\\/]/, name: 'jlab_core' },
      },
    },
  },
  performance: { hints: false },
  plugins: [
    new rspack.container.ModuleFederationPluginV1({
      library: { type: 'var', name: ['_JUPYTERLAB', 'CORE_LIBRARY_FEDERATION'] },
      name: 'CORE_FEDERATION',
      shared: createShared(),
    }),
  ],
});

function run(configs) {
  return new Promise((resolve, reject) => {
    rspack(configs, (error, stats) => {
      if (error) return reject(error);
      if (stats.hasErrors()) return reject(new Error(stats.toString({ all: false, errors: true })));
      resolve(stats);
    });
  });
}

/** Writes templates/index.html: the page config script tag, then the entry chunk(s). */
function writeTemplate(stats) {
  const json = stats.toJson({ all: false, entrypoints: true, publicPath: true });
  const main = json.children ? json.children[0] : json;
  const files = main.entrypoints.main.assets.map((asset) => asset.name).filter((name) => name.endsWith('.js'));
  const scripts = files
    .map((file) => `    <script defer src="{{ page_config['fullStaticUrl'] | e }}/${file}"></script>`)
    .join('\n');
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>{% block title %}{{ page_title | e }}{% endblock %}</title>
  </head>
  <body>
    {% set page_config_full = page_config.copy() %}
    {% set _ = page_config_full.update(baseUrl=base_url, wsUrl=ws_url) %}
    <script id="jupyter-config-data" type="application/json">{{ page_config_full | tojson }}</script>
${scripts}
  </body>
</html>
`;
  fs.ensureDirSync(path.join(buildDir, 'templates'));
  fs.writeFileSync(path.join(buildDir, 'templates', 'index.html'), html);
}

(async () => {
  const started = Date.now();
  const stats = await run([mainConfig, ...themeConfigs]);
  writeTemplate(stats);
  console.log(`lab: built ${production ? 'production' : 'development'} bundle in ${((Date.now() - started) / 1000).toFixed(1)} s`);
})().catch((error) => {
  console.error(error.message ?? error);
  process.exit(1);
});
