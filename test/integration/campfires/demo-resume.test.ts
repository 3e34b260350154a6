/**
 * `npm run demo` after a kill -9: `--replay` re-drives only the complete rounds and says
 * where the record ends (exit 0), `--resume` finishes the run with the alert an
 * uninterrupted run gives.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteRunLog } from 'campfires';

const repoRoot = resolve(__dirname, '..', '..', '..');
const dist = join(repoRoot, 'kernel-lib', 'dist', 'src', 'index.js');
const demo = join(repoRoot, 'kernel-lib', 'dist', 'examples', 'live-alert.js');
const CYCLES = 4;

/** The demo's own offline campers, one of which kills the process on camper call `argv[3]`. */
const childScript = `
const lib = require(${JSON.stringify(dist)});
const killAt = Number(process.argv[3]);
let calls = 0;
const wrap = (camper) => lib.createToolCamper(camper.name, (input) => {
  calls += 1;
  if (calls === killAt) process.kill(process.pid, 'SIGKILL');
  return camper.answer(input);
});
lib.createLiveAlertPipeline({ runLog: process.argv[1], partyBox: process.argv[2], campers: (defaults) => Object.fromEntries(Object.entries(defaults).map(([name, campers]) => [name, campers.map(wrap)])) })
  .then((pipeline) => pipeline.run({ cycles: ${CYCLES}, display: false }))
  .then(() => console.log('finished'));
`;

function runDemo(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [demo, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const alertOf = (stdout: string): string | undefined => stdout.split('\n').find((line) => line.startsWith('ALERT: ') || line.startsWith('No alert'));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'demo-resume-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it.each([2, 7, 11, 15])('a demo run killed at camper call %i replays its complete rounds (exit 0) and resumes to the uninterrupted alert', async (killAt) => {
  if (!existsSync(demo)) throw new Error('kernel-lib is not built: run `npm run build`');
  const log = join(dir, 'torch_log.db');
  const child = spawn(process.execPath, ['-e', childScript, log, join(dir, 'party_box'), String(killAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const signal = await new Promise((done) => child.on('exit', (_code, sig) => done(sig)));
  expect([signal, output]).toEqual(['SIGKILL', '']);
  const opened = SqliteRunLog.open(log);
  const [killed] = opened.runs({ kind: 'pipeline' });
  opened.close();
  expect(killed?.status).toBe('interrupted');

  const replay = runDemo(['--log', log, '--replay', 'latest'], dir);
  expect(replay.stderr).toBe('');
  expect(replay.status).toBe(0);
  expect(replay.stdout).toMatch(new RegExp(`^Replaying ${killed?.id} \\(live-alert, interrupted\\)`));
  expect(replay.stdout).toMatch(new RegExp(`The record of ${killed?.id} ends (after round \\d of ${CYCLES}|before its first round was complete) \\(interrupted: its process stopped\\)`));
  expect(replay.stdout).toMatch(/Re-driven from the log without calling any camper: \d+ handoffs, identical to the complete rounds of the recorded run\./);
  expect(replay.stdout).not.toMatch(/DIFFERENT/);

  const resumed = runDemo(['--log', log, '--party-box', join(dir, 'party_box'), '--resume', killed?.id as string], dir);
  expect(resumed.stderr).toBe('');
  expect(resumed.status).toBe(0);
  expect(resumed.stdout).toMatch(new RegExp(`^live-alert: running offline[\\s\\S]*Resuming ${killed?.id} \\(interrupted\\)`));
  const whole = runDemo(['--log', join(dir, 'whole.db'), '--party-box', join(dir, 'whole_box'), '--cycles', String(CYCLES)], dir);
  expect(whole.status).toBe(0);
  expect(alertOf(resumed.stdout)).toBe(alertOf(whole.stdout));
  const counts = (stdout: string): string | undefined => /(\d+ cycle\(s\), \d+ torches, \d+ handoffs, \d+ camper errors)/.exec(stdout)?.[1];
  expect(counts(resumed.stdout)).toBe(counts(whole.stdout));
  // A second resume is refused: the run it made is complete, the killed one was resumed already.
  const again = runDemo(['--log', log, '--resume', 'latest'], dir);
  expect(again.status).toBe(1);
  expect(again.stderr).toMatch(/completed; there is nothing to resume/);
}, 90_000);
