import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CassetteModel, ScriptedModel, createOllamaModel, createOpenAICompatibleModel } from 'campfires';
import { describeLanguageModel, type ScriptedExchange } from '../../contracts/language-model.contract';
import { startOllamaProtocolServer, startOpenAIProtocolServer, type ScriptedReply } from 'campfires/testing';

/** The protocol servers' replies for a script: a failure is a 500 with the protocol's error body. */
function replies(script: ScriptedExchange[]): ScriptedReply[] {
  return script.map(({ answer }) => ('failure' in answer ? { status: 500, error: answer.failure } : { text: answer.text, usage: answer.usage, delayMs: answer.delayMs, chunks: 3 }));
}

// Retries are off so a scripted 500 reaches the caller at once, as the contract's failure.
describeLanguageModel(
  'OllamaModel (ollama client, Ollama protocol server)',
  async (script) => {
    const server = await startOllamaProtocolServer({ models: ['llama3.1:8b'] });
    server.reply(...replies(script));
    return { model: createOllamaModel({ host: server.url, retries: 0 }), destroy: () => server.close() };
  },
  { streams: true, slowAnswers: true },
);

describeLanguageModel(
  'OpenAICompatibleModel (openai client, OpenAI protocol server)',
  async (script) => {
    const server = await startOpenAIProtocolServer({ apiKey: 'sk-contract-0123456789' });
    server.reply(...replies(script));
    return { model: createOpenAICompatibleModel({ baseURL: server.baseURL, model: 'gpt-4o-mini', apiKey: 'sk-contract-0123456789', retries: 0 }), destroy: () => server.close() };
  },
  { streams: true, slowAnswers: true },
);

// The cassette records the script's answers from a scripted model, then replays them from
// the file; a scripted failure is a call it never recorded, which it refuses as a miss.
describeLanguageModel(
  'CassetteModel (replaying a recorded file)',
  async (script) => {
    const dir = mkdtempSync(join(tmpdir(), 'cassette-contract-'));
    const path = join(dir, 'answers.jsonl');
    const answered = script.flatMap(({ request, answer }) => ('failure' in answer ? [] : [{ request, answer }]));
    const recorder = new CassetteModel({
      path,
      mode: 'record',
      model: new ScriptedModel(
        answered.map(({ answer }) => ({ text: answer.text, usage: { inputTokens: answer.usage.input, outputTokens: answer.usage.output } })),
        { modelId: 'llama3.1:8b' },
      ),
    });
    for (const { request } of answered) await recorder.generate(request);
    return { model: new CassetteModel({ path, mode: 'replay' }), destroy: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  { streams: false, slowAnswers: false },
);
