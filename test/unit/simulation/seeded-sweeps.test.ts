import { inspect } from 'node:util';
import { ExperimentSummary, Simulation, SqliteRunLog, loadSimulationConfig, runPersonaExperiment, type PersonaExperiment } from 'campfires';

const harvest = loadSimulationConfig('fixtures/councils/harvest');
const variants = [
  { label: 'villagers', repeats: 6 },
  { label: 'lean year', world: { initial_resource_level: 20 }, repeats: 4 },
  { label: 'settlers', personas: 'fixtures/councils/frontier/personas.yaml', repeats: 3 },
];

async function sweep(seed: number | undefined, runLog = SqliteRunLog.open(':memory:')): Promise<{ experiment: PersonaExperiment; runs: string[]; runLog: SqliteRunLog }> {
  const experiment = await runPersonaExperiment({ scenario: harvest, runLog, seed, variants });
  // What each run did, read back from the run log: every action with its target.
  const runs = experiment.outcomes.map((outcome) =>
    Simulation.fromRunLog(runLog, outcome.runId as string)
      .transcript.actions.map((record) => `${record.agent}:${record.action.type}:${record.action.target}`)
      .join(' '),
  );
  return { experiment, runs, runLog };
}

describe('seeded persona sweeps', () => {
  it.each([0, 1, 42, 2_024, 987_654_321])('experiment seed %i twice gives the same seeds and the same runs', async (seed) => {
    const first = await sweep(seed);
    const second = await sweep(seed);
    expect(second.experiment.outcomes.map((outcome) => outcome.seed)).toEqual(first.experiment.outcomes.map((outcome) => outcome.seed));
    expect(second.runs).toEqual(first.runs);
    expect(second.experiment.summary().rows).toEqual(first.experiment.summary().rows);
    // Each run's seed is in its run-log meta.
    for (const outcome of first.experiment.outcomes) expect((first.runLog.run(outcome.runId as string).meta as { seed?: number }).seed).toBe(outcome.seed);
  });

  it('different experiment seeds record different seeds, and the runs they give differ and come back the same', async () => {
    const seeds = [0, 1, 2, 3, 4, 5, 6, 7];
    const sweeps = await Promise.all(seeds.map((seed) => sweep(seed)));
    const recorded = sweeps.flatMap(({ experiment }) => experiment.outcomes.map((outcome) => outcome.seed));
    // Within an experiment repeat r has one seed for every variant; across experiments no seed repeats.
    const perExperiment = sweeps.map(({ experiment }) => [...new Set(experiment.outcomes.map((outcome) => outcome.seed))]);
    expect(new Set(perExperiment.flat()).size).toBe(perExperiment.flat().length);
    expect(new Set(recorded).size).toBe(seeds.length * 6);
    for (const { experiment } of sweeps) for (const outcome of experiment.outcomes) expect(outcome.seed).toBe(experiment.outcomes.find((other) => other.repeat === outcome.repeat)?.seed);
    // The villagers' council has ties, which the seeds break differently: the repeats differ.
    const villagerRuns = sweeps.flatMap(({ runs, experiment }) => runs.filter((_, index) => experiment.outcomes[index]?.variant === 'villagers'));
    expect(new Set(villagerRuns).size).toBeGreaterThan(1);
    // And each of those differences is reproducible: a run with a recorded seed plays the same again.
    const again = await Promise.all(seeds.map((seed) => sweep(seed)));
    expect(again.map(({ runs }) => runs)).toEqual(sweeps.map(({ runs }) => runs));
  });

  it('a run with a seed replays its seed from the run log and resumes with it', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    for (const seed of [3, 17, 4_096]) {
      const sim = await Simulation.fromSettings(harvest, { runLog, seed, narrate: null, live: false }).run();
      const replay = Simulation.fromRunLog(runLog, sim.runId as string);
      expect(replay.seed).toBe(seed);
      expect(replay.payload().seed).toBe(seed);
      expect(String(replay)).toContain(`· seed ${seed} ·`);
      const direct = await Simulation.fromSettings(harvest, { runLog, seed, narrate: null, live: false }).run();
      expect(direct.transcript.actions.map((record) => record.action)).toEqual(sim.transcript.actions.map((record) => record.action));
    }
    expect(() => Simulation.fromSettings(harvest, { runLog, seed: -1 })).toThrow('seed -1 is not a seed; a seed is a whole number from 0 to 2147483647');
    expect(() => Simulation.fromSettings(harvest, { runLog, seed: 1.5 })).toThrow('seed 1.5 is not a seed');
    await expect(runPersonaExperiment({ scenario: harvest, runLog, seed: 2 ** 40, variants: [{ label: 'x' }] })).rejects.toThrow(`seed ${2 ** 40} is not a seed`);
  });

  it('summary() gives per variant the min, median and max over the repeats, the same figures the chart draws, as a table', async () => {
    const { experiment } = await sweep(11);
    const summary = experiment.summary();
    expect(summary).toBeInstanceOf(ExperimentSummary);
    for (const row of summary.rows) {
      const ends = experiment.outcomes.filter((outcome) => outcome.variant === row.variant).map((outcome) => outcome.end?.state);
      for (const measure of ['resource_level', 'stability']) {
        const values = ends.map((state) => state?.[measure] as number).sort((a, b) => a - b);
        const middle = values.length / 2;
        const median = values.length % 2 ? values[Math.floor(middle)] : ((values[middle - 1] as number) + (values[middle] as number)) / 2;
        expect(row.spread[measure]).toEqual({ min: values[0], median, max: values.at(-1) });
      }
    }
    // The chart's bars and ticks are made from the summary's figures.
    const spec = experiment.vegaLiteSpec() as { hconcat: { layer?: { data: { values: Record<string, unknown>[] } }[] }[] };
    const drawn = spec.hconcat[0]?.layer?.[0]?.data.values ?? [];
    expect(drawn).toEqual(
      summary.rows.flatMap((row) => ['resource_level', 'stability'].map((measure) => ({ variant: row.variant, measure, ...row.spread[measure], runs: row.runs }))),
    );
    const bundle = await experiment.toMimeBundle();
    const svg = String(bundle['image/svg+xml']);
    expect(svg.match(/aria-roledescription="tick"/g)).toHaveLength(summary.rows.length * 2);
    expect(svg.match(/aria-roledescription="rule mark"/g)).toHaveLength(summary.rows.length * 2);
    // The table displays itself: HTML and text, with the same numbers.
    const table = summary.toMimeBundle();
    expect(table['text/html']).toContain('<th>resource_level median</th>');
    const villagers = summary.row('villagers');
    expect(table['text/html']).toContain(`<td>${villagers?.seeds.join(', ')}</td>`);
    expect(inspect(summary)).toBe(String(table['text/plain']));
    expect(String(summary).split('\n')[0]).toBe('Harvest council: spread over repeats per variant');
    expect(summary.cells()[0]?.slice(0, 3)).toEqual(['villagers', 'persona-policy (offline)', 6]);
  });
});
