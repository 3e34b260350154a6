/**
 * Seeds reach the models: every request of a seeded council carries the run's seed, as
 * Ollama's `options.seed` and as OpenAI's `seed`, and the seed is in the run's log.
 * `model: 'ollama'` asks the model the scenario's `model_name` names and says so.
 */
import { Simulation, SqliteRunLog, createOllamaModel, createOpenAICompatibleModel, loadSimulationConfig, runPersonaExperiment, simulationConfigFrom } from 'campfires';
import { startOllamaProtocolServer, startOpenAIProtocolServer } from 'campfires/testing';

const frontier = loadSimulationConfig('fixtures/councils/frontier');
const oneTurn = (modelName = frontier.simulation.model_name) =>
  simulationConfigFrom({ scenario: { name: 'Frontier, one turn' }, simulation: { ...frontier.simulation, max_turns: 1, log_level: 'silent', model_name: modelName }, world: frontier.world }, { personas: frontier.personas });
const pass = { text: '{"action": "pass", "target": "world", "reason": "wait"}' };

describe('a seeded council asks its model with the seed', () => {
  it.each([0, 7, 123_456, 2_147_483_647])('Ollama sees options.seed %i in every request, and the run log records it', async (seed) => {
    const server = await startOllamaProtocolServer({ script: () => pass });
    try {
      const runLog = SqliteRunLog.open(':memory:');
      const sim = Simulation.fromSettings(oneTurn(), { model: createOllamaModel({ host: server.url }), runLog, seed, live: false, narrate: null });
      await sim.run();
      const chats = server.requests.filter((request) => request.path === '/api/chat');
      expect(chats).toHaveLength(3);
      for (const request of chats) expect(request.body.options.seed).toBe(seed);
      expect((runLog.run(sim.runId as string).meta as { seed?: number }).seed).toBe(seed);
      expect(String(sim)).toContain(`· seed ${seed} ·`);
    } finally {
      await server.close();
    }
  });

  it('an OpenAI-compatible endpoint sees seed in every request; a run without a seed sends none', async () => {
    const server = await startOpenAIProtocolServer({ script: () => pass });
    try {
      const model = createOpenAICompatibleModel({ baseURL: server.baseURL, model: 'council-model' });
      await Simulation.fromSettings(oneTurn(), { model, runLog: SqliteRunLog.open(':memory:'), seed: 99, live: false, narrate: null }).run();
      const seeded = server.requests.filter((request) => request.method === 'POST');
      expect(seeded).toHaveLength(3);
      for (const request of seeded) expect(request.body.seed).toBe(99);
      server.requests.length = 0;
      await Simulation.fromSettings(oneTurn(), { model, runLog: SqliteRunLog.open(':memory:'), live: false, narrate: null }).run();
      const unseeded = server.requests.filter((request) => request.method === 'POST');
      expect(unseeded).toHaveLength(3);
      for (const request of unseeded) expect(request.body).not.toHaveProperty('seed');
    } finally {
      await server.close();
    }
  });

  it('an experiment sends each repeat its own seed, and the protocol server sees them', async () => {
    const server = await startOllamaProtocolServer({ script: () => pass });
    try {
      const runLog = SqliteRunLog.open(':memory:');
      const experiment = await runPersonaExperiment({ scenario: oneTurn(), runLog, seed: 5, concurrency: 1, variants: [{ label: 'ollama', model: createOllamaModel({ host: server.url }), repeats: 3 }] });
      const seeds = experiment.outcomes.map((outcome) => outcome.seed);
      expect(new Set(seeds).size).toBe(3);
      const sent = server.requests.filter((request) => request.path === '/api/chat').map((request) => request.body.options.seed as number);
      // One run at a time, three members each: each repeat's seed three times, in order.
      expect(sent).toEqual(seeds.flatMap((seed) => [seed, seed, seed]));
      for (const outcome of experiment.outcomes) expect((runLog.run(outcome.runId as string).meta as { seed?: number }).seed).toBe(outcome.seed);
    } finally {
      await server.close();
    }
  });
});

describe("model: 'ollama' asks the model the scenario's model_name names", () => {
  it.each(['llama3.1:8b', 'qwen2.5:7b', 'my-council-model'])('%s, and the backend line says where the name came from', async (modelName) => {
    const server = await startOllamaProtocolServer({ models: [modelName], script: () => pass });
    const host = process.env.OLLAMA_HOST;
    process.env.OLLAMA_HOST = server.url;
    try {
      const sim = Simulation.fromSettings(oneTurn(modelName), { model: 'ollama', runLog: SqliteRunLog.open(':memory:'), live: false, narrate: null });
      expect(sim.backend).toBe(`ollama:${modelName} (model_name from the scenario settings)`);
      await sim.run();
      expect(server.requests.filter((request) => request.path === '/api/chat').map((request) => request.body.model)).toEqual([modelName, modelName, modelName]);
      expect(String(sim)).toContain(`ollama:${modelName} (model_name from the scenario settings)`);
      expect(sim.payload().backend).toBe(`ollama:${modelName} (model_name from the scenario settings)`);
    } finally {
      if (host === undefined) delete process.env.OLLAMA_HOST;
      else process.env.OLLAMA_HOST = host;
      await server.close();
    }
  });

  it('refuses a backend it does not know, naming the field and what is allowed', () => {
    expect(() => Simulation.fromSettings(oneTurn(), { model: 'lmstudio' as never, runLog: SqliteRunLog.open(':memory:') })).toThrow(
      'model "lmstudio" is not a model backend; pass a model, or one of ollama, openrouter to use the scenario\'s model_name',
    );
  });
});
