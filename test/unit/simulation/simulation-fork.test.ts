import { resolve } from 'node:path';
import {
  BaseCouncilAgent,
  CampfiresError,
  PersonaPolicyAgent,
  RateLimitedError,
  Simulation,
  SqliteRunLog,
  VEGA_LITE_MIME_TYPE,
  SIMULATION_MIME_TYPE,
  compareRuns,
  defineWorld,
  COUNCIL_ACTIONS,
  loadSimulationConfig,
  type Action,
  type CouncilAgent,
  type Observation,
  type Persona,
  type RoundSummary,
  type RunLog,
  type SimulationConfig,
} from 'campfires';
import { councilModel } from './council-script';

const HARVEST = loadSimulationConfig(resolve(__dirname, '../../../fixtures/councils/harvest'));
const FRONTIER = loadSimulationConfig(resolve(__dirname, '../../../fixtures/councils/frontier'));

const GREEDY: Persona = { name: 'Gus', description: 'A greedy trader passing through.', goals: ['get rich fast'], behavior_biases: ['greedy, exploits the shared stores', 'takes profit where he can'] };

/** A persona of the same name that leans another way: the seat changes its mind, not its name. */
function turned(persona: Persona, variant: number): Persona {
  const biases = [['greedy, exploits the stores'], ['seeks consensus', 'supports whoever helps'], ['skeptical of every proposal', 'competitive'], ['invests boldly in growth'], ['passive, waits and observes']][variant % 5] as string[];
  return { ...persona, description: `${persona.name}, changed.`, behavior_biases: biases };
}

async function ran(config: SimulationConfig, runLog: RunLog, seed: number): Promise<Simulation> {
  return Simulation.fromSettings(config, { runLog, seed, live: false, narrate: null }).run();
}

/**
 * A member that plays the recorded decisions of a run up to `turn`, then decides as a
 * persona-policy agent for `persona`: a run whose history was the fork's up to the fork.
 */
class ScriptedThenPolicy extends BaseCouncilAgent {
  readonly policy: string;
  private readonly inner: PersonaPolicyAgent;

  constructor(
    persona: Persona,
    private readonly script: ReadonlyMap<string, Action>,
    private readonly until: number,
  ) {
    super(persona);
    this.inner = new PersonaPolicyAgent(persona);
    this.policy = this.inner.policy;
  }

  seat(council: readonly string[], depth: number, clock?: Parameters<CouncilAgent['seat']>[2], seed?: number): void {
    super.seat(council, depth, clock, seed);
    this.inner.seat(council, depth, clock, seed);
  }

  remember(round: RoundSummary): void {
    super.remember(round);
    this.inner.remember(round);
  }

  async decideAction(observation: Observation): Promise<Action> {
    const turn = observation.world.turn;
    if (turn <= this.until) {
      this.trace = { fallback: false };
      return this.script.get(`${turn}:${this.name}`) as Action;
    }
    const action = await this.inner.decideAction(observation);
    this.trace = this.inner.takeTrace();
    return action;
  }
}

