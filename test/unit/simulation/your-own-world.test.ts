import { COUNCIL_ACTIONS, RateLimitedError, Simulation, SqliteRunLog, World, defineWorld, loadSimulationConfig, simulationBundle, simulationConfigFrom, type Action, type ModelRequest, type WorldActionRule } from 'campfires';
import { councilModel, persona } from './council-script';

const harvest = loadSimulationConfig('fixtures/councils/harvest');
const festival: WorldActionRule = {
  type: 'hold_festival',
  effect: 'morale +10, resource_level -5 (needs 5 resources)',
  leaning: 'cooperation',
  refuse: (state) => ((state.resource_level as number) < 5 ? 'a festival needs 5 resources' : null),
  apply: (state) => ({ morale: (state.morale as number) + 10, resource_level: (state.resource_level as number) - 5 }),
};
const festivalWorld = defineWorld({ name: 'harvest festival', fields: { resource_level: 50, stability: 50, morale: 40 }, actions: [...COUNCIL_ACTIONS, festival], endWhen: (state) => ((state.morale as number) >= 100 ? 'morale reached 100' : null) });
const short = (turns: number) => simulationConfigFrom({ scenario: { name: 'Festival council' }, simulation: { ...harvest.simulation, max_turns: turns, log_level: 'silent', stop_when: [] } }, { personas: harvest.personas });

