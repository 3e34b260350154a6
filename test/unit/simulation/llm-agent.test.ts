import { LLMAgent, RateLimitedError, type RoundSummary, type ScriptedModel } from 'campfires';
import { LLM_FALLBACK_REASON } from 'campfires/simulation';
import { councilModel, persona } from './council-script';

const world = { resource_level: 40, stability: 55, turn: 4 };
const round = (turn: number): RoundSummary => ({
  turn,
  actions: [{ agent: 'Bo', type: 'oppose_agent', target: 'Ada', reason: 'r', success: true }],
  state: { resource_level: 40 + turn, stability: 50, turn },
});

function seated(model: ScriptedModel, depth = 2, retries = 3): LLMAgent {
  const agent = new LLMAgent(persona('Ada', ['cautious with stores', 'seeks consensus']), { model, retries });
  agent.seat(['Ada', 'Bo', 'Cy'], depth);
  return agent;
}

describe('LLMAgent', () => {
  it('builds the prompt from persona, goals, biases, world state, allowed actions with effects and the JSON schema', async () => {
    const model = councilModel(() => '{"action": "increase_resource", "target": "world", "reason": "stock up"}');
    const agent = seated(model);
    const action = await agent.decideAction(agent.observe(world));
    expect(action).toEqual({ type: 'increase_resource', target: 'world', reason: 'stock up' });
    const prompt = model.requests[0]?.messages.map((message) => message.content).join('\n') ?? '';
    for (const part of [
      'You are Ada. Ada of the council.',
      'The other council members: Bo, Cy.',
      "- Ada's goal",
      '- cautious with stores',
      '- seeks consensus',
      'World state (turn 4): resource_level 40, stability 55.',
      '- increase_resource: resource_level +10',
      '- oppose_agent: stability -5 (floor 0; target: another council member)',
      '- pass: nothing changes',
      '"required":["action","target","reason"]',
      'Last turns: none yet.',
    ])
      expect(prompt).toContain(part);
    expect(model.requests[0]?.jsonSchema).toMatchObject({ type: 'object', required: ['action', 'target', 'reason'] });
  });

  it('puts only the last history_depth rounds in the prompt', async () => {
    const model = councilModel(() => '{"action": "pass", "target": "world", "reason": "wait"}');
    const agent = seated(model, 1);
    for (const turn of [1, 2, 3]) agent.remember(round(turn));
    await agent.decideAction(agent.observe(world));
    const prompt = model.requests[0]?.messages[1]?.content ?? '';
    expect(prompt).toContain('Turn 3: Bo oppose_agent Ada → resource_level 43, stability 50');
    expect(prompt).not.toContain('Turn 2:');
    const deeper = councilModel(() => '{"action": "pass", "target": "world", "reason": "wait"}');
    const agent2 = seated(deeper, 2);
    for (const turn of [1, 2, 3]) agent2.remember(round(turn));
    await agent2.decideAction(agent2.observe(world));
    const prompt2 = deeper.requests[0]?.messages[1]?.content ?? '';
    expect(prompt2).toContain('Turn 2:');
    expect(prompt2).toContain('Turn 3:');
    expect(prompt2).not.toContain('Turn 1:');
  });

  it('marks decrease_resource as not allowed when resources are 0', async () => {
    const model = councilModel(() => '{"action": "pass", "target": "world", "reason": "wait"}');
    const agent = seated(model);
    await agent.decideAction(agent.observe({ ...world, resource_level: 0 }));
    expect(model.requests[0]?.messages[1]?.content).toContain('- decrease_resource: resource_level -10 (floor 0; not allowed when resource_level is 0) [NOT allowed now]');
  });

  it('accepts the action key as "type" too', async () => {
    const agent = seated(councilModel(() => 'Sure! {"type": "support_agent", "target": "Bo", "reason": "ally"}'));
    expect(await agent.decideAction(agent.observe(world))).toEqual({ type: 'support_agent', target: 'Bo', reason: 'ally' });
  });

  it('retries invalid answers and falls back to pass after 3 attempts, keeping every raw output', async () => {
    const answers = ['not json', '{"action": "dance", "target": "world", "reason": "x"}', new Error('connection refused')];
    const model = councilModel((_agent, call) => answers[call - 1] as string | Error);
    const agent = seated(model);
    const action = await agent.decideAction(agent.observe(world));
    expect(action).toEqual({ type: 'pass', target: 'world', reason: LLM_FALLBACK_REASON });
    expect(model.requests).toHaveLength(3);
    const trace = agent.takeTrace();
    expect(trace?.fallback).toBe(true);
    expect(trace?.errors?.[0]).toBe('attempt 1: the answer contains no JSON object');
    expect(trace?.errors?.[1]).toContain('attempt 2: action:');
    expect(trace?.errors?.[2]).toBe('attempt 3: scripted model script failed: connection refused');
    expect(trace?.attempts?.[1]).toMatchObject({ raw: '{"action": "dance", "target": "world", "reason": "x"}' });
    expect(trace?.prompt).toContain('You are Ada.');
  });

  it('stops on a rate limit instead of passing, so the run can be resumed', async () => {
    const agent = seated(councilModel(() => new RateLimitedError({ code: 'model_rate_limited', message: 'daily limit used up', details: { retryAt: 1 } })));
    await expect(agent.decideAction(agent.observe(world))).rejects.toThrow('daily limit used up');
  });

  it('keeps the answers and trace of decisions asked at the same time apart', async () => {
    // Slow first answer, so the second decision starts while the first waits.
    let calls = 0;
    const model = councilModel(() => {
      calls += 1;
      return calls === 1 ? 'not json' : `{"action": "pass", "target": "world", "reason": "call ${calls}"}`;
    }, 'script', 5);
    const agent = seated(model);
    const first = agent.decideAction(agent.observe(world));
    const second = agent.decideAction(agent.observe({ ...world, turn: 5 }));
    const [a, b] = await Promise.all([first, second]);
    // The first decision needed two attempts (its first answer was not JSON), the second one.
    expect([a.reason, b.reason]).toEqual(['call 3', 'call 2']);
    const traces = [agent.takeTrace()];
    expect(traces[0]?.attempts).toHaveLength(2);
    expect(traces[0]?.prompt).toContain('World state (turn 4)');
    // Decided alone, the next decision uses the shared options again and starts its answers afresh.
    await agent.decideAction(agent.observe(world));
    expect(agent.takeTrace()?.attempts).toEqual([{ attempt: 1, raw: '{"action": "pass", "target": "world", "reason": "call 4"}', error: null }]);
  });
});
