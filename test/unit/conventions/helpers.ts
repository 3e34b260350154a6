import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CampfireClient, CampfireStore, parseDeclaration, type ChannelBus, type ParsedDeclaration } from 'campfires';

/** A temporary store with an operator (creator of campfire `tasks`) and a member `worker`. */
export function makeWorld(options: { bus?: () => ChannelBus } = {}) {
  const directory = mkdtempSync(join(tmpdir(), 'campfires-conventions-'));
  const path = join(directory, 'store.db');
  const store = CampfireStore.open(path);
  const clients: CampfireClient[] = [];
  const client = (name: string) => {
    const made = new CampfireClient(store, store.identity(name), { pollMs: 5, bus: options.bus?.() });
    clients.push(made);
    return made;
  };
  const operator = client('operator');
  const campfire = store.createCampfire('tasks', operator.identity);
  const worker = client('worker');
  worker.join('tasks');
  return {
    directory,
    path,
    store,
    operator,
    worker,
    campfire,
    client,
    async cleanup() {
      for (const made of clients) await made.close();
      store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A declaration with sensible defaults. */
export function declare(fields: Record<string, unknown>): ParsedDeclaration {
  return parseDeclaration({ convention: 'task-runner', version: '0.1', operation: 'submit-result', signing: 'member_key', ...fields });
}