describe('sim.fork', () => {
  it('a fork that changes nothing plays on exactly as the run it branches from, for every scenario, seed and turn', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    let checked = 0;
    for (const config of [HARVEST, FRONTIER]) {
      for (const seed of [0, 3, 7, 12345]) {
        const parent = await ran(config, runLog, seed);
        const last = parent.transcript.turns.at(-1)?.turn ?? 0;
        for (let turn = 0; turn <= Math.min(last, config.simulation.max_turns - 1); turn += 1) {
          const fork = await parent.fork(turn);
          expect({ seed, turn, transcript: fork.transcript }).toEqual({ seed, turn, transcript: parent.transcript });
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('a fork equals a run whose history was the same up to the fork and whose member then turned', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    let differed = 0;
    for (const seed of [1, 2, 9]) {
      const parent = await ran(HARVEST, runLog, seed);
      const script = new Map(parent.transcript.actions.map((record) => [`${record.turn}:${record.agent}`, record.proposed]));
      for (const [turn, seat] of [
        [0, 0],
        [3, 1],
        [6, 0],
        [8, 3],
        [11, 2],
      ] as const) {
        const persona = HARVEST.personas[seat] as Persona;
        const replaced = turned(persona, seed + turn);
        const fork = await parent.fork(turn, { personas: { [persona.name]: replaced } });
        const council = HARVEST.personas.map((member, index) => (index === seat ? replaced : member));
        const agents = council.map((member) => new ScriptedThenPolicy(member, script, turn));
        const reference = await Simulation.fromSettings({ ...HARVEST, personas: council }, { agents, runLog, seed, live: false, narrate: null }).run();
        expect({ seed, turn, seat, transcript: fork.transcript }).toEqual({ seed, turn, seat, transcript: reference.transcript });
        // The history up to the fork is the run's; the rest is the turned member's.
        expect(fork.transcript.actions.filter((record) => record.turn <= turn)).toEqual(parent.transcript.actions.filter((record) => record.turn <= turn));
        if (JSON.stringify(fork.transcript.actions) !== JSON.stringify(parent.transcript.actions)) differed += 1;
      }
    }
    expect(differed).toBeGreaterThan(0);
  });

  it('gives a seat to a new member: the history before the fork stays, the new member plays on', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    for (const turn of [1, 4, 6, 9]) {
      const parent = await ran(HARVEST, runLog, turn);
      const fork = await parent.fork(turn, { personas: { Mara: GREEDY } });
      expect(fork.agents.map((agent) => agent.name)).toEqual(['Gus', 'Tobin', 'Ilse', 'Brann']);
      expect(fork.transcript.turns.find((entry) => entry.turn === turn)).toEqual(parent.transcript.turns.find((entry) => entry.turn === turn));
      expect(new Set(fork.transcript.actions.filter((record) => record.turn <= turn).map((record) => record.agent))).toContain('Mara');
      const after = fork.transcript.actions.filter((record) => record.turn > turn);
      expect(after.map((record) => record.agent)).not.toContain('Mara');
      expect(after.filter((record) => record.agent === 'Gus').length).toBeGreaterThan(0);
      // Nobody aims at the member who left.
      expect(after.filter((record) => record.action.target === 'Mara')).toEqual([]);
      expect(fork.forkedFrom).toEqual({ runId: parent.runId, turn, label: 'Mara → Gus' });
    }
  });

  it('a fork of a fork is reproducible: the same seed and changes give the same runs, in any run log', async () => {
    const chain = async (runLog: RunLog, seed: number) => {
      const parent = await ran(HARVEST, runLog, seed);
      const first = await parent.fork(5, { personas: { Mara: GREEDY } });
      const second = await first.fork(8, { personas: { Brann: turned(HARVEST.personas[3] as Persona, 1) }, settings: { max_turns: 16 } });
      return { parent, first, second };
    };
    for (const seed of [4, 42, 2024]) {
      const a = await chain(SqliteRunLog.open(':memory:'), seed);
      const b = await chain(SqliteRunLog.open(':memory:'), seed);
      expect(b.second.transcript).toEqual(a.second.transcript);
      expect(a.second.transcript.turns.at(-1)?.turn).toBeGreaterThan(12);
      // Forking the same fork again in the same log gives the same branch too.
      const again = await a.first.fork(8, { personas: { Brann: turned(HARVEST.personas[3] as Persona, 1) }, settings: { max_turns: 16 } });
      expect(again.transcript).toEqual(a.second.transcript);
      expect(again.runId).not.toBe(a.second.runId);
      expect(a.second.forkedFrom?.runId).toBe(a.first.runId);
      expect(a.second.transcript.actions.filter((record) => record.turn <= 5)).toEqual(a.parent.transcript.actions.filter((record) => record.turn <= 5));
    }
  });

  it('stores the branch as a child run: parent and turn in its meta, in runLog.runs() and in every display', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    const parent = await ran(HARVEST, runLog, 11);
    const fork = await parent.fork(6, { personas: { Mara: GREEDY }, seed: 5 });
    const child = runLog.runs({ kind: 'simulation' }).find((run) => run.id === fork.runId);
    expect(child?.meta.fork).toEqual({ parentRunId: parent.runId, turn: 6, state: parent.transcript.turns[5]?.state, label: 'Mara → Gus, seed 5' });
    expect(child?.meta.seed).toBe(5);
    expect((child?.meta.config as { personas: Persona[] }).personas[0]).toEqual(GREEDY);
    expect(String(fork)).toContain(`fork of run ${parent.runId} after turn 6 (Mara → Gus, seed 5)`);
    expect(fork.payload().fork).toEqual({ runId: parent.runId, turn: 6, label: 'Mara → Gus, seed 5' });
    const bundle = await fork.toMimeBundle();
    expect(bundle['text/plain']).toContain(`fork of run ${parent.runId} after turn 6: Mara → Gus, seed 5`);
    expect(bundle['text/html']).toContain(`fork of run ${parent.runId} after turn 6`);
    expect(JSON.stringify(bundle[VEGA_LITE_MIME_TYPE])).toContain(`fork of run ${parent.runId} after turn 6`);
    expect((bundle[SIMULATION_MIME_TYPE] as { fork?: unknown }).fork).toEqual({ runId: parent.runId, turn: 6, label: 'Mara → Gus, seed 5' });
    expect(String(runLog.toMimeBundle()['text/plain'])).toContain(`${fork.runId}  simulation  Harvest council  completed`);
    expect(String(runLog.toMimeBundle()['text/plain'])).toContain(`fork of ${parent.runId} after turn 6`);
    expect(parent.forkedFrom).toBeNull();
    const labelled = await parent.fork(2, { label: 'my what-if', settings: { stop_after_all_pass_rounds: 3 } });
    expect(labelled.forkedFrom?.label).toBe('my what-if');
  });

  it('replays a fork from the run log and resumes one that stopped, like any run', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    const parent = await ran(HARVEST, runLog, 3);
    const fork = await parent.fork(4, { personas: { Mara: GREEDY } });
    const replay = Simulation.fromRunLog(runLog, fork.runId as string);
    expect(replay.payload()).toEqual(fork.payload());
    expect(replay.transcript).toEqual(fork.transcript);
    expect(String(replay)).toBe(String(fork));
    expect(String(replay.replay(4))).toBe(String(parent.replay(4)));
    // A fork of the replay is the same as a fork of the live run.
    expect((await replay.fork(7, { narrate: null })).transcript).toEqual(fork.transcript);

    // An LLM fork cut short by a rate limit continues with Simulation.resume, and ends as an uncut one.
    const answer = (agent: string) => (agent === 'Gus' ? '{"action": "decrease_resource", "target": "world", "reason": "profit"}' : '{"action": "increase_resource", "target": "world", "reason": "store"}');
    const whole = await parent.fork(4, { personas: { Mara: GREEDY }, model: councilModel((agent) => answer(agent)) });
    const limited = councilModel((agent, call) => (call > 9 ? new RateLimitedError({ code: 'model_rate_limited', message: 'scripted: the limit is used up', details: { retryAt: 0, retryable: false } }) : answer(agent)));
    const error = await parent.fork(4, { personas: { Mara: GREEDY }, model: limited }).then(
      () => null,
      (failure: unknown) => failure,
    );
    expect((error as CampfiresError).code).toBe('simulation_interrupted');
    const cutId = String((error as CampfiresError).details.runId);
    expect(runLog.run(cutId).status).toBe('interrupted');
    expect(runLog.run(cutId).meta.fork).toMatchObject({ parentRunId: parent.runId, turn: 4 });
    // A run that stopped forks after any turn it finished, and no later.
    const cut = Simulation.fromRunLog(runLog, cutId);
    const lastFinished = cut.transcript.turns.at(-1)?.turn as number;
    expect(lastFinished).toBe(6);
    const fromCut = await cut.fork(lastFinished, { model: null, narrate: null });
    expect(fromCut.status).toBe('completed');
    expect(fromCut.transcript.actions.filter((record) => record.turn <= lastFinished)).toEqual(whole.transcript.actions.filter((record) => record.turn <= lastFinished));
    await expect(cut.fork(lastFinished + 1, { model: null })).rejects.toThrow(`a whole number from 0 (its start) to ${lastFinished}`);
    const healthy = councilModel((agent) => answer(agent));
    const resumed = await Simulation.resume(runLog, cutId, { model: healthy, live: false, narrate: null });
    expect(resumed.status).toBe('completed');
    expect(healthy.requests).toHaveLength(whole.transcript.actions.filter((record) => record.turn > 4).length - 9);
    expect(resumed.transcript).toEqual(whole.transcript);
    expect(resumed.forkedFrom).toEqual(whole.forkedFrom);
  });

  it('a world a replay cannot play is refused, naming the world to pass', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    const festival = defineWorld({ name: 'festival', fields: { resource_level: 50, stability: 50 }, actions: [...COUNCIL_ACTIONS] });
    const played = await Simulation.fromSettings(HARVEST, { runLog, world: festival, seed: 2, live: false, narrate: null }).run();
    const replay = Simulation.fromRunLog(runLog, played.runId as string);
    await expect(replay.fork(3, { narrate: null })).rejects.toThrow(expect.objectContaining({ code: 'simulation_fork_world', issues: [expect.objectContaining({ field: 'world' })] }));
    expect((await replay.fork(3, { world: festival, narrate: null })).transcript).toEqual(played.transcript);
  });

  it('forks into a world with other rules, from the recorded state', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    const parent = await ran(HARVEST, runLog, 8);
    const lean = defineWorld({
      name: 'lean year',
      fields: { resource_level: 50, stability: 50 },
      actions: COUNCIL_ACTIONS.map((rule) => (rule.type === 'increase_resource' ? { ...rule, effect: 'resource_level +2', apply: (state: { resource_level: number }) => ({ resource_level: state.resource_level + 2 }) } : rule)),
    });
    const fork = await parent.fork(5, { world: lean });
    const firstAfter = fork.transcript.actions.find((record) => record.turn === 6);
    expect(firstAfter && JSON.stringify(firstAfter.state)).toBeDefined();
    const raises = fork.transcript.actions.filter((record) => record.turn > 5 && record.action.type === 'increase_resource' && record.success);
    expect(raises.length).toBeGreaterThan(0);
    for (const record of raises) expect(record.message).toMatch(/raised resources (\d+) → (\d+)/);
    const before = fork.transcript.turns.find((entry) => entry.turn === 5)?.state;
    expect(before).toEqual(parent.transcript.turns.find((entry) => entry.turn === 5)?.state);
    expect(fork.forkedFrom?.label).toBe('world lean year');
    expect(Simulation.fromRunLog(runLog, fork.runId as string, { world: lean }).transcript).toEqual(fork.transcript);
  });

  describe('refuses bad input, naming the field, the value and what is allowed', () => {
    let runLog: RunLog;
    let parent: Simulation;
    beforeAll(async () => {
      runLog = SqliteRunLog.open(':memory:');
      parent = await ran(HARVEST, runLog, 1);
    });

    const refusal = async (promise: Promise<unknown>) => {
      const error = await promise.then(
        () => null,
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(CampfiresError);
      return error as CampfiresError & { issues?: { field: string; given?: unknown; allowed?: unknown }[] };
    };

    it.each([-1, 13, 100, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '3', null])('turn %p', async (turn) => {
      const error = await refusal(parent.fork(turn as number));
      expect(error.code).toBe('simulation_fork_turn');
      expect(error.issues?.[0]?.field).toBe('turn');
      expect(error.issues?.[0]?.allowed).toEqual({ min: 0, max: 12 });
      expect(error.message).toContain('a whole number from 0 (its start) to 12');
    });

    it('the last turn of a run that played all its turns, unless max_turns is raised', async () => {
      const error = await refusal(parent.fork(12));
      expect(error.code).toBe('simulation_fork_no_turns');
      expect(error.message).toContain('pass settings: { max_turns: 13 or more }');
      expect((await parent.fork(12, { settings: { max_turns: 14 } })).transcript.turns.at(-1)?.turn).toBe(14);
      const lower = await refusal(parent.fork(6, { settings: { max_turns: 5 } }));
      expect(lower.issues?.[0]).toMatchObject({ field: 'settings.max_turns', given: 5, allowed: { min: 7 } });
    });

    it.each(['Nobody', 'mara', 'world', ''])('a persona name that is not in the council: %p', async (name) => {
      const error = await refusal(parent.fork(3, { personas: { [name]: GREEDY } }));
      expect(error.code).toBe('simulation_fork_personas');
      expect(error.issues?.[0]).toMatchObject({ field: `personas.${name}`, given: name, allowed: ['Mara', 'Tobin', 'Ilse', 'Brann'] });
    });

    it('a replacement that is not a persona, or that sits twice', async () => {
      const bad = await refusal(parent.fork(3, { personas: { Mara: { name: 'Gus' } as Persona } }));
      expect(bad.message).toMatch(/personas\.Mara: description/);
      const twice = await refusal(parent.fork(3, { personas: { Mara: { ...GREEDY, name: 'Tobin' } } }));
      expect(twice.message).toContain('"Tobin" is used twice');
      const small = await refusal(parent.fork(3, { personas: [GREEDY] }));
      expect(small.code).toBe('simulation_council_size');
    });

    it('settings that are not scenario settings', async () => {
      const unknown = await refusal(parent.fork(3, { settings: { max_turn: 20 } as never }));
      expect(unknown.message).toContain('unknown key(s) max_turn');
      expect(unknown.message).toContain('allowed keys: max_turns');
      const zero = await refusal(parent.fork(3, { settings: { stop_after_all_pass_rounds: 0 } }));
      expect(zero.message).toMatch(/settings: stop_after_all_pass_rounds/);
    });

    it('a world with other fields, a seed that is no seed, a label too long', async () => {
      const other = defineWorld({ name: 'festival', fields: { resource_level: 50, stability: 50, morale: 40 }, actions: [...COUNCIL_ACTIONS] });
      const world = await refusal(parent.fork(3, { world: other }));
      expect(world.issues?.[0]).toMatchObject({ field: 'world', allowed: ['resource_level', 'stability'] });
      expect((await refusal(parent.fork(3, { seed: -4 }))).code).toBe('simulation_seed_invalid');
      expect((await refusal(parent.fork(3, { label: 'x'.repeat(81) }))).issues?.[0]?.field).toBe('label');
    });

    it('a simulation that has not run, or is running', async () => {
      const fresh = Simulation.fromSettings(HARVEST, { runLog, live: false, narrate: null });
      const notRun = await refusal(fresh.fork(0));
      expect(notRun.issues?.[0]).toMatchObject({ field: 'status', given: 'not started' });
      const slow = councilModel(() => '{"action": "pass", "target": "world", "reason": "wait"}', 'slow', 20);
      const running = Simulation.fromSettings(HARVEST, { runLog, model: slow, live: false, narrate: null });
      const done = running.run();
      const error = await refusal(running.fork(0));
      expect(error.code).toBe('simulation_fork_status');
      expect(error.message).toContain(`run ${running.runId} is still running`);
      expect(error.issues?.[0]).toMatchObject({ field: 'status', given: 'running', allowed: ['completed', 'interrupted', 'failed'] });
      await done;
    });

    it('an LLM run replayed without a model', async () => {
      const llm = await Simulation.fromSettings(HARVEST, { runLog, model: councilModel(() => '{"action": "pass", "target": "world", "reason": "wait"}'), live: false, narrate: null }).run();
      const replay = Simulation.fromRunLog(runLog, llm.runId as string);
      const error = await refusal(replay.fork(1));
      expect(error.code).toBe('simulation_fork_needs_model');
      expect(error.issues?.[0]).toMatchObject({ field: 'model', allowed: 'scripted:script' });
      // The offline agents, or the live run's own model, are allowed.
      expect((await replay.fork(1, { model: null, narrate: null })).backend).toBe('persona-policy (offline)');
      expect((await llm.fork(1)).backend).toBe('scripted:script');
    });
  });
});

