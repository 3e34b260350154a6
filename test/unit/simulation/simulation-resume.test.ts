import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CampfiresError, RateLimitedError, Simulation, SqliteRunLog, simulationConfigFrom } from 'campfires';
import { councilModel, persona } from './council-script';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'council-resume-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const config = simulationConfigFrom(
  { scenario: { name: 'Resume council' }, simulation: { max_turns: 4, log_level: 'silent' } },
  { personas: ['Ada', 'Bo', 'Cy'].map((name) => persona(name)) },
);

/** Decisions depend only on who asks and what the prompt shows, so a fresh model after a restart answers the same. */
function decide(agent: string, prompt: string): string {
  const resources = Number(/resource_level (\d+), stability/.exec(prompt)?.[1] ?? 0);
  if (agent === 'Ada') return `{"action": "${resources >= 70 ? 'decrease_resource' : 'increase_resource'}", "target": "world", "reason": "keep near 60"}`;
  if (agent === 'Bo') return '{"type": "support_agent", "target": "Cy", "reason": "ally"}';
  return prompt.includes('Turn 1:') ? '{"action": "oppose_agent", "target": "Bo", "reason": "rival"}' : '{"action": "pass", "target": "world", "reason": "wait"}';
}

const promptOf = (request: { messages: { content: string }[] }) => request.messages.map((message) => message.content).join('\n');
const healthy = () => councilModel((agent, _call, request) => decide(agent, promptOf(request)));
const limitedAfter = (calls: number) =>
  councilModel((agent, call, request) =>
    call > calls ? new RateLimitedError({ code: 'model_rate_limited', message: 'scripted: the limit of 5 requests per day is used up', details: { retryAt: 0, retryable: false } }) : decide(agent, promptOf(request)),
  );

describe('Simulation.resume', () => {
  it('continues a run stopped by a rate limit and ends exactly like an uninterrupted run', async () => {
    const whole = Simulation.fromSettings(config, { model: healthy(), runLog: SqliteRunLog.open(':memory:'), debugLogPath: join(dir, 'whole.jsonl'), live: false });
    await whole.run();

    const runLog = SqliteRunLog.open(join(dir, 'torch_log.db'));
    const cut = Simulation.fromSettings(config, { model: limitedAfter(5), runLog, debugLogPath: join(dir, 'cut.jsonl'), live: false });
    const error = await cut.run().then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(CampfiresError);
    expect((error as CampfiresError).code).toBe('simulation_interrupted');
    expect((error as Error).message).toContain(`Continue with Simulation.resume(runLog, "${cut.runId}")`);
    expect(cut.status).toBe('interrupted');
    expect(cut.transcript.actions).toHaveLength(5);
    runLog.close();

    const resumedModel = healthy();
    const resumed = await Simulation.resume(join(dir, 'torch_log.db'), cut.runId ?? '', { model: resumedModel, debugLogPath: join(dir, 'cut.jsonl'), live: false });
    expect(resumed.status).toBe('completed');
    expect(resumedModel.requests).toHaveLength(12 - 5);
    expect(JSON.stringify(resumed.transcript)).toBe(JSON.stringify(whole.transcript));
    expect(readFileSync(join(dir, 'cut.jsonl')).equals(readFileSync(join(dir, 'whole.jsonl')))).toBe(true);
    const events = resumed.runLog.events(cut.runId ?? '', { kinds: ['action-applied'] });
    expect(events).toHaveLength(12);
    resumed.runLog.close();
  });

  it('refuses to continue an LLM run without a model and says how', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    const cut = Simulation.fromSettings(config, { model: limitedAfter(2), runLog, live: false });
    await expect(cut.run()).rejects.toThrow('stopped at turn 1 while Cy was deciding');
    await expect(Simulation.resume(runLog, cut.runId ?? '')).rejects.toThrow(`run ${cut.runId} was decided by scripted:script; pass { model } (or { agents }) to Simulation.resume to continue it`);
  });

  it('replays a finished run from the run log without any model', async () => {
    const runLog = SqliteRunLog.open(':memory:');
    const live = Simulation.fromSettings(config, { model: healthy(), runLog, live: false });
    await live.run();
    const replayed = Simulation.fromRunLog(runLog, live.runId ?? '');
    expect(replayed.payload()).toEqual(live.payload());
    expect(String(replayed)).toBe(String(live));
    expect(String(replayed.replay(2))).toBe(String(live.replay(2)));
    const again = await Simulation.resume(runLog, live.runId ?? '', { model: councilModel(() => new Error('must not be asked')) });
    expect(again.transcript).toEqual(live.transcript);
  });
});
