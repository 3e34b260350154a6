import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LLMAgent, ManualClock, PersonaPolicyAgent, RateLimitedError, Simulation, SqliteRunLog, simulationConfigFrom, type ModelRequest, type RoundSummary, type ScriptedModel } from 'campfires';
import { SimulationController, describeRound } from 'campfires/simulation';
import { councilModel, persona } from './council-script';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'council-run-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const names = ['Ada', 'Bo', 'Cy'];
const config = (simulation: Record<string, unknown> = {}, world: Record<string, unknown> = {}) =>
  simulationConfigFrom({ scenario: { name: 'Test council' }, simulation: { log_level: 'silent', ...simulation }, world }, { personas: names.map((name) => persona(name)) });

/** Answers by agent: Ada builds, Bo draws, Cy supports Ada; a function can override per call. */
const scripted = (override?: (agent: string, call: number, request: ModelRequest) => string | undefined) =>
  councilModel((agent, call, request) => {
    const custom = override?.(agent, call, request);
    if (custom !== undefined) return custom;
    if (agent === 'Ada') return '{"action": "increase_resource", "target": "world", "reason": "build"}';
    if (agent === 'Bo') return '{"action": "decrease_resource", "target": "world", "reason": "draw"}';
    return '{"action": "support_agent", "target": "Ada", "reason": "back Ada"}';
  });

function llmAgents(model: ScriptedModel) {
  return names.map((name) => new LLMAgent(persona(name), { model }));
}

