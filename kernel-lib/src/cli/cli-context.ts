import type { Command } from 'commander';
import { CampfireClient, CampfireStore, defaultStorePath } from '../conventions';

/** Options every `cf` command takes: which store and which identity in it. */
export interface GlobalOptions {
  store?: string;
  as?: string;
}

/** The store and client a command works with (`--store`, `CAMPFIRES_HOME`, `--as`, `CAMPFIRES_IDENTITY`). */
export interface CliContext {
  store: CampfireStore;
  client: CampfireClient;
}

/** Resolves the store path from the options and the environment. */
export function storePathOf(options: GlobalOptions): string {
  return options.store ?? defaultStorePath();
}

/** Opens the store and a client for the identity the options name. */
export function openContext(command: Command): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const store = CampfireStore.open(storePathOf(options));
  const identity = store.identity(options.as ?? process.env.CAMPFIRES_IDENTITY ?? 'default');
  return { store, client: new CampfireClient(store, identity, { pollMs: 20 }) };
}

/** Stops the client's polling so the process can exit. */
export async function closeContext(context: CliContext): Promise<void> {
  await context.client.close();
}
