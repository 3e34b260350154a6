import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteRunLog } from 'campfires';
import { describeRunLog } from '../../contracts/run-log.contract';

describeRunLog(
  'SqliteRunLog (temp file)',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'run-log-contract-'));
    const path = join(dir, 'torch_log.db');
    return { log: SqliteRunLog.open(path), openAnother: () => SqliteRunLog.open(path), destroy: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  { shared: true },
);

describeRunLog('SqliteRunLog (:memory:)', async () => SqliteRunLog.open(':memory:'), { shared: false });
