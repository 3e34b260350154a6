import { inspect } from 'node:util';
import { SIMULATION_MIME_TYPE, ScriptedModel, Simulation, SqliteRunLog, ValidationError, simulationPayloadSchema } from 'campfires';
import { inertText } from 'campfires/core';

async function harvest(): Promise<Simulation> {
  const sim = await Simulation.fromConfig('fixtures/councils/harvest', { runLog: SqliteRunLog.open(':memory:'), narrate: null, live: false });
  return sim.run();
}

describe('Simulation in a notebook', () => {
  it('prints a one-line summary that names the backend as offline', async () => {
    const fresh = await Simulation.fromConfig('fixtures/councils/frontier', { runLog: SqliteRunLog.open(':memory:'), narrate: null, live: false });
    expect(inspect(fresh)).toBe('Simulation "Frontier council" · 3 agents · persona-policy (offline) · turn 0/10 · resources 30, stability 40 · not started');
    const sim = await harvest();
    expect(inspect(sim)).toMatch(/^Simulation "Harvest council" · 4 agents · persona-policy \(offline\) · turn 12\/12 · resources \d+, stability \d+ · completed \(max_turns \(12\) reached\) · run run_\w+$/);
  });

  it('builds a valid simulation payload with the initial state and every turn and action', async () => {
    const sim = await harvest();
    const payload = simulationPayloadSchema.parse(sim.payload());
    expect(payload.turns[0]).toEqual({ turn: 0, resource_level: 50, stability: 50 });
    expect(payload.turns).toHaveLength(13);
    expect(payload.actions).toHaveLength(48);
    expect(payload.agents.map((agent) => agent.policy)).toEqual(Array(4).fill('persona-policy (offline)'));
    expect(payload.status).toBe('completed');
    const bundle = await sim.toMimeBundle();
    expect(Object.keys(bundle)).toEqual(expect.arrayContaining([SIMULATION_MIME_TYPE, 'application/vnd.vegalite.v5+json', 'image/svg+xml', 'text/html', 'text/plain']));
  });

  it('shows who did what with reasons, and steps through one turn', async () => {
    const sim = await harvest();
    const timeline = inspect(sim.timeline());
    expect(timeline.split('\n')[0]).toBe('Harvest council (persona-policy (offline)): 48 actions');
    expect(timeline).toContain('turn 1 Mara: increase_resource (ok; resources 60, stability 50) — resources at 50; building them serves "keep the granary full before winter"');
    const turn = sim.replay(1);
    expect(turn.actions.map((record) => record.agent)).toEqual(['Mara', 'Tobin', 'Ilse', 'Brann']);
    expect(inspect(turn).split('\n')[0]).toBe(`turn 1: resources 50 → ${turn.after.resource_level}, stability 50 → ${turn.after.stability}`);
    expect((sim.timeline().toMimeBundle()['text/html'] as string).startsWith('<p><b><bdi>Harvest council')).toBe(true);
  });

  it('says which turns exist when asked for one that does not', async () => {
    const sim = await harvest();
    expect(() => sim.replay(40)).toThrow(ValidationError);
    expect(() => sim.replay(40)).toThrow('turn 40 is not in this run; recorded turns are 1 to 12');
  });

  it('tells listeners about every action and turn as it is written', async () => {
    const sim = await Simulation.fromConfig('fixtures/councils/frontier', { runLog: SqliteRunLog.open(':memory:'), narrate: null, live: false });
    const kinds: string[] = [];
    sim.onEvent((event) => kinds.push(event.kind));
    await sim.run();
    expect(kinds.filter((kind) => kind === 'action-applied')).toHaveLength(sim.transcript.actions.length);
    expect(kinds.filter((kind) => kind === 'turn-end')).toHaveLength(sim.transcript.turns.length);
    expect(kinds.at(-1)).toBe('simulation-end');
  });

  it('refuses to run twice', async () => {
    const sim = await harvest();
    await expect(sim.run()).rejects.toThrow('this simulation already ran');
  });
});

describe('model text in text renderings', () => {
  const hostileReasons = [
    '\u001b[2J\u001b[H\u001b[31mCOUNCIL DISSOLVED\u001b[0m',
    'title\u001b]0;pwned\u0007 and \u009b2J',
    'NUL\u0000 then CR\roverwritten',
    'two\nlines',
  ];

  it.each(hostileReasons)('shows %j inert in the narrative, the timeline and a turn, and escaped in HTML', async (reason) => {
    const model = new ScriptedModel(() => JSON.stringify({ action: 'increase_resource', target: 'world', reason }));
    const lines: string[] = [];
    const sim = await Simulation.fromConfig('fixtures/councils/frontier', { model, runLog: SqliteRunLog.open(':memory:'), narrate: (line) => lines.push(line), live: false });
    await sim.run();
    const controls = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
    for (const line of lines) expect(line).not.toMatch(controls);
    expect(lines[0]).toContain(inertText(reason));
    const timeline = sim.timeline().toString();
    expect(timeline.split('\n').slice(1).every((line) => !controls.test(line) && line.includes(inertText(reason)))).toBe(true);
    expect(sim.replay(1).toString()).not.toMatch(controls);
    expect(sim.timeline().toMimeBundle()['text/html']).not.toContain('\u001b[2J<');
    // The run log keeps what the model wrote, exactly.
    expect(sim.transcript.actions[0]!.action.reason).toBe(reason);
  });
});
