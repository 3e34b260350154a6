/**
 * A council run in a separate Node process is killed mid-run (SIGKILL: no clean-up, no
 * "interrupted" mark), then resumed from the run log in this process; the result must be
 * the same as an uninterrupted run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Simulation, SqliteRunLog } from 'campfires';

const repoRoot = resolve(__dirname, '..', '..', '..');
const dist = join(repoRoot, 'kernel-lib', 'dist', 'src', 'index.js');
const scenario = join(repoRoot, 'fixtures', 'councils', 'harvest');

/** The child: policy agents that take 30 ms per decision, so the parent can kill it mid-run. */
const childScript = `
const { PersonaPolicyAgent, Simulation, loadSimulationConfig } = require(process.argv[1]);
class SlowAgent extends PersonaPolicyAgent {
  async decideAction(observation) {
    await new Promise((resolve) => setTimeout(resolve, 30));
    return super.decideAction(observation);
  }
}
const config = loadSimulationConfig(process.argv[2]);
const sim = Simulation.fromSettings(config, { runLog: process.argv[3], debugLogPath: process.argv[4], agents: config.personas.map((persona) => new SlowAgent(persona)), narrate: (line) => console.log(line), live: false });
sim.run().then(() => console.log('finished'));
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'council-kill-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('continues a run whose process was killed mid-run and ends exactly like an uninterrupted run', async () => {
  if (!existsSync(dist)) throw new Error('kernel-lib is not built: run `npm run build` (npm test does it in test/setup/ensure.sh)');
  const logPath = join(dir, 'torch_log.db');
  const child = spawn(process.execPath, ['-e', childScript, dist, scenario, logPath, join(dir, 'killed.jsonl')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const narrated: string[] = [];
  await new Promise<void>((done, fail) => {
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      narrated.push(...lines);
      if (narrated.length >= 7 && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', () => (narrated.includes('finished') ? fail(new Error('the child finished before it was killed')) : done()));
    child.on('error', fail);
  });
  expect(stderr).toBe('');
  expect(narrated[0]).toMatch(/^turn 1 · Mara: /);

  const runLog = SqliteRunLog.open(logPath);
  const [run] = runLog.runs({ kind: 'simulation' });
  // Its process is gone: the run log reads it as interrupted, not running forever.
  expect(run?.status).toBe('interrupted');
  const done = runLog.events(run?.id ?? '', { kinds: ['action-applied'] }).length;
  // Events are committed at least every 50 ms, so at most the last two 30 ms decisions are lost (and redone).
  expect(done).toBeGreaterThanOrEqual(5);
  expect(done).toBeLessThan(48);

  const resumed = await Simulation.resume(runLog, run?.id ?? '', { debugLogPath: join(dir, 'resumed.jsonl'), narrate: null, live: false });
  const whole = await Simulation.fromConfig(scenario, { runLog: SqliteRunLog.open(':memory:'), debugLogPath: join(dir, 'whole.jsonl'), narrate: null, live: false });
  await whole.run();

  expect(resumed.status).toBe('completed');
  expect(JSON.stringify(resumed.transcript)).toBe(JSON.stringify(whole.transcript));
  expect(readFileSync(join(dir, 'resumed.jsonl')).equals(readFileSync(join(dir, 'whole.jsonl')))).toBe(true);
  expect(runLog.events(run?.id ?? '', { kinds: ['action-applied'] })).toHaveLength(48);
  expect(runLog.events(run?.id ?? '', { kinds: ['turn-end'] }).map((event) => (event.data as { turn: number }).turn)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  runLog.close();
}, 60_000);
