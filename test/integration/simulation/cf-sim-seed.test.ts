import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteRunLog } from 'campfires';
import { cf, requireBuiltCf } from '../cli/cf-process';

const HARVEST = resolve(__dirname, '../../../fixtures/councils/harvest');

let dir: string;
beforeAll(() => requireBuiltCf());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cf-sim-seed-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('cf sim --seed', () => {
  it('runs a council with a seed, records it, and the same seed gives the same actions', () => {
    const runs = [5, 5, 6].map((seed, index) => {
      const log = join(dir, `log-${index}.db`);
      const result = cf(dir, ['sim', 'run', HARVEST, '--seed', String(seed), '--log', log, '--json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const runLog = SqliteRunLog.open(log);
      try {
        const run = runLog.runs({ kind: 'simulation' }).at(-1);
        expect((run?.meta as { seed?: number }).seed).toBe(seed);
      } finally {
        runLog.close();
      }
      return result.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { action: unknown }).action);
    });
    expect(runs[1]).toEqual(runs[0]);
    const narrative = cf(dir, ['sim', 'run', HARVEST, '--seed', '9', '--turns', '1', '--log', join(dir, 'n.db')]);
    expect(narrative.stdout).toMatch(/^Harvest council: 4 members, offline persona-policy agents, up to 1 turns, seed 9$/m);
  });

  it('refuses a seed that is not a whole number in range', () => {
    for (const bad of ['-1', '1.5', 'abc', '2147483648']) {
      const result = cf(dir, ['sim', 'run', HARVEST, '--seed', bad, '--log', join(dir, 'x.db')]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`--seed must be a whole number from 0 to 2147483647 (got "${bad}")`);
    }
  });
});
