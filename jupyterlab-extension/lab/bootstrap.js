// Entry of the lab bundle: load every prebuilt (federated) extension listed in the page
// config first, so their shared modules join the share scope, then start the app.
// This runs before any other module, so it reads the page config by hand.

let configData = null;
function getOption(name) {
  if (configData === null) {
    const node = document.getElementById('jupyter-config-data');
    configData = node ? JSON.parse(node.textContent || '{}') : {};
  }
  return configData[name] || '';
}

// eslint-disable-next-line no-undef
__webpack_public_path__ = getOption('fullStaticUrl') + '/';

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.onerror = reject;
    script.onload = resolve;
    script.async = true;
    document.head.appendChild(script);
    script.src = url;
  });
}

async function loadComponent(url, scope) {
  await loadScript(url);
  // eslint-disable-next-line no-undef
  await __webpack_init_sharing__('default');
  const container = window._JUPYTERLAB[scope];
  // eslint-disable-next-line no-undef
  await container.init(__webpack_share_scopes__.default);
}

void (async function bootstrap() {
  const extensions = getOption('federated_extensions') || [];
  const base = getOption('fullLabextensionsUrl');
  const loaded = await Promise.allSettled(
    extensions.map((data) => loadComponent(`${base}/${data.name}/${data.load}`, data.name)),
  );
  loaded.forEach((result) => {
    if (result.status === 'rejected') console.error(result.reason);
  });
  const { main } = await import('./index.out.js');
  if (document.readyState === 'complete') {
    void main();
  } else {
    window.addEventListener('load', () => void main());
  }
})();
