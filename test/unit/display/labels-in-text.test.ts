/**
 * The labels of the text, HTML and chart forms: right-to-left overrides in names stay
 * inside them, a 12-season council played 12 turns, and the action-mix rows of
 * persona experiments read differently however alike the variants' names.
 */
import { SqliteRunLog, runPersonaExperiment, simulationBundle, torchFlowBundle } from 'campfires';
import type { SimulationPayload, TorchFlowPayload } from 'campfires/display';

const RLO = '\u202E';
const HEBREW = 'שלום';

/** True when every override or embedding that starts inside an isolate ends with it. */
function overridesContained(text: string): boolean {
  for (const line of text.split('\n')) {
    let depth = 0;
    for (const char of line) {
      if (char === '\u2068' || char === '\u2066' || char === '\u2067') depth += 1;
      else if (char === '\u2069') depth -= 1;
      else if (/[\u202A-\u202E]/.test(char) && depth === 0) return false;
    }
    if (depth !== 0) return false;
  }
  return true;
}

function flow(name: string): TorchFlowPayload {
  return {
    version: 1, runId: 'r', title: name, backend: 'offline', status: 'completed',
    campfires: [{ name, campers: [name], inputs: [], output: null, status: 'idle' }],
    channels: [],
    torches: [{ seq: 4, messageId: 'm', cycle: 1, from: name, torchbearer: name, channel: '', to: [], claim: name, confidence: 1, error: false, ts: 1, metadata: {} }],
    errors: [{ seq: 2, cycle: 1, campfire: name, camper: name, message: name, ts: 1 }],
  };
}

function council(name: string, seasons: number, status: SimulationPayload['status'] = 'completed', extraTurn = false): SimulationPayload {
  const turns = Array.from({ length: seasons + 1 }, (_, turn) => ({ turn, resource_level: 50 + turn, stability: 50 }));
  const actions = Array.from({ length: seasons + (extraTurn ? 1 : 0) }, (_, index) => ({ turn: index + 1, agent: name, action: 'pass', target: null, reason: name, success: true, message: name, fallback: false }));
  return { version: 1, runId: 'r', title: name, backend: 'offline', status, agents: [{ name, description: name, policy: 'p' }], turns, actions };
}

describe('user text in plain text and HTML', () => {
  it.each([`evil${RLO}eman`, `${RLO}`, `a${RLO}b\u202Dc`, HEBREW, `${HEBREW} ${RLO}x`])('keeps the direction of %j inside it', async (name) => {
    const torchText = String((await torchFlowBundle(flow(name)))['text/plain']);
    const councilText = String((await simulationBundle(council(name, 2)))['text/plain']);
    for (const text of [torchText, councilText]) {
      expect(overridesContained(text)).toBe(true);
      // The library's own words after the name are still there, in order.
      expect(text).toMatch(/backend: offline/);
    }
    expect(torchText).toContain('→ (result)');
    // Every occurrence of the name in HTML (outside the SVG, where each label is its own <text>) sits in its own <bdi>.
    const html = (String((await torchFlowBundle(flow(name)))['text/html']) + String((await simulationBundle(council(name, 2)))['text/html'])).replace(/<svg[\s\S]*?<\/svg>/g, '');
    expect(html.split(name).length - 1).toBe(html.split(`<bdi>${name}</bdi>`).length - 1 + (html.split(`title="${name}"`).length - 1));
  });

  it('numbers torches by their place and shows a failed camper as its own line', async () => {
    const text = String((await torchFlowBundle(flow('scout')))['text/plain']);
    expect(text).toContain('ERROR cycle 1 scout (scout) failed: "scout"');
    expect(text).toContain('#1 cycle 1 scout (scout) → (result): "scout"');
    expect(text).not.toContain('#4');
  });
});

describe('turn counts', () => {
  it.each([1, 2, 12])('a %i-season council played that many turns: turn 0 is the start state', async (seasons) => {
    const bundle = await simulationBundle(council('Ada', seasons));
    expect(String(bundle['text/plain'])).toContain(`, ${seasons} turn${seasons === 1 ? '' : 's'},`);
    expect(String(bundle['text/html'])).toContain(`${seasons} turn${seasons === 1 ? '' : 's'}`);
  });

  it('an interrupted council shows no action of a turn without a world point, and says how many it left out', async () => {
    const bundle = await simulationBundle(council('Ada', 2, 'interrupted', true));
    const text = String(bundle['text/plain']);
    expect(text).not.toMatch(/turn 3 Ada/);
    expect(text).toContain('1 action of an unfinished turn not shown');
    const spec = bundle['application/vnd.vegalite.v5+json'] as { vconcat: { data: { values: { turn: number }[] } }[] };
    const worldTurns = new Set(spec.vconcat[0]?.data.values.map((value) => value.turn));
    for (const action of spec.vconcat[1]?.data.values ?? []) expect(worldTurns.has(action.turn)).toBe(true);
  });
});

describe('persona experiment action mix', () => {
  it('gives every variant-and-persona row a distinct label that the axis shows whole', async () => {
    const variants = [
      { label: 'villagers' },
      { label: 'villagers, lean year', world: { initial_resource_level: 20 } },
      { label: 'villagers, lean year, and a very long description of the drought', world: { initial_resource_level: 25 } },
      { label: 'villagers, lean year, and a very long description of the flood', world: { initial_resource_level: 30 } },
    ];
    const experiment = await runPersonaExperiment({ scenario: 'fixtures/councils/harvest', runLog: SqliteRunLog.open(':memory:'), concurrency: 2, variants, simulation: { max_turns: 2 } } as never);
    const spec = experiment.vegaLiteSpec() as { hconcat: { data: { values: { variant: string; persona: string; row: string }[] }; encoding: { y: { field: string; axis?: { labelLimit: number } } } }[] };
    const mix = spec.hconcat[1];
    const rows = new Map<string, string>();
    for (const value of mix?.data.values ?? []) rows.set(`${value.variant}|${value.persona}`, value.row);
    expect(rows.size).toBe(16);
    expect(new Set(rows.values()).size).toBe(16);
    for (const row of rows.values()) expect([...row].length).toBeLessThanOrEqual(32);
    expect(mix?.encoding.y.field).toBe('row');
  });
});
