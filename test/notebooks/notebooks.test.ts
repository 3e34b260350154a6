import fs from 'node:fs';
import path from 'node:path';
import { expectPrints } from '../helpers/notebook-prints';
import { executeNotebook, type ExecutedNotebook } from './execute-notebook';

const notebooksDir = path.resolve(__dirname, '..', '..', 'notebooks');
const TORCH_FLOW = 'application/vnd.campfires.torchflow.v1+json';
const SIMULATION = 'application/vnd.campfires.simulation.v1+json';

/** What each notebook must show a person, beyond running without errors. */
const expectations: Record<string, (notebook: ExecutedNotebook) => void> = {
  '01-quickstart.ipynb': (notebook) => {
    expect(notebook.text).toContain('Rain reaches central London after 3pm');
    expect(notebook.text).toMatch(/a torch may be at most 1024 bytes/);
    expect(notebook.text).toContain('torchbearer: checker');
    expect(notebook.text).toContain('16:00: take an umbrella');
    expect(notebook.text).toMatch(/#\d+ weather\/box-reader -> advice on forecast \(cycle 1\): "13:00 - 0 mm of rain"/);
    expect(notebook.text).toContain('handoffs in the original run: 4 - in the replay: 4');
    expect(notebook.mimeTypes).toContain(TORCH_FLOW);
    expect(notebook.mimeTypes).toContain('image/svg+xml');
  },
  '02-live-alert.ipynb': (notebook) => {
    expect(notebook.text).toContain('model: offline');
    expect(notebook.text).toContain('ALERT: Storm outage, no power until 3 AM, TfL down (Central, Northern)');
    expect(notebook.text).toMatch(/the alert points at .*party_box/);
    expect(notebook.text).toContain('Re: "Flood warning for Thames estuary as tidal surge expected overnight"');
    expect(notebook.text).toMatch(/camper-error in verify\/traffic-check: .*traffic feed timed out after 30 s/);
    expect(notebook.text).toContain('re-driven without campers: 3 handoffs, identical to the recorded run: true');
    const flows = notebook.cells.flatMap((cell) => cell.outputs).filter((output) => output.data?.[TORCH_FLOW]);
    // The wiring, three runs and the replay each leave one torch flow in the saved notebook.
    expect(flows).toHaveLength(5);
    const firstRun = flows[1].data?.[TORCH_FLOW] as { status: string; torches: Array<{ from: string; to: string[] }> };
    expect(firstRun.status).toBe('completed');
    expect(firstRun.torches.map((torch) => `${torch.from}->${torch.to.join(',')}`)).toEqual(['scrape->sentiment', 'sentiment->verify', 'verify->summary', 'summary->']);
  },
  '05-conventions.ipynb': (notebook) => {
    expect(notebook.text).toContain('submitResult — task-runner:submit-result@0.1: Submit a task result');
  },
  '06-models.ipynb': (notebook) => {
    expect(notebook.text).toContain('{"action_type": "Support Agent", "target": "Baker"}  -> {"action":"support_agent","target":"Baker"}');
    expect(notebook.text).toContain('That answer could not be used: action: Invalid option');
    expect(notebook.text).toMatch(/#4 model-fallback agent:Mayor/);
    expect(notebook.text).toContain('fourth: RateLimitedError: openrouter: the limit of 3 requests per minute is used up');
    expect(notebook.text).toContain('same as recorded: true');
    expect(notebook.text).toMatch(/cassette_miss: cassette .* has no answer for this request to scripted-llama/);
  },
  '07-seeds-and-your-own-world.ipynb': (notebook) => {
    expect(notebook.text).toContain('model backend: persona-policy (offline)');
    expect(notebook.text).toMatch(/repeat 1 of "villagers": seed (\d+), recorded in the run log as \1/);
    expect(notebook.text).toContain('seed 7 again, same runs: true');
    expect(notebook.text).toMatch(/seed 8, runs that differ from seed 7: [1-9]\d* of 10/);
    expect(notebook.text).toContain('harvest festival: fields resource_level, stability, morale; actions increase_resource, decrease_resource, support_agent, oppose_agent, pass, hold_festival');
    expect(notebook.text).toContain('- hold_festival: morale +10, resource_level -5 (needs 5 resources)');
    expect(notebook.text).toContain('the answer schema allows: increase_resource, decrease_resource, support_agent, oppose_agent, pass, hold_festival');
    expect(notebook.text).toContain('model backend: scripted:festival-bot (a scripted model, offline)');
    expect(notebook.text).toContain('same chart as the live run: true');
    expect(notebook.text).toContain('model backend: ollama:llama3.1:8b (model_name from the scenario settings)');
    expect(notebook.text).toContain('Harvest council: spread over repeats per variant');
    const charts = notebook.cells.flatMap((cell) => cell.outputs).filter((output) => output.data?.[SIMULATION]);
    const festive = charts.map((output) => output.data?.[SIMULATION] as { measures?: string[] }).find((payload) => payload.measures);
    expect(festive?.measures).toEqual(['resource_level', 'stability', 'morale']);
  },
  '08-fork-a-council.ipynb': (notebook) => {
    expect(notebook.text).toContain('model backend: persona-policy (offline)');
    expect(notebook.text).toMatch(/· fork of run run_\S+ after turn 6 \(Mara → Gus\)/);
    expect(notebook.text).toContain('turns 1-6 identical to the original: true');
    expect(notebook.text).toMatch(/turn 7 in the fork: Gus /);
    // Scrubbing: the branch shown with its timeline, and turn 7 read in code.
    expect(notebook.text).toMatch(/\nGus: \w+/);
    expect(notebook.text).toMatch(/Comparing 2 runs of "Harvest council": shared history to turn 6, forks after turn 6/);
    expect(notebook.text).toMatch(/Comparing 3 runs of "Harvest council": shared history to turn 6, forks after turn 6, 9/);
    expect(notebook.text).toContain('fork of a fork again, same run: true');
    expect(notebook.text).toMatch(/run_\S+ completed fork of run_\S+ after turn 9: Brann changed, max_turns 16/);
    expect(notebook.text).toContain('replayed from the run log, same chart: true');
    expect(notebook.text).toContain('resumed (already complete): completed 64 actions');
    expect(notebook.text).toContain('fork(2.5) -> turn 2.5 is not a whole number');
    expect(notebook.text).toContain('Nobody leaves -> personas.Nobody: "Nobody" is not a member of this council; replace one of Mara, Tobin, Ilse, Brann');
    expect(notebook.text).toContain('fork(12) -> a fork after turn 12 would play no turn');
    const outputs = notebook.cells.flatMap((cell) => cell.outputs);
    // The comparison charts show without our renderer: vega-lite, SVG, HTML and text.
    const comparisons = outputs.filter((output) => String(output.data?.['text/plain'] ?? '').startsWith('Comparing '));
    expect(comparisons).toHaveLength(2);
    for (const output of comparisons) expect(Object.keys(output.data ?? {})).toEqual(expect.arrayContaining(['application/vnd.vegalite.v5+json', 'image/svg+xml', 'text/html', 'text/plain']));
    const forks = outputs.map((output) => output.data?.[SIMULATION] as { fork?: { turn: number } } | undefined).filter((payload) => payload?.fork);
    expect(forks.map((payload) => payload?.fork?.turn)).toContain(9);
  },
  '09-runs-that-last.ipynb': (notebook) => {
    expect(notebook.text).toContain('model backend: none (offline tool campers and a local MCP tool server)');
    expect(notebook.text).toContain("the run's process ended by SIGKILL");
    expect(notebook.text).toMatch(/run_\w+: interrupted/);
    // The kill lands at camper call 15: in sentiment's third cycle, after two whole rounds.
    expect(notebook.text).toMatch(/sentiment +interrupted +cycle 3 +torchbearer mood-labeler/);
    expect(notebook.text).toMatch(/summary +idle +cycle 2 +torchbearer alert-writer/);
    expect(notebook.text).toMatch(/resumed as run_\w+ with 12 camper calls \(all 4 cycles make 24\)/);
    expect(notebook.text).toContain('cycle 1: word-count -> ok: 7 words; longest: barrier');
    expect(notebook.text).toMatch(/after 1\.2 s: Party Box asset \w+ expired/);
    const flows = notebook.cells.flatMap((cell) => cell.outputs).map((output) => output.data?.[TORCH_FLOW] as { torches: Array<{ toolCalls?: Array<{ tool: string; status: string }> }> } | undefined).filter((flow) => flow !== undefined);
    expect(flows).toHaveLength(2);
    expect(flows[1]?.torches.flatMap((torch) => torch.toolCalls ?? []).map((call) => `${call.tool}:${call.status}`)).toEqual(['word-count:ok', 'word-count:ok']);
  },
};

const notebooks = fs.readdirSync(notebooksDir).filter((file) => file.endsWith('.ipynb')).sort();

describe('every notebook in notebooks/ runs in the real tslab kernel', () => {
  it('finds the notebooks', () => {
    expect(notebooks).toEqual(expect.arrayContaining(['01-quickstart.ipynb', '02-live-alert.ipynb']));
  });

  it.each(notebooks)('%s runs every cell without an error', async (name) => {
    const notebook = await executeNotebook(path.join(notebooksDir, name), { timeoutSeconds: 300 });
    try {
      expect(notebook.errors).toEqual([]);
      // tslab reports compile errors and uncaught exceptions on stderr.
      const stderr = notebook.cells.flatMap((cell) => cell.outputs.filter((output) => output.name === 'stderr').map((output) => `${cell.source.slice(0, 60)} => ${String(output.text)}`));
      expect(stderr).toEqual([]);
      for (const [index, cell] of notebook.cells.entries()) {
        if (cell.source.trim() !== '' && !cell.source.includes('// no output')) expect({ cell: index, outputs: cell.outputs.length > 0 }).toEqual({ cell: index, outputs: true });
      }
      expectPrints(name, notebook.text);
      expectations[name]?.(notebook);
      // Where our renderer is missing, any front end still has a fallback to show.
      for (const output of notebook.cells.flatMap((cell) => cell.outputs)) {
        if (output.data?.[TORCH_FLOW]) expect(Object.keys(output.data)).toEqual(expect.arrayContaining(['image/svg+xml', 'text/html', 'text/plain']));
        if (output.data?.[SIMULATION]) expect(Object.keys(output.data)).toEqual(expect.arrayContaining(['application/vnd.vegalite.v5+json', 'text/html', 'text/plain']));
      }
      if (notebook.mimeTypes.has(SIMULATION)) expect(notebook.mimeTypes).toContain('application/vnd.vegalite.v5+json');
    } finally {
      notebook.cleanup();
    }
  }, 360_000);
});
