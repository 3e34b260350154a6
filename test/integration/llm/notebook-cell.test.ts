import path from 'node:path';
import { executeNotebook, writeNotebook } from '../../notebooks/execute-notebook';
import { listen, startOllamaProtocolServer, type OllamaProtocolServer } from 'campfires/testing';

describe('the model layer from notebook cells in a real tslab kernel', () => {
  let ollama: OllamaProtocolServer;
  beforeAll(async () => {
    ollama = await startOllamaProtocolServer();
  });
  afterAll(async () => {
    await ollama.close();
  });

  it('type-checks and runs generateObject, chooseDefaultModel and a clear failure, with one-line summaries', async () => {
    const closed = await listen((_request, response) => response.end());
    await closed.close();
    ollama.reply({ text: 'Sure:\n```json\n{"claim":"storm outage","confidence":0.8}\n```' }, { text: '{"claim":"x"}' }, { text: '{"claim":"x"}' }, { text: '{"claim":"x"}' });
    const file = path.join(require('node:os').tmpdir(), `model-layer-${process.pid}.ipynb`);
    // tslab 1.0.22 does not rewrite a shorthand property ({ model }) naming an earlier cell's
    // variable: it throws "model is not defined". Cells write { model: model }.
    writeNotebook(file, [
      `import { createOllamaModel, chooseDefaultModel, generateObject } from 'campfires';\nimport { z } from 'zod';\nconst model = createOllamaModel({ host: '${ollama.url}' });`,
      `const answer = await generateObject({ model: model, schema: z.object({ claim: z.string(), confidence: z.number() }), messages: [{ role: 'user', content: 'What happened?' }] });\nconsole.log('claim:', answer.value.claim, 'fallback:', answer.fallback);`,
      `const pass = { claim: 'no answer', confidence: 0 };\nconst fallen = await generateObject({ model: model, schema: z.object({ claim: z.string(), confidence: z.number() }), messages: [{ role: 'user', content: 'again' }], fallback: pass });\nconsole.log('fallback:', fallen.fallback, fallen.attempts.length, fallen.attempts[0].error);`,
      `const choice = await chooseDefaultModel({ ollama: { host: '${ollama.url}' } });`,
      `try { await createOllamaModel({ host: 'http://127.0.0.1:${closed.port}' }).generate({ messages: [{ role: 'user', content: 'hi' }] }); } catch (error) { console.log((error as Error).message); }`,
      'model',
    ]);
    const result = await executeNotebook(file, { cwd: path.resolve(__dirname, '..', '..', '..', 'notebooks') });
    try {
      expect(result.errors).toEqual([]);
      const text = (index: number) => result.cells[index]!.outputs.map((output) => `${output.text ?? ''}${(output.data?.['text/plain'] as string | undefined) ?? ''}`).join('');
      expect(text(1)).toContain('claim: storm outage fallback: false');
      expect(text(2)).toContain('fallback: true 3 confidence: Invalid input: expected number, received undefined (got nothing)');
      expect(text(3)).toContain(`model: ollama llama3.1:8b at ${ollama.url}; switch with CAMPFIRES_MODEL=ollama|openrouter|offline`);
      expect(text(4)).toContain(`Ollama is not answering at http://127.0.0.1:${closed.port} (connection refused). Start it with \`ollama serve\``);
      expect(text(5)).toContain(`OllamaModel llama3.1:8b at ${ollama.url}`);
    } finally {
      result.cleanup();
      require('node:fs').rmSync(file, { force: true });
    }
  }, 180_000);
});