describe('compareRuns', () => {
  it('draws a run and its forks on one chart: the shared history once, each branch from its fork', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    for (const [seed, turn] of [
      [1, 2],
      [5, 6],
      [9, 9],
    ] as const) {
      const parent = await ran(HARVEST, runLog, seed);
      const greedy = await parent.fork(turn, { personas: { Mara: GREEDY } });
      const later = await greedy.fork(turn + 2, { personas: { Brann: turned(HARVEST.personas[3] as Persona, 1) } });
      const comparison = compareRuns([parent, greedy, later]);
      expect(comparison.sharedUntil).toBe(turn);
      expect(comparison.drawnFrom).toEqual([turn, turn, turn + 2]);
      const points = comparison.points();
      const shared = points.filter((point) => point.branch === `shared (turns 0–${turn})`);
      expect(shared.map((point) => point.turn)).toEqual(Array.from({ length: turn + 1 }, (_, index) => [index, index]).flat());
      for (const [index, run] of [parent, greedy, later].entries()) {
        const label = comparison.runs[index]?.label as string;
        const mine = points.filter((point) => point.branch === label && point.field === 'resource_level');
        expect(mine[0]?.turn).toBe(comparison.drawnFrom[index]);
        expect(mine.map((point) => point.value)).toEqual(run.payload().turns.filter((entry) => entry.turn >= (comparison.drawnFrom[index] as number)).map((entry) => entry.resource_level));
      }
      expect(comparison.runs.map((run) => run.label)).toEqual(['original', `fork after turn ${turn}: Mara → Gus`, `fork after turn ${turn + 2}: Brann changed`]);
      const bundle = await comparison.toMimeBundle();
      expect(Object.keys(bundle)).toEqual([VEGA_LITE_MIME_TYPE, 'image/svg+xml', 'text/html', 'text/plain']);
      expect(bundle['image/svg+xml']).toContain('<svg');
      expect(bundle['image/svg+xml']).toContain(`fork after turn ${turn}`);
      expect(bundle['text/plain']).toContain(`Comparing 3 runs of "Harvest council": shared history to turn ${turn}, forks after turn ${turn}, ${turn + 2}`);
      expect(bundle['text/plain']).toContain(`fork of run ${parent.runId} after turn ${turn}`);
      expect(String(bundle['text/html'])).toContain(`shared history to turn ${turn}`);
    }
  });

  it('runs that share nothing are aligned by turn, with no shared history; labels are escaped', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    const a = await ran(HARVEST, runLog, 1);
    const b = Simulation.fromRunLog(runLog, (await ran(HARVEST, runLog, 2)).runId as string);
    const comparison = compareRuns([a, b], { labels: ['<b>seed 1</b>', 'seed 2'] });
    expect(comparison.sharedUntil).toBe(-1);
    expect(comparison.points().some((point) => point.branch.startsWith('shared'))).toBe(false);
    const bundle = await comparison.toMimeBundle();
    expect(bundle['text/plain']).toContain('no shared history');
    expect(bundle['text/html']).toContain('&lt;b&gt;seed 1&lt;/b&gt;');
    expect(bundle['text/html']).not.toContain('<b>seed 1</b>');
  });

  it('refuses what is not a list of simulations that ran', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    const a = await ran(HARVEST, runLog, 1);
    expect(() => compareRuns([])).toThrow(expect.objectContaining({ code: 'compare_runs_invalid', issues: [expect.objectContaining({ field: 'runs' })] }));
    expect(() => compareRuns([a, Simulation.fromSettings(HARVEST, { runLog, live: false })])).toThrow('runs[1] is a simulation that has not run yet');
    expect(() => compareRuns([a, 'run_x' as never])).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ field: 'runs[1]', given: 'string' })] }));
    expect(() => compareRuns([a], { labels: ['one', 'two'] })).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ field: 'labels', allowed: 1 })] }));
  });
});
