import { createHash } from 'node:crypto';
import vm from 'node:vm';
import { wellFormedText } from '../core';

interface VegaView {
  toSVG(scaleFactor?: number): Promise<string>;
  finalize(): void;
}
interface VegaModule {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => VegaView;
}
interface VegaLiteModule {
  compile(spec: unknown): { spec: unknown };
}

/**
 * Loads an ES module from CommonJS. vega and vega-lite are ESM-only with top-level
 * await, so only a real `import()` loads them; inside a vm without a dynamic-import
 * hook (jest) the call is made from the main context instead.
 */
async function importEsm<T>(specifier: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const loader = (vm.constants as unknown as { USE_MAIN_CONTEXT_DEFAULT_LOADER?: unknown } | undefined)?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
    if (!code.startsWith('ERR_VM_DYNAMIC_IMPORT') || !loader) throw error;
    const load = vm.runInThisContext('(specifier) => import(specifier)', {
      importModuleDynamically: loader as never,
    }) as (specifier: string) => Promise<T>;
    return load(specifier);
  }
}

let vegaModule: Promise<VegaModule> | null = null;
let vegaLiteModule: Promise<VegaLiteModule> | null = null;

function vega(): Promise<VegaModule> {
  vegaModule ??= importEsm<VegaModule>('vega');
  return vegaModule;
}

/**
 * Renders a vega spec to an SVG string in Node (no browser, no canvas). Vega shortens a
 * label too long for its space by UTF-16 units; any emoji it cut in half is replaced, so
 * the SVG always saves in a notebook.
 */
export function renderVegaSvg(spec: unknown): Promise<string> {
  // A live view re-renders its chart for every update, most of them (a model's tokens
  // arriving) with the chart unchanged: the last few renders are kept by their spec.
  const key = createHash('sha256').update(JSON.stringify(spec)).digest('base64');
  const cached = recent.get(key);
  if (cached) {
    recent.delete(key);
    recent.set(key, cached);
    return cached;
  }
  const rendered = renderUncached(spec);
  recent.set(key, rendered);
  if (recent.size > RECENT_RENDERS) recent.delete(recent.keys().next().value as string);
  rendered.catch(() => recent.delete(key));
  return rendered;
}

/** How many renders `renderVegaSvg` keeps (a torch flow's live view makes two per update). */
const RECENT_RENDERS = 4;
const recent = new Map<string, Promise<string>>();

async function renderUncached(spec: unknown): Promise<string> {
  const library = await vega();
  const view = new library.View(library.parse(spec), { renderer: 'none' });
  try {
    return wellFormedText(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/** Compiles a vega-lite spec to vega and renders it to an SVG string. */
export async function renderVegaLiteSvg(spec: unknown): Promise<string> {
  vegaLiteModule ??= importEsm<VegaLiteModule>('vega-lite');
  const compiled = (await vegaLiteModule).compile(spec);
  return renderVegaSvg(compiled.spec);
}

/**
 * An SVG chart for inline HTML that shrinks to its container (it keeps its viewBox, so it
 * scales rather than clips): a chart drawn 1,076 pixels wide never makes a notebook output
 * scroll sideways.
 */
export function svgThatFits(svg: string): string {
  return svg.replace(/^<svg\b/, '<svg style="max-width:100%;height:auto"');
}
