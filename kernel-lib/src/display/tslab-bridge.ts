/**
 * The one place that reaches tslab's internals. tslab's public `display.raw` sends
 * one MIME type per call; its internal writer sends a whole bundle, and with
 * `update = true` and the same `transient.display_id` replaces that output in place.
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

/**
 * Finds the `tslab/dist/jupyter` module the running kernel loaded. It is looked up
 * in the require cache (never loaded fresh), so the library finds the kernel's own
 * copy wherever tslab is installed, and plain Node never loads tslab at all.
 */
function tslabJupyter(): TslabJupyterModule | null {
  const cache = typeof require === 'function' ? require.cache : undefined;
  if (!cache) return null;
  for (const [filename, loaded] of Object.entries(cache)) {
    if (loaded && TSLAB_JUPYTER.test(filename)) {
      const exported = loaded.exports as Partial<TslabJupyterModule> | undefined;
      if (exported && 'lastWriteDisplayData' in exported) return exported as TslabJupyterModule;
    }
  }
  return null;
}

/** True when running inside a tslab kernel that is executing a cell. */
export function inKernel(): boolean {
  return typeof tslabJupyter()?.lastWriteDisplayData === 'function';
}

/**
 * Sends a whole bundle to the front end; returns false (sending nothing) outside
 * a kernel so callers can fall back to printing the text form.
 */
export function sendBundle(bundle: MimeBundle, options: { displayId?: string; update?: boolean } = {}): boolean {
  const write = tslabJupyter()?.lastWriteDisplayData;
  if (typeof write !== 'function') return false;
  write(
    { data: bundle, metadata: {}, transient: options.displayId ? { display_id: options.displayId } : {} },
    options.update === true,
  );
  return true;
}
