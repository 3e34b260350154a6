/**
 * The one place that reaches tslab's internals. tslab's public `display.raw` sends
 * one MIME type per call; its internal writer sends a whole bundle, and with
 * `update = true` and the same `transient.display_id` replaces that output in place.
 *
 * A kernel may hold several copies of tslab: a global or another checkout's tslab
 * that launched the kernel delegates to the project's own copy, and both copies'
 * `tslab/dist/jupyter.js` sit in the require cache. Only the copy that serves the
 * kernel has a writer, so the bridge looks for the one whose writer is set.
 */
import type { MimeBundle } from './payloads';

interface DisplayDataMessage {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}
type WriteDisplayData = (message: DisplayDataMessage, update: boolean) => void;
interface TslabJupyterModule {
  lastWriteDisplayData: WriteDisplayData | null;
}

const TSLAB_JUPYTER = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

/** What the bridge found of tslab in this process. */
export interface TslabPresence {
  /** The `tslab/dist/jupyter.js` files loaded in this process (none outside a kernel). */
  copies: string[];
  /** The copy whose writer serves the running kernel, when there is one. */
  active: string | null;
}

function loadedCopies(): Array<[string, Partial<TslabJupyterModule>]> {
  const cache = typeof require === 'function' ? require.cache : undefined;
  if (!cache) return [];
  const copies: Array<[string, Partial<TslabJupyterModule>]> = [];
  for (const [filename, loaded] of Object.entries(cache)) {
    if (!loaded || !TSLAB_JUPYTER.test(filename)) continue;
    const exported = loaded.exports as Partial<TslabJupyterModule> | undefined;
    if (exported && typeof exported === 'object' && 'lastWriteDisplayData' in exported) copies.push([filename, exported]);
  }
  return copies;
}

/**
 * Finds the writer of the tslab copy that serves the running kernel. It is looked up
 * in the require cache (never loaded fresh), so the library finds the kernel's own
 * copy wherever tslab is installed, and plain Node never loads tslab at all.
 */
function activeWriter(): WriteDisplayData | null {
  for (const [, exported] of loadedCopies()) {
    if (typeof exported.lastWriteDisplayData === 'function') return exported.lastWriteDisplayData;
  }
  return null;
}

/** Which tslab copies this process loaded and which one serves the kernel. */
export function tslabPresence(): TslabPresence {
  const copies = loadedCopies();
  const active = copies.find(([, exported]) => typeof exported.lastWriteDisplayData === 'function');
  return { copies: copies.map(([filename]) => filename), active: active ? active[0] : null };
}

/** True when running inside a tslab kernel that is executing a cell. */
export function inKernel(): boolean {
  return activeWriter() !== null;
}

let silenceExplained = false;

/**
 * Sends a whole bundle to the front end; returns false (sending nothing) outside
 * a kernel so callers can fall back to printing the text form. Inside a kernel whose
 * writer cannot be found, the first call says so once, on one line.
 */
export function sendBundle(bundle: MimeBundle, options: { displayId?: string; update?: boolean } = {}): boolean {
  const write = activeWriter();
  if (!write) {
    explainMissingWriter();
    return false;
  }
  write(
    { data: bundle, metadata: {}, transient: options.displayId ? { display_id: options.displayId } : {} },
    options.update === true,
  );
  return true;
}

function explainMissingWriter(): void {
  if (silenceExplained) return;
  const { copies } = tslabPresence();
  if (copies.length === 0) return;
  silenceExplained = true;
  process.stderr.write(
    `campfires: rich output is off: none of the loaded tslab copies (${copies.join(', ')}) has a display writer; showing text only\n`,
  );
}