/** A small random generator, so the generated cases are the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('your own world', () => {
  it('a world made of COUNCIL_ACTIONS behaves as World: the same states, refusals and sentences over generated action sequences', () => {
    const council = ['Ada', 'Bo', 'Cy'];
    const types = ['increase_resource', 'decrease_resource', 'support_agent', 'oppose_agent', 'pass', 'launch_rocket'];
    const targets = ['world', 'Ada', 'Bo', 'Cy', 'Zed'];
    const same = defineWorld({ name: 'council', fields: { resource_level: 0, stability: 0 }, actions: COUNCIL_ACTIONS });
    for (let sequence = 0; sequence < 200; sequence += 1) {
      const next = random(sequence + 1);
      const start = { resource_level: Math.floor(next() * 30), stability: Math.floor(next() * 20), turn: 0 };
      const config = simulationConfigFrom({ world: { initial_resource_level: start.resource_level, initial_stability: start.stability } }, { personas: council.map((name) => persona(name)) });
      const world = new World(start, council);
      const rules = same.create(council, config);
      // defineWorld starts from its own fields; put both at the generated start.
      const ruled = defineWorld({ name: 'council', fields: { resource_level: start.resource_level, stability: start.stability }, actions: COUNCIL_ACTIONS }).create(council, config);
      expect(rules.fields).toEqual(world.fields);
      for (let step = 0; step < 30; step += 1) {
        const agent = council[Math.floor(next() * 3)] as string;
        const action: Action = { type: types[Math.floor(next() * types.length)] as string, target: targets[Math.floor(next() * targets.length)] as string, reason: 'r' };
        if (next() < 0.1) expect(ruled.startTurn()).toBe(world.startTurn());
        expect(ruled.allowedActions(agent).map((entry) => [entry.type, entry.available])).toEqual(world.allowedActions(agent).map((entry) => [entry.type, entry.available]));
        expect(ruled.checkAction(agent, action)).toEqual(world.checkAction(agent, action));
        const a = world.change(agent, action);
        const b = ruled.change(agent, action);
        expect(b).toEqual(a);
        expect(ruled.describeChange(agent, action, b)).toBe(world.describeChange(agent, action, a));
      }
    }
  });

  it('plays a sixth action: the prompt lists it, the answer schema allows it, the world applies it, the chart draws its field', async () => {
    const prompts: ModelRequest[] = [];
    const model = councilModel((agent, call, request) => {
      prompts.push(request);
      return call % 2 === 1 ? '{"action": "hold_festival", "target": "world", "reason": "lift spirits"}' : '{"action": "support_agent", "target": "Mara", "reason": "together"}';
    });
    const runLog = SqliteRunLog.open(':memory:');
    const sim = await Simulation.fromSettings(short(2), { model, runLog, world: festivalWorld, narrate: null, live: false }).run();
    const user = prompts[0]?.messages.find((message) => message.role === 'user')?.content ?? '';
    expect(user).toContain('World state (turn 1): resource_level 50, stability 50, morale 40.');
    expect(user).toContain('- hold_festival: morale +10, resource_level -5 (needs 5 resources)');
    expect(user).toContain('"enum":["increase_resource","decrease_resource","support_agent","oppose_agent","pass","hold_festival"]');
    expect(JSON.stringify(prompts[0]?.jsonSchema)).toContain('hold_festival');
    const festivals = sim.transcript.actions.filter((record) => record.action.type === 'hold_festival');
    expect(festivals.length).toBeGreaterThan(0);
    expect(festivals[0]?.message).toMatch(/^\w+ hold_festival: resource_level \d+ → \d+, morale \d+ → \d+$/);
    expect(sim.state.morale).toBe(40 + 10 * festivals.length);
    const payload = sim.payload();
    expect(payload.measures).toEqual(['resource_level', 'stability', 'morale']);
    expect(payload.turns.map((turn) => turn.morale)).toEqual([40, ...sim.transcript.turns.map((turn) => turn.state.morale)]);
    const bundle = await simulationBundle(payload);
    expect(String(bundle['image/svg+xml'])).toContain('measure: morale');
    expect(String(bundle['text/plain'])).toContain(`morale ${sim.state.morale}`);
    expect(String(sim)).toContain(`resource_level ${sim.state.resource_level}, stability ${sim.state.stability}, morale ${sim.state.morale}`);
  });

  it('persona-policy agents weigh a declared action by its leaning, and the world ends the run by its own rule', async () => {
    const peacemakers = [persona('Wren', ['cooperative', 'seeks consensus', 'trusts the council']), persona('Odo', ['cooperative', 'loyal']), persona('Sable', ['collaborative', 'peaceful'])];
    const config = simulationConfigFrom({ scenario: { name: 'Peace' }, simulation: { max_turns: 20, log_level: 'silent' } }, { personas: peacemakers });
    const sim = await Simulation.fromSettings(config, { runLog: SqliteRunLog.open(':memory:'), world: festivalWorld, narrate: null, live: false, seed: 3 }).run();
    expect(sim.transcript.actions.some((record) => record.action.type === 'hold_festival')).toBe(true);
    expect(sim.transcript.end?.reason).toMatch(/^(the world ended: morale reached 100|every agent passed .*|max_turns \(20\) reached)$/);
    if ((sim.state.morale as number) >= 100) expect(sim.transcript.end?.reason).toBe('the world ended: morale reached 100');
  });

  it('replays a custom-world run given the same world, shows it from the log without it, and refuses another world', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    const sim = await Simulation.fromSettings(short(4), { runLog, world: festivalWorld, narrate: null, live: false, seed: 8 }).run();
    const id = sim.runId as string;
    const replay = Simulation.fromRunLog(runLog, id, { world: festivalWorld });
    expect(JSON.stringify(replay.payload())).toBe(JSON.stringify(sim.payload()));
    expect(replay.replay(1).before).toEqual({ resource_level: 50, stability: 50, morale: 40, turn: 0 });
    expect(JSON.stringify(Simulation.fromRunLog(runLog, id).payload())).toBe(JSON.stringify(sim.payload()));
    expect(() => Simulation.fromRunLog(runLog, id, { world: defineWorld({ name: 'harvest festival', fields: { resource_level: 50, stability: 50, morale: 40 }, actions: COUNCIL_ACTIONS }) })).toThrow(
      /was played in the world "harvest festival" \(fields resource_level, stability, morale; actions .*hold_festival\), not in the world "harvest festival" .*; pass the same world to replay it/,
    );
    expect(String(await Simulation.resume(runLog, id, { world: festivalWorld, live: false }))).toBe(String(sim));
  });

  it('resumes a cut custom-world run with the same world, and asks for the world without it', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    for (const cutAt of [2, 5, 7]) {
      let calls = 0;
      const model = councilModel((agent) => {
        calls += 1;
        if (calls === cutAt) return new RateLimitedError({ code: 'model_rate_limited', message: 'the daily limit is used up', details: {} });
        return agent === 'Mara' ? '{"action": "hold_festival", "target": "world", "reason": "again"}' : '{"action": "increase_resource", "target": "world", "reason": "store"}';
      });
      const cut = Simulation.fromSettings(short(3), { model, runLog, world: festivalWorld, narrate: null, live: false });
      await expect(cut.run()).rejects.toThrow('the daily limit is used up');
      const id = cut.runId as string;
      expect(cut.status).toBe('interrupted');
      await expect(Simulation.resume(runLog, id, { model })).rejects.toThrow(`run ${id} was played in your own world "harvest festival"; pass the same world to continue it`);
      const resumed = await Simulation.resume(runLog, id, { model, world: festivalWorld, live: false, narrate: null });
      const whole = await Simulation.fromSettings(short(3), { model: councilModel((agent) => (agent === 'Mara' ? '{"action": "hold_festival", "target": "world", "reason": "again"}' : '{"action": "increase_resource", "target": "world", "reason": "store"}')), runLog, world: festivalWorld, narrate: null, live: false }).run();
      expect(resumed.status).toBe('completed');
      expect(resumed.transcript.actions.map((record) => record.state)).toEqual(whole.transcript.actions.map((record) => record.state));
    }
  });

  it('checks a world and the stop rules against it, naming the field, the value and what is allowed', () => {
    expect(() => defineWorld({ name: 'w', fields: { Morale: 1 }, actions: [] })).toThrow('defineWorld: fields.Morale is not a field name');
    expect(() => defineWorld({ name: 'w', fields: { turn: 1 }, actions: [] })).toThrow('"turn" is kept by the engine');
    expect(() => defineWorld({ name: 'w', fields: { morale: Number.NaN }, actions: [] })).toThrow('defineWorld: fields.morale must start as a finite number');
    expect(() => defineWorld({ name: 'w', fields: { morale: 1 }, actions: [festival, festival] })).toThrow('defineWorld: actions.1.type "hold_festival" is declared twice');
    expect(() => defineWorld({ name: 'w', fields: { morale: 1 }, actions: [{ type: 'Hold Festival', effect: 'x' }] })).toThrow('defineWorld: actions.0.type is not an action name');
    expect(() => defineWorld({ name: 'w', fields: { morale: 1 }, actions: [{ type: 'cheer', effect: '' }] })).toThrow('defineWorld: actions.0.effect must say what the action does');
    expect(defineWorld({ name: 'w', fields: { morale: 1 }, actions: [{ type: 'cheer', effect: 'morale +1' }] }).actions.map((action) => action.type)).toEqual(['cheer', 'pass']);
    const morale = defineWorld({ name: 'w', fields: { morale: 1 }, actions: [{ type: 'cheer', effect: 'morale +1' }] });
    const config = simulationConfigFrom({ simulation: { stop_when: [{ field: 'stability', op: '<=', value: 0 }] } }, { personas: harvest.personas }, { settings: 'mine/settings.yaml', personas: 'mine/personas.yaml' });
    expect(() => Simulation.fromSettings(config, { world: morale, runLog: SqliteRunLog.open(':memory:') })).toThrow('mine/settings.yaml: simulation.stop_when.0.field "stability" is not a field of the world "w"; allowed: morale');
    const broken = defineWorld({ name: 'broken', fields: { morale: 1 }, actions: [{ type: 'cheer', effect: 'morale up', apply: () => ({ happiness: 3 }) }] });
    expect(() => broken.create(['Ada', 'Bo', 'Cy'], config).change('Ada', { type: 'cheer', target: 'world', reason: '' })).toThrow('world "broken": action cheer set happiness to 3; an action sets one of morale to a finite number');
  });
});
