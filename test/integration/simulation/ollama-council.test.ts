/**
 * Council runs through the real model layer: the Ollama adapter over HTTP against a local
 * server speaking Ollama's protocol, and against a real Ollama when OLLAMA_HOST is set
 * (reported as skipped otherwise).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, Simulation, SqliteRunLog, createOllamaModel, loadSimulationConfig, simulationConfigFrom, type SimulationConfig } from 'campfires';
import { startOllamaProtocolServer, type OllamaProtocolServer } from 'campfires/testing';

const frontier = loadSimulationConfig('fixtures/councils/frontier');
const threeTurns: SimulationConfig = simulationConfigFrom(
  { scenario: { name: 'Frontier, three turns' }, simulation: { ...frontier.simulation, max_turns: 3, log_level: 'silent' }, world: frontier.world },
  { personas: frontier.personas },
);

/** Nine answers for three agents over three turns, in seat order. */
const answers = [
  '{"action": "increase_resource", "target": "world", "reason": "stock the outpost"}',
  '{"type": "decrease_resource", "target": "world", "reason": "equip the expedition"}',
  '{"action": "oppose_agent", "target": "Scout", "reason": "stop the raids"}',
  '{"action": "support_agent", "target": "Captain", "reason": "back the captain"}',
  'Sure! ```json\n{"action": "pass", "target": "world", "reason": "wait"}\n```',
  '{"action": "pass", "target": "world", "reason": "calm"}',
  '{"action": "increase_resource", "target": "world", "reason": "winter comes"}',
  '{"action": "decrease_resource", "target": "world", "reason": "take more"}',
  '{"action": "support_agent", "target": "Quartermaster", "reason": "good ledger"}',
];

let dir: string;
let ollama: OllamaProtocolServer;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'council-ollama-'));
  ollama = await startOllamaProtocolServer();
});
afterEach(async () => {
  await ollama.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a council through the Ollama adapter and a local Ollama-protocol server', () => {
  it('runs 3 turns: structured output, a retry after a bad answer, model attempts in the run log, raw outputs in the debug file', async () => {
    ollama.reply(...answers.slice(0, 4).map((text) => ({ text })), { text: 'I think I will wait and see.' }, ...answers.slice(4).map((text) => ({ text })));
    const runLog = SqliteRunLog.open(join(dir, 'torch_log.db'));
    const sim = Simulation.fromSettings(threeTurns, { model: createOllamaModel({ host: ollama.url }), runLog, debugLogPath: join(dir, 'council.jsonl'), live: false });
    await sim.run();

    expect(String(sim)).toMatch(/^Simulation "Frontier, three turns" · 3 agents · ollama:llama3\.1:8b · turn 3\/3 · resources 30, stability 45 · completed \(max_turns \(3\) reached\)/);
    expect(sim.transcript.actions.map((record) => `${record.agent}:${record.action.type}`)).toEqual([
      'Quartermaster:increase_resource',
      'Scout:decrease_resource',
      'Captain:oppose_agent',
      'Quartermaster:support_agent',
      'Scout:pass',
      'Captain:pass',
      'Quartermaster:increase_resource',
      'Scout:decrease_resource',
      'Captain:support_agent',
    ]);
    const chats = ollama.requests.filter((request) => request.path === '/api/chat');
    expect(chats).toHaveLength(10);
    expect(chats[0]?.body.format).toMatchObject({ type: 'object', required: ['action', 'target', 'reason'] });
    expect(chats[0]?.body.messages[1].content).toContain('You are Quartermaster. Keeps the outpost');
    expect(chats[0]?.body.messages[1].content).toContain('- risk-averse about supplies');
    // The retry tells the model what was wrong.
    expect(chats[5]?.body.messages.at(-1).content).toContain('That answer could not be used');
    const attempts = runLog.events(sim.runId ?? '', { kinds: ['model-attempt'] });
    expect(attempts).toHaveLength(10);
    expect(attempts[4]?.camper).toBe('agent:Scout');
    const debug = readFileSync(join(dir, 'council.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    const scoutTurn2 = debug.find((line) => line.event === 'action' && line.agent === 'Scout' && line.turn === 2);
    expect(scoutTurn2.trace.attempts.map((attempt: { raw: string }) => attempt.raw)).toEqual(['I think I will wait and see.', answers[4]]);
    expect(scoutTurn2.trace.errors[0]).toContain('attempt 1:');
    runLog.close();
  });

  it('stops at the daily limit and continues the next day from the last completed action, ending like an uninterrupted run', async () => {
    ollama.reply(...answers.map((text) => ({ text })));
    const whole = Simulation.fromSettings(threeTurns, { model: createOllamaModel({ host: ollama.url }), runLog: SqliteRunLog.open(':memory:'), live: false });
    await whole.run();

    ollama.reply(...answers.map((text) => ({ text })));
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 22));
    const runLog = SqliteRunLog.open(join(dir, 'torch_log.db'));
    const limited = () => createOllamaModel({ host: ollama.url, rateLimit: { perDay: 5 }, counters: runLog, clock });
    const cut = Simulation.fromSettings(threeTurns, { model: limited(), runLog, live: false });
    await expect(cut.run()).rejects.toThrow(/the limit of 5 requests per day is used up.*Continue with Simulation\.resume/);
    expect(cut.transcript.actions).toHaveLength(5);

    clock.advance(3 * 60 * 60 * 1000);
    const resumed = await Simulation.resume(runLog, cut.runId ?? '', { model: limited(), live: false });
    expect(resumed.status).toBe('completed');
    expect(resumed.transcript.actions.map((record) => record.action)).toEqual(whole.transcript.actions.map((record) => record.action));
    expect(resumed.transcript.end).toEqual(whole.transcript.end);
    expect(ollama.pending()).toBe(0);
    runLog.close();
  });
});

const ollamaHost = process.env.OLLAMA_HOST;
(ollamaHost ? describe : describe.skip)(`a council on a real Ollama (OLLAMA_HOST=${ollamaHost ?? 'not set: skipped'})`, () => {
  it('runs 3 turns with every decision from the model or a flagged fallback', async () => {
    const model = createOllamaModel({ model: process.env.CAMPFIRES_OLLAMA_MODEL ?? threeTurns.simulation.model_name, timeoutMs: 120_000 });
    const sim = Simulation.fromSettings(threeTurns, { model, runLog: SqliteRunLog.open(':memory:'), live: false });
    await sim.run();
    expect(sim.transcript.turns).toHaveLength(3);
    expect(sim.transcript.actions).toHaveLength(9);
    for (const record of sim.transcript.actions) expect(record.policy).toMatch(/^llm ollama:/);
  }, 600_000);
});
