import { inspect } from 'node:util';
import { SqliteRunLog, runPersonaExperiment, type ModelRequest } from 'campfires';
import { councilModel } from './council-script';

describe('persona experiments', () => {
  it('runs a scenario over persona sets and model settings and shows them side by side', async () => {
    let inFlight = 0;
    let most = 0;
    const model = councilModel(() => '{"action": "increase_resource", "target": "world", "reason": "grow"}', 'grow-bot', 5);
    const counting = {
      provider: model.provider,
      modelId: model.modelId,
      generate: async (request: ModelRequest) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        try {
          return await model.generate(request);
        } finally {
          inFlight -= 1;
        }
      },
    };
    const experiment = await runPersonaExperiment({
      scenario: 'fixtures/councils/harvest',
      runLog: SqliteRunLog.open(':memory:'),
      concurrency: 2,
      variants: [
        { label: 'villagers' },
        { label: 'frontier crew', personas: 'fixtures/councils/frontier/personas.yaml' },
        { label: 'grow-bot', model: counting, repeats: 3, simulation: { max_turns: 2 } },
      ],
    });
    expect(experiment.outcomes.map((outcome) => outcome.variant)).toEqual(['villagers', 'frontier crew', 'grow-bot', 'grow-bot', 'grow-bot']);
    expect(most).toBe(2);
    const summary = experiment.summary();
    expect(summary.rows[2]).toMatchObject({ variant: 'grow-bot', backend: 'scripted:grow-bot', runs: 3, spread: { resource_level: { min: 130, median: 130, max: 130 } }, turns: [2, 2, 2] });
    expect(summary.rows[0]?.backend).toBe('persona-policy (offline)');
    expect(experiment.mixOf('grow-bot').Mara?.increase_resource).toBe(6);
    expect(Object.keys(experiment.mixOf('frontier crew'))).toEqual(['Quartermaster', 'Scout', 'Captain']);
    expect(inspect(experiment)).toBe('PersonaExperiment "Harvest council" · 3 variants · 5 runs · persona-policy (offline), scripted:grow-bot · experiment seed 0 · .show() for the side-by-side view');
    const text = String(experiment);
    expect(text).toContain(`grow-bot (scripted:grow-bot): 3 run(s), seeds ${summary.rows[2]?.seeds.join(', ')}; resource_level 130, stability 50`);
    expect(text).toContain('    Mara: increase_resource 6');
    const bundle = await experiment.toMimeBundle();
    expect(Object.keys(bundle)).toEqual(['application/vnd.vegalite.v5+json', 'image/svg+xml', 'text/html', 'text/plain']);
    expect(bundle['image/svg+xml']).toContain('Action mix per persona');
    // Every run's final state is a drawn point: two measures for each of the 5 runs, each with a colour.
    const points = String(bundle['image/svg+xml']).match(/<path aria-label="variant: [^"]*repeat[^"]*"[^>]*aria-roledescription="point"[^>]*>/g) ?? [];
    expect(points).toHaveLength(10);
    for (const point of points) expect(point).toMatch(/ fill="#[0-9a-f]{6}"/);
    // The final-state chart lists the variants as the experiment does (not alphabetically), like the table and the action mix.
    const svg = String(bundle['image/svg+xml']);
    const axis = ['villagers', 'frontier crew', 'grow-bot'].map((variant) => svg.indexOf(`>${variant}</text>`));
    expect(axis.every((at) => at > 0)).toBe(true);
    expect([...axis].sort((a, b) => a - b)).toEqual(axis);
    expect(bundle['text/html']).toMatch(/<td style="[^"]*anywhere[^"]*"><bdi>frontier crew<\/bdi><\/td>/);
  });
});
