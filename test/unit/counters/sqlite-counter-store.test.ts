import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCounterStore, SqliteRunLog } from 'campfires';
import { describeCounterStore } from '../../contracts/counter-store.contract';

describeCounterStore('SqliteCounterStore', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'campfires-counters-'));
  const file = join(directory, 'counters.db');
  return {
    store: SqliteCounterStore.open(file),
    another: async () => SqliteCounterStore.open(file),
    destroy: async () => rmSync(directory, { recursive: true, force: true }),
  };
});

describeCounterStore('SqliteCounterStore in a run log file', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'campfires-counters-'));
  const runLog = SqliteRunLog.open(join(directory, 'torch_log.db'));
  return {
    store: new SqliteCounterStore(runLog.database),
    another: async () => SqliteCounterStore.open(runLog.path),
    destroy: async () => {
      runLog.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});
