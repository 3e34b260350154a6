import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteRunLog, replayRun } from 'campfires';

const repository = join(__dirname, '..', '..', '..');
// The children load the built library, as a second notebook or script would.
const library = join(repository, 'kernel-lib', 'dist', 'src', 'index.js');

// `npm test` builds the library first; a bare jest run builds it when it is missing.
beforeAll(() => {
  if (existsSync(join(repository, 'kernel-lib', 'dist', 'src', 'index.js'))) return;
  const built = spawnSync('npm', ['run', 'build', '--workspace', 'kernel-lib'], { cwd: repository, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`could not build kernel-lib: ${built.stdout}${built.stderr}`);
}, 240_000);

/** A child process that runs a small pipeline for `cycles` cycles, logging to `file`. */
function runChild(file: string, name: string, cycles: number, startAt: number): Promise<{ code: number | null; output: string }> {
  const script = `
    const { Campfire, Pipeline, SqliteRunLog, createToolCamper, createRelayCamper } = require(${JSON.stringify(library)});
    const log = SqliteRunLog.open(${JSON.stringify(file)});
    let n = 0;
    const pipeline = new Pipeline({ name: ${JSON.stringify(name)}, runLog: log, campfires: [
      new Campfire({ name: 'source', output: 'a', campers: [createToolCamper('counter', () => ${JSON.stringify(name)} + ' ' + (++n))] }),
      new Campfire({ name: 'middle', inputs: ['a'], output: 'b', campers: [createRelayCamper('relay')] }),
      new Campfire({ name: 'sink', inputs: ['b'], campers: [createRelayCamper('relay')] }),
    ] });
    setTimeout(() => pipeline.run({ cycles: ${cycles}, display: false }).then((run) => {
      process.stdout.write(run.runId + ' ' + run.torchesSent + '\\n');
      log.close();
    }, (error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); }), Math.max(0, ${startAt} - Date.now()));
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('the run log shared by two processes', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'runlog-two-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('takes both pipelines appending to one file at once, losing nothing', async () => {
    const file = join(directory, 'torch_log.db');
    const startAt = Date.now() + 5000;
    const [first, second] = await Promise.all([runChild(file, 'first', 4000, startAt), runChild(file, 'second', 4000, startAt)]);
    expect(first).toMatchObject({ code: 0 });
    expect(second).toMatchObject({ code: 0 });
    const log = SqliteRunLog.open(file);
    const runs = log.runs({ kind: 'pipeline' });
    expect(runs.map((run) => [run.name, run.status]).sort()).toEqual([
      ['first', 'completed'],
      ['second', 'completed'],
    ]);
    for (const run of runs) {
      const replay = replayRun(log, run.id);
      expect(replay.torches().length).toBe(12000);
      expect(replay.handoffs().length).toBe(8000);
      expect(replay.handoffs().at(-1)?.claim).toBe(`${run.name} 4000`);
    }
    // The two runs really overlapped: their events interleave in the file.
    const [a, b] = runs.map((run) => log.events(run.id).map((event) => event.seq));
    expect(Math.min(...(a as number[]))).toBeLessThan(Math.max(...(b as number[])));
    expect(Math.min(...(b as number[]))).toBeLessThan(Math.max(...(a as number[])));
    log.close();
  }, 60_000);
});
