// Writes the app's entry module (index.out.js): it imports the bundled JupyterLab
// plugins listed in package.json and the federated ones the server announces, then
// starts JupyterLab. Modelled on JupyterLab's own dev_mode entry.

/** Returns the source of index.out.js for the given extension package names. */
function indexSource({ extensions, mimeExtensions }) {
  const importAll = (names, target) =>
    names
      .map(
        (name) => `  if (!queuedFederated.includes(${JSON.stringify(name)})) {
    try {
      const module = await import(${JSON.stringify(name)});
      module.__scope__ = ${JSON.stringify(name)};
      for (const plugin of activePlugins(module)) ${target}.push(plugin);
    } catch (error) {
      console.error(error);
    }
  }`,
      )
      .join('\n');

  return `import { PageConfig } from '@jupyterlab/coreutils';
import { PluginRegistry } from '@lumino/coreutils';
import './style.js';

async function createModule(scope, module) {
  const factory = await window._JUPYTERLAB[scope].get(module);
  const instance = factory();
  instance.__scope__ = scope;
  return instance;
}

export async function main() {
  const pluginRegistry = new PluginRegistry();
  const { JupyterLab } = await import('@jupyterlab/application');
  const disabled = [];
  const deferred = [];
  const ignorePlugins = [];
  const register = [];
  const mimeExtensions = [];
  const allPlugins = [];
  const federatedExtensionPromises = [];
  const federatedMimeExtensionPromises = [];
  const federatedStylePromises = [];
  const queuedFederated = [];

  const extensions = JSON.parse(PageConfig.getOption('federated_extensions') || '[]');
  for (const data of extensions) {
    if (data.extension) {
      queuedFederated.push(data.name);
      federatedExtensionPromises.push(createModule(data.name, data.extension));
    }
    if (data.mimeExtension) {
      queuedFederated.push(data.name);
      federatedMimeExtensionPromises.push(createModule(data.name, data.mimeExtension));
    }
    if (data.style && !PageConfig.Extension.isDisabled(data.name)) {
      federatedStylePromises.push(createModule(data.name, data.style));
    }
  }

  function* activePlugins(extension) {
    const exports = Object.prototype.hasOwnProperty.call(extension, '__esModule') ? extension.default : extension;
    const plugins = Array.isArray(exports) ? exports : [exports];
    for (const plugin of plugins) {
      const isDisabled = PageConfig.Extension.isDisabled(plugin.id);
      allPlugins.push({
        id: plugin.id,
        description: plugin.description,
        requires: plugin.requires ?? [],
        optional: plugin.optional ?? [],
        provides: plugin.provides ?? null,
        autoStart: plugin.autoStart,
        enabled: !isDisabled,
        extension: extension.__scope__,
      });
      if (isDisabled) {
        disabled.push(plugin.id);
        continue;
      }
      if (PageConfig.Extension.isDeferred(plugin.id)) {
        deferred.push(plugin.id);
        ignorePlugins.push(plugin.id);
      }
      yield plugin;
    }
  }

${importAll(mimeExtensions, 'mimeExtensions')}

  for (const result of await Promise.allSettled(federatedMimeExtensionPromises)) {
    if (result.status === 'fulfilled') {
      for (const plugin of activePlugins(result.value)) mimeExtensions.push(plugin);
    } else {
      console.error(result.reason);
    }
  }

${importAll(extensions, 'register')}

  for (const result of await Promise.allSettled(federatedExtensionPromises)) {
    if (result.status === 'fulfilled') {
      for (const plugin of activePlugins(result.value)) register.push(plugin);
    } else {
      console.error(result.reason);
    }
  }

  for (const result of await Promise.allSettled(federatedStylePromises)) {
    if (result.status === 'rejected') console.error(result.reason);
  }

  pluginRegistry.registerPlugins(register.flat());
  const { IConnectionStatus } = await import('@jupyterlab/application/lib/tokens.js');
  const { IServiceManager } = await import('@jupyterlab/services/lib/tokens.js');
  const connectionStatus = await pluginRegistry.resolveOptionalService(IConnectionStatus);
  const serviceManager = await pluginRegistry.resolveOptionalService(IServiceManager);

  const lab = new JupyterLab({
    pluginRegistry,
    serviceManager,
    mimeExtensions,
    connectionStatus,
    disabled: { matches: disabled, patterns: PageConfig.Extension.disabled.map((value) => value.raw) },
    deferred: { matches: deferred, patterns: PageConfig.Extension.deferred.map((value) => value.raw) },
    availablePlugins: allPlugins,
  });
  await lab.start({ ignorePlugins, bubblingKeydown: true });
  if ((PageConfig.getOption('exposeAppInBrowser') || '').toLowerCase() === 'true') {
    window.jupyterapp = lab;
  }
}
`;
}

module.exports = { indexSource };
