import { ModelError, OllamaModel, OpenAICompatibleModel, chooseDefaultModel } from 'campfires';
import { startOllamaProtocolServer } from 'campfires/testing';

describe('chooseDefaultModel', () => {
  const saved = { key: process.env.OPENROUTER_API_KEY, prefer: process.env.CAMPFIRES_MODEL, host: process.env.OLLAMA_HOST };
  beforeEach(() => {
    delete process.env.OPENROUTER_API_KEY;
    delete process.env.CAMPFIRES_MODEL;
  });
  afterAll(() => {
    for (const [name, value] of [['OPENROUTER_API_KEY', saved.key], ['CAMPFIRES_MODEL', saved.prefer], ['OLLAMA_HOST', saved.host]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('chooses Ollama when it answers and has the model, and prints one line', async () => {
    const ollama = await startOllamaProtocolServer({ models: ['llama3.1:8b'] });
    const lines: string[] = [];
    try {
      const choice = await chooseDefaultModel({ ollama: { host: ollama.url }, probeTimeoutMs: 10_000, print: (line) => lines.push(line) });
      expect(choice.backend).toBe('ollama');
      expect(choice.model).toBeInstanceOf(OllamaModel);
      expect(lines).toEqual([`model: ollama llama3.1:8b at ${ollama.url}; switch with CAMPFIRES_MODEL=ollama|openrouter|offline`]);
      expect(choice.line).toBe(lines[0]);
    } finally {
      await ollama.close();
    }
  });

  it('chooses OpenRouter when Ollama lacks the model and a key is set, saying how to get Ollama back', async () => {
    const ollama = await startOllamaProtocolServer({ models: ['mistral:7b'] });
    process.env.OPENROUTER_API_KEY = 'sk-or-v1-choose0000000';
    try {
      const choice = await chooseDefaultModel({ ollama: { host: ollama.url }, probeTimeoutMs: 10_000, print: false });
      expect(choice.backend).toBe('openrouter');
      expect(choice.model).toBeInstanceOf(OpenAICompatibleModel);
      expect(choice.line).toBe(
        `model: openrouter meta-llama/llama-3.3-70b-instruct:free (at most 20/min, 1000/day), because Ollama at ${ollama.url} has no llama3.1:8b (to use it: \`ollama pull llama3.1:8b\`); switch with CAMPFIRES_MODEL=ollama|openrouter|offline`,
      );
      expect(choice.line).not.toContain('sk-or-v1');
    } finally {
      await ollama.close();
    }
  });

  it('goes offline when nothing is there and tells the user how to get a model', async () => {
    const ollama = await startOllamaProtocolServer();
    await ollama.close();
    const choice = await chooseDefaultModel({ ollama: { host: ollama.url }, probeTimeoutMs: 10_000, print: false });
    expect(choice).toEqual({
      model: null,
      backend: 'offline',
      line: `model: offline, deterministic campers and persona-policy agents (Ollama is not answering at ${ollama.url}, OPENROUTER_API_KEY not set); for a model run \`ollama serve\` and \`ollama pull llama3.1:8b\`, or set OPENROUTER_API_KEY`,
    });
  });

  it('follows CAMPFIRES_MODEL, and fails clearly when the named backend is not there', async () => {
    process.env.CAMPFIRES_MODEL = 'offline';
    expect((await chooseDefaultModel({ print: false })).backend).toBe('offline');
    process.env.CAMPFIRES_MODEL = 'ollama';
    const ollama = await startOllamaProtocolServer();
    await ollama.close();
    const error = await chooseDefaultModel({ ollama: { host: ollama.url }, probeTimeoutMs: 10_000, print: false }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as Error).message).toMatch(/^Ollama is not answering at .* \(connection refused\)\. Start it with `ollama serve`/);
    process.env.CAMPFIRES_MODEL = 'openai';
    await expect(chooseDefaultModel({ print: false })).rejects.toThrow('model preference "openai" is not known; use one of auto, ollama, openrouter, offline (in CAMPFIRES_MODEL or { prefer })');
  });
});
