/**
 * The layering of ../shared design, checked by dependency-cruiser (test/unit/architecture.test.ts):
 * no import cycle anywhere, each layer imports only from layers below it, and one area
 * reaches another only through that area's index.ts.
 *
 *   core → sqlite → messages → display → channels, partybox, runlog, counters, fixtures
 *        → llm → campfires, conventions, simulation → mcp, testing → cli (and examples)
 *
 * The `cf` command serves MCP (`cf mcp`), so cli sits one step above mcp. The model layer
 * counts its calls in a counter store and hands its records to the run log's callers, so
 * llm sits one step above the stores.
 *
 * Run by hand: npx depcruise --config .dependency-cruiser.cjs kernel-lib/src kernel-lib/examples jupyterlab-extension/src
 */
const LAYERS = [
  ['core'],
  ['sqlite'],
  ['messages'],
  ['display'],
  ['channels', 'partybox', 'runlog', 'counters', 'fixtures'],
  ['llm'],
  ['campfires', 'conventions', 'simulation'],
  ['mcp', 'testing'],
  ['cli'],
];

const KNOWN_LAYER_BREAKS = [];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const SRC = '^kernel-lib/src/';

/** For each area: a rule forbidding imports of its own layer's other areas and of every layer above. */
const layerRules = LAYERS.flatMap((layer, index) =>
  layer.flatMap((area) => {
    const notBelow = [...layer.filter((other) => other !== area), ...LAYERS.slice(index + 1).flat()];
    const known = KNOWN_LAYER_BREAKS.filter((exception) => exception.from.startsWith(`${area}/`));
    const rule = (name, from, allowed) => ({
      name,
      comment: `${area} may import only from ${LAYERS.slice(0, index).flat().join(', ') || 'no other area'} (the layers below it)`,
      severity: 'error',
      from,
      to: { path: `${SRC}(${notBelow.filter((other) => !allowed.includes(other)).join('|')})/` },
    });
    return [
      rule(`layer-${area}`, { path: `${SRC}${area}/`, pathNot: known.map((exception) => `${SRC}${escape(exception.from)}$`) }, []),
      ...known.map((exception) => rule(`layer-${area}`, { path: `${SRC}${escape(exception.from)}$` }, [exception.to])),
    ];
  }),
);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle means neither module can be read, tested or moved without the other.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'known-area',
      comment: 'Every folder of kernel-lib/src is an area with a place in LAYERS, so the layer rules see it.',
      severity: 'error',
      from: { path: `${SRC}[^/]+/`, pathNot: `${SRC}(${LAYERS.flat().join('|')})/` },
      to: {},
    },
    {
      name: 'no-entry-from-areas',
      comment: 'The package entry points re-export areas; an area never imports them.',
      severity: 'error',
      from: { path: `${SRC}[^/]+/` },
      to: { path: `${SRC}[^/]+\\.ts$` },
    },
    {
      name: 'through-index',
      comment: 'An area reaches another area only through that area\'s index.ts.',
      severity: 'error',
      from: { path: `${SRC}([^/]+)/` },
      // One exception: the browser entry payloads.ts takes the text cutter from its own file (core's index loads Node).
      to: { path: `${SRC}[^/]+/`, pathNot: [`${SRC}$1/`, `${SRC}[^/]+/index\\.ts$`, `${SRC}core/cut-text\\.ts$`] },
    },
    {
      name: 'through-index-from-outside',
      comment: 'Entry points and examples reach an area only through its index.ts.',
      severity: 'error',
      from: { path: '^kernel-lib/(examples/|src/[^/]+\\.ts$)' },
      to: { path: `${SRC}[^/]+/`, pathNot: `${SRC}[^/]+/index\\.ts$` },
    },
    {
      name: 'extension-reads-only-payloads',
      comment: 'The JupyterLab extension runs in the browser: it imports only campfires/display (display/payloads.ts, zod only).',
      severity: 'error',
      from: { path: '^jupyterlab-extension/src/' },
      to: { path: '^kernel-lib/', pathNot: '^kernel-lib/(src|dist/src)/display/payloads\\.(ts|js|d\\.ts)$' },
    },
    {
      name: 'payloads-are-browser-safe',
      comment: 'campfires/display is loaded by the browser: payloads.ts imports zod and the browser-safe text cutter, nothing else.',
      severity: 'error',
      from: { path: `${SRC}display/payloads\\.ts$` },
      to: { pathNot: ['^(node_modules/zod/|zod$)', `${SRC}core/cut-text\\.ts$`], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'cutter-is-browser-safe',
      comment: 'core/cut-text.ts is bundled into the browser through campfires/display: it imports nothing.',
      severity: 'error',
      from: { path: `${SRC}core/cut-text\\.ts$` },
      to: { dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|lib|labextension|lab)/' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
  },
};