describe('SimulationController', () => {
  it('stops at max_turns and writes every action and turn to the run log', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    const controller = new SimulationController({ config: config({ max_turns: 3 }), agents: llmAgents(scripted()), runLog, backend: 'scripted:script', narrate: null });
    const result = await controller.run();
    expect(result.end).toEqual({ reason: 'max_turns (3) reached', state: { resource_level: 50, stability: 65, turn: 3 }, turns: 3 });
    const run = controller.currentRun;
    expect(run?.kind).toBe('simulation');
    expect(run?.status).toBe('completed');
    const kinds = runLog.events(run?.id ?? '').map((event) => event.kind);
    expect(kinds.filter((kind) => kind === 'action-applied')).toHaveLength(9);
    expect(kinds.filter((kind) => kind === 'turn-end')).toHaveLength(3);
    expect(kinds.at(-1)).toBe('simulation-end');
  });

  it('replaces an invalid action by pass and says why', async () => {
    const model = scripted((agent) => (agent === 'Bo' ? '{"action": "oppose_agent", "target": "Bo", "reason": "self"}' : undefined));
    const lines: string[] = [];
    const controller = new SimulationController({ config: config({ max_turns: 1 }), agents: llmAgents(model), runLog: SqliteRunLog.open(':memory:'), backend: 'scripted', narrate: (line) => lines.push(line) });
    const result = await controller.run();
    const bo = result.actions.find((record) => record.agent === 'Bo');
    expect(bo?.action.type).toBe('pass');
    expect(bo?.valid).toBe(false);
    expect(bo?.fallback).toBe(true);
    expect(lines[1]).toBe('turn 1 · Bo: pass [proposed oppose_agent: oppose_agent needs another council member as target (one of Ada, Cy), got "Bo"] — "replaced by pass: oppose_agent needs another council member as target (one of Ada, Cy), got "Bo"" (resources 60, stability 50)');
  });

  it('narrates failed model attempts at log_level debug', async () => {
    const model = scripted((agent, call) => (agent === 'Ada' && call === 1 ? 'no idea' : undefined));
    const lines: string[] = [];
    await new SimulationController({ config: config({ max_turns: 1, log_level: 'debug' }), agents: llmAgents(model), runLog: SqliteRunLog.open(':memory:'), backend: 'scripted', narrate: (line) => lines.push(line) }).run();
    expect(lines[0]).toMatch(/^turn 1 · Ada: increase_resource/);
    expect(lines[1]).toBe('    Ada attempt 1: the answer contains no JSON object');
  });

  it('refuses decrease_resource at 0 resources in a run', async () => {
    const model = scripted((agent) => (agent === 'Ada' ? '{"action": "pass", "target": "world", "reason": "wait"}' : agent === 'Cy' ? '{"action": "decrease_resource", "target": "world", "reason": "more"}' : undefined));
    const result = await new SimulationController({ config: config({ max_turns: 1 }, { initial_resource_level: 10 }), agents: llmAgents(model), runLog: SqliteRunLog.open(':memory:'), backend: 'scripted', narrate: null }).run();
    expect(result.actions.map((record) => [record.agent, record.action.type, record.state.resource_level])).toEqual([
      ['Ada', 'pass', 10],
      ['Bo', 'decrease_resource', 0],
      ['Cy', 'pass', 0],
    ]);
    expect(result.actions[2]?.invalidReason).toBe('decrease_resource is not allowed when resource_level is 0');
  });

  it('stops after N consecutive all-pass rounds', async () => {
    const model = scripted((_agent, call) => (call > 3 ? '{"action": "pass", "target": "world", "reason": "wait"}' : undefined));
    const result = await new SimulationController({ config: config({ max_turns: 10, stop_after_all_pass_rounds: 2 }), agents: llmAgents(model), runLog: SqliteRunLog.open(':memory:'), backend: 'scripted', narrate: null }).run();
    expect(result.end?.reason).toBe('every agent passed 2 rounds in a row');
    expect(result.end?.turns).toBe(3);
    expect(result.turns.map((turn) => turn.allPassStreak)).toEqual([0, 1, 2]);
  });

  it('stops at a terminal world condition from the config', async () => {
    const model = scripted((agent) => (agent === 'Cy' ? '{"action": "oppose_agent", "target": "Bo", "reason": "no"}' : '{"action": "pass", "target": "world", "reason": "."}'));
    const result = await new SimulationController({
      config: config({ max_turns: 10, stop_when: [{ field: 'stability', op: '<=', value: 40 }] }),
      agents: llmAgents(model),
      runLog: SqliteRunLog.open(':memory:'),
      backend: 'scripted',
      narrate: null,
    }).run();
    expect(result.end).toMatchObject({ reason: 'terminal condition: stability <= 40', turns: 2, state: { stability: 40 } });
  });

  it('refuses agents for 2 or 6 personas', () => {
    const two = [persona('Ada'), persona('Bo')].map((entry) => new PersonaPolicyAgent(entry));
    expect(() => new SimulationController({ config: config(), agents: two, runLog: SqliteRunLog.open(':memory:'), backend: 'x' })).toThrow('a council has 3 to 5 personas; got 2 (Ada, Bo)');
  });

  it('gives byte-identical logs for the same config and decisions', async () => {
    const paths = [join(dir, 'a.jsonl'), join(dir, 'b.jsonl')];
    const narratives: string[][] = [[], []];
    for (const [index, path] of paths.entries()) {
      const clock = new ManualClock(Date.UTC(2026, 0, 1) + index * 99_999);
      await new SimulationController({ config: config({ max_turns: 4 }), agents: llmAgents(scripted()), runLog: SqliteRunLog.open(':memory:'), backend: 'scripted', debugLogPath: path, narrate: (line) => narratives[index]?.push(line), clock }).run();
    }
    const [first, second] = paths.map((path) => readFileSync(path));
    expect(first?.equals(second as Buffer)).toBe(true);
    expect(narratives[0]).toEqual(narratives[1]);
    const lines = (first?.toString() ?? '').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ event: 'simulation-start', scenario: 'Test council' });
    expect(lines[1]).toMatchObject({ event: 'action', agent: 'Ada', state: { resource_level: 60, stability: 50, turn: 1 }, trace: { fallback: false, attempts: [{ attempt: 1, raw: '{"action": "increase_resource", "target": "world", "reason": "build"}' }] } });
    expect(String((lines[1]?.trace as { prompt: string }).prompt)).toContain('You are Ada.');
    expect(lines.at(-1)).toMatchObject({ event: 'simulation-end', turns: 4 });
  });

  it('stamps each action and turn with the time it happened, though its row is written while the next model thinks', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    // Every model call takes 7 ms of the simulation's clock.
    const model = scripted((_agent, _call) => {
      clock.advance(7);
      return undefined;
    });
    const runLog = SqliteRunLog.open(':memory:');
    const controller = new SimulationController({ config: config({ max_turns: 2 }), agents: llmAgents(model), runLog, backend: 'scripted', clock });
    await controller.run();
    const start = Date.UTC(2026, 0, 1);
    const events = runLog.events((controller.currentRun as { id: string }).id).filter((event) => event.kind !== 'simulation-end');
    expect(events.map((event) => `${event.kind} ${event.camper ?? ''} +${event.ts - start}`)).toEqual([
      'model-attempt agent:Ada +7',
      'action-applied Ada +7',
      'model-attempt agent:Bo +14',
      'action-applied Bo +14',
      'model-attempt agent:Cy +21',
      'action-applied Cy +21',
      'turn-end  +21',
      'model-attempt agent:Ada +28',
      'action-applied Ada +28',
      'model-attempt agent:Bo +35',
      'action-applied Bo +35',
      'model-attempt agent:Cy +42',
      'action-applied Cy +42',
      'turn-end  +42',
    ]);
  });

  it('records a decision\'s model attempts, each at the time its answer came, before the action they led to', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const model = scripted((agent, call) => {
      clock.advance(7);
      return agent === 'Bo' && call === 2 ? 'no idea' : undefined;
    });
    const runLog = SqliteRunLog.open(':memory:');
    const controller = new SimulationController({ config: config({ max_turns: 1 }), agents: llmAgents(model), runLog, backend: 'scripted', clock, narrate: null });
    await controller.run();
    const start = Date.UTC(2026, 0, 1);
    const events = runLog.events((controller.currentRun as { id: string }).id);
    expect(events.map((event) => `${event.kind} ${event.camper ?? ''} +${event.ts - start} ${(event.data as { ok?: boolean }).ok ?? ''}`)).toEqual([
      'model-attempt agent:Ada +7 true',
      'action-applied Ada +7 ',
      'model-attempt agent:Bo +14 false',
      'model-attempt agent:Bo +21 true',
      'action-applied Bo +21 ',
      'model-attempt agent:Cy +28 true',
      'action-applied Cy +28 ',
      'turn-end  +28 ',
      'simulation-end  +28 ',
    ]);
  });

  it('keeps the attempts of a decision stopped by a rate limit in the run log before the interruption', async () => {
    const limit = new RateLimitedError({ code: 'model_rate_limited', message: 'scripted: 2 requests per day used up', details: { retryAt: 0, retryable: false } });
    const runLog = SqliteRunLog.open(':memory:');
    const controller = new SimulationController({ config: config({ max_turns: 2 }), agents: llmAgents(councilModel((_agent, call) => (call === 3 ? limit : '{"action": "pass", "target": "world", "reason": "wait"}'))), runLog, backend: 'scripted', narrate: null });
    await expect(controller.run()).rejects.toThrow('stopped at turn 1 while Cy was deciding (scripted: 2 requests per day used up)');
    const events = runLog.events((controller.currentRun as { id: string }).id);
    expect(events.map((event) => `${event.kind} ${event.camper}`)).toEqual([
      'model-attempt agent:Ada',
      'action-applied Ada',
      'model-attempt agent:Bo',
      'action-applied Bo',
      'model-attempt agent:Cy',
      'model-fallback agent:Cy',
      'simulation-interrupted Cy',
    ]);
    expect((events[4]?.data as { error: string }).error).toBe('scripted: 2 requests per day used up');
  });

  it('writes the records of every earlier action to the run log while a model thinks', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    const seen: number[] = [];
    let controller: SimulationController | undefined;
    // Each answer takes 2 ms; when it comes, the log already holds every action before the one being decided.
    const model = councilModel(
      (agent) => {
        const run = controller?.currentRun;
        seen.push(run ? runLog.events(run.id, { kinds: ['action-applied'] }).length : -1);
        return agent === 'Bo' ? '{"action": "pass", "target": "world", "reason": "wait"}' : '{"action": "increase_resource", "target": "world", "reason": "build"}';
      },
      'script',
      2,
    );
    controller = new SimulationController({ config: config({ max_turns: 2 }), agents: llmAgents(model), runLog, backend: 'scripted', narrate: null });
    await controller.run();
    // While decision n (from 0) is made, all n actions before it are in the log: a kill loses none of them.
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('stops the run with the error of a run-log write that failed while a model thought, keeping what was written', async () => {
    const inner = SqliteRunLog.open(':memory:');
    let writes = 0;
    const failing = new Proxy(inner, {
      get(target, property) {
        if (property === 'appendMany') {
          return (runId: string, events: Parameters<SqliteRunLog['appendMany']>[1]) => {
            writes += 1;
            if (writes === 3) throw new Error('disk full');
            return target.appendMany(runId, events);
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const controller = new SimulationController({ config: config({ max_turns: 3 }), agents: llmAgents(councilModel(() => '{"action": "pass", "target": "world", "reason": "wait"}', 'script', 1)), runLog: failing, backend: 'scripted', narrate: null });
    await expect(controller.run()).rejects.toThrow('disk full');
    const run = controller.currentRun as { id: string };
    const kinds = inner.events(run.id).map((event) => event.kind);
    expect(kinds.slice(0, 4)).toEqual(['model-attempt', 'action-applied', 'model-attempt', 'action-applied']);
  });

  it('gives each round summary the line prompts show for it', async () => {
    const remembered: RoundSummary[] = [];
    class Listening extends PersonaPolicyAgent {
      override remember(round: RoundSummary): void {
        if (this.name === 'Ada') remembered.push(round);
        super.remember(round);
      }
    }
    const agents = names.map((name) => new Listening(persona(name, name === 'Bo' ? ['skeptical', 'competitive'] : ['cooperative'])));
    await new SimulationController({ config: config({ max_turns: 4 }), agents, runLog: SqliteRunLog.open(':memory:'), backend: 'persona-policy (offline)', narrate: null }).run();
    expect(remembered).toHaveLength(4);
    for (const round of remembered) {
      expect(Object.isFrozen(round) && round.actions.every((entry) => Object.isFrozen(entry))).toBe(true);
      expect(round.line).toBe(describeRound(round));
    }
    expect(remembered[0]?.line).toMatch(/^Turn 1: Ada \w+.*; Bo \w+.*; Cy \w+.* → resource_level \d+, stability \d+$/);
  });

  it('policy agents are deterministic across runs', async () => {
    const run = async () => {
      const sim = await Simulation.fromConfig('fixtures/councils/harvest', { runLog: SqliteRunLog.open(':memory:'), narrate: null, live: false });
      await sim.run();
      return sim.transcript.actions.map((record) => `${record.agent}:${record.action.type}:${record.action.target}:${record.state.resource_level}/${record.state.stability}`);
    };
    const first = await run();
    expect(first).toHaveLength(48);
    expect(await run()).toEqual(first);
    expect(new Set(first.map((entry) => entry.split(':')[1])).size).toBeGreaterThanOrEqual(4);
  });
});
