import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Campfire, LLMCamper, createToolCamper, PartyBox, SqliteRunLog, ValidationError, createOllamaModel, createOpenRouterModel, createTorch, type ReceivedTorch } from 'campfires';
import { startOllamaProtocolServer, type OllamaProtocolServer, startOpenAIProtocolServer } from 'campfires/testing';

const still = readFileSync(join(__dirname, '../../../fixtures/llm/traffic-camera.png'));
const received = (torch: Parameters<typeof createTorch>[0], from = 'scrape'): ReceivedTorch => ({ channel: from, from, messageId: `msg_${from}`, torch: createTorch(torch) });

describe('LLMCamper', () => {
  let dir: string;
  let ollama: OllamaProtocolServer;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'llm-camper-'));
    ollama = await startOllamaProtocolServer({ models: ['llama3.1:8b', 'llama3.2-vision'] });
  });
  afterEach(async () => {
    await ollama.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fills its loadRag template, asks the model for structured output and sends a validated torch', async () => {
    const template = join(dir, 'sentiment.yaml');
    writeFileSync(template, 'prompt: |\n  You are {camper_name} at {time}. Rate the mood of these comments:\n  {claims}\n');
    const log = SqliteRunLog.open(':memory:');
    const runId = log.startRun({ kind: 'pipeline', name: 'live-alert' }).id;
    ollama.reply({ text: 'Here: ```json\n{"claim":"panic rising, 80% negative","confidence":"85%"}\n```' });
    const camper = new LLMCamper('mood', { model: createOllamaModel({ host: ollama.url }), template, system: 'Be brief.', runLog: log, runId });
    const campfire = new Campfire({ name: 'sentiment', campers: [camper], inputs: ['headlines'], output: 'sentiment' });
    const result = await campfire.cycle([received({ claim: 'London blackout hits five boroughs' }), received({ claim: 'TFL suspends the Tube' }, 'tfl')]);
    expect(camper.backend).toBe('ollama');
    expect(result.torch).toMatchObject({ claim: 'panic rising, 80% negative', confidence: 0.85, metadata: { model: 'ollama:llama3.1:8b' } });
    const sent = ollama.requests.find((request) => request.path === '/api/chat')!.body;
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
    expect(sent.messages.at(-1).content).toMatch(/^You are mood at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\. Rate the mood of these comments:\nLondon blackout hits five boroughs\nTFL suspends the Tube\n$/);
    expect(sent.format).toMatchObject({ type: 'object', required: ['claim', 'confidence'] });
    expect(log.events(runId, { kinds: ['model-attempt'] })).toEqual([expect.objectContaining({ campfire: 'sentiment', camper: 'mood', data: expect.objectContaining({ ok: true, label: 'sentiment/mood' }) })]);
    log.close();
  });

  it('hands the Party Box image named by the incoming torch to an Ollama vision model and passes on only caption and path', async () => {
    const box = PartyBox.local(join(dir, 'party_box'));
    const asset = await box.put('traffic-camera.png', still);
    ollama.reply({ text: '{"claim":"traffic lights dark, cars stopped: outage, not an accident","confidence":0.7,"caption":"dark junction, stopped cars, rain"}' });
    const camper = new LLMCamper('camera', { model: createOllamaModel({ host: ollama.url, model: 'llama3.2-vision' }), vision: true });
    const campfire = new Campfire({ name: 'verify', campers: [camper], inputs: ['sentiment'], output: 'verified', partyBox: box });
    const result = await campfire.cycle([received({ claim: 'camera still from Oxford Circus', path: asset.location }, 'sentiment')]);
    const sent = ollama.requests.find((request) => request.path === '/api/chat')!.body;
    expect(sent.messages.at(-1).images).toEqual([still.toString('base64')]);
    expect(result.torch).toEqual({
      version: 1,
      claim: 'traffic lights dark, cars stopped: outage, not an accident',
      confidence: 0.7,
      path: asset.location,
      metadata: { caption: 'dark junction, stopped cars, rain', model: 'ollama:llama3.2-vision' },
    });
    expect(JSON.stringify(result.torch)).not.toContain(still.toString('base64').slice(0, 40));
  });

  it('sends the image as an image_url part to an OpenAI-compatible vision model', async () => {
    const openai = await startOpenAIProtocolServer({ apiKey: 'sk-or-v1-vision00000000' });
    try {
      const box = PartyBox.local(join(dir, 'party_box'));
      const asset = await box.put('cam.png', still);
      openai.reply({ text: '{"claim":"junction dark","confidence":0.6}' });
      const model = createOpenRouterModel({ baseURL: openai.baseURL, apiKey: 'sk-or-v1-vision00000000', model: 'google/gemma-3-27b-it:free' });
      const campfire = new Campfire({ name: 'verify', campers: [new LLMCamper('camera', { model, vision: true, partyBox: box })], inputs: ['x'], output: 'y' });
      const result = await campfire.cycle([received({ claim: 'still', path: asset.location })]);
      const parts = openai.requests[0]!.body.messages.at(-1).content;
      expect(parts[1]).toEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${still.toString('base64')}` } });
      expect(result.torch).toMatchObject({ claim: 'junction dark', path: asset.location, metadata: { model: 'openrouter:google/gemma-3-27b-it:free' } });
    } finally {
      await openai.close();
    }
  });

  it('refines a tool camper\'s torch, keeping its asset path and metadata, and logs into the run a function names', async () => {
    const log = SqliteRunLog.open(':memory:');
    const runId = log.startRun({ kind: 'pipeline', name: 'live-alert' }).id;
    ollama.reply({ text: '{"claim":"Panic rising: most comments fear a hack","confidence":0.7}' });
    const scorer = createToolCamper('scorer', () => ({ claim: '80% negative (10 comments)', confidence: 0.8, path: './party_box/documents/0123456789abcdef.json', metadata: { negative_percent: 80 } }));
    const writer = new LLMCamper('mood-llm', { model: createOllamaModel({ host: ollama.url }), runLog: log, runId: () => runId });
    const campfire = new Campfire({ name: 'sentiment', campers: [scorer, writer], output: 'sentiment' });
    const result = await campfire.cycle();
    expect(result.torchbearer).toBe('mood-llm');
    expect(result.torch).toEqual({
      version: 1,
      claim: 'Panic rising: most comments fear a hack',
      confidence: 0.7,
      path: './party_box/documents/0123456789abcdef.json',
      metadata: { negative_percent: 80, model: 'ollama:llama3.1:8b' },
    });
    expect(ollama.requests.at(-1)!.body.messages.at(-1).content).toBe('80% negative (10 comments)');
    expect(log.events(runId, { kinds: ['model-attempt'] })).toHaveLength(1);
    log.close();
  });

  it('turns a model that cannot be reached into an error torch naming the fix', async () => {
    await ollama.close();
    const campfire = new Campfire({ name: 'summary', campers: [new LLMCamper('writer', { model: createOllamaModel({ host: ollama.url }) })], output: 'alerts' });
    const result = await campfire.cycle();
    expect(result.torch).toMatchObject({ confidence: 0, metadata: { error: true, errorCode: 'model_unreachable' } });
    expect(result.torch!.claim).toMatch(/^writer failed: Ollama is not answering at .* Start it with `ollama serve`/);
  });

  it('refuses to be built without a model', () => {
    expect(() => new LLMCamper('x', { model: undefined as never })).toThrow(ValidationError);
    expect(() => new LLMCamper('x', { model: undefined as never })).toThrow('LLM camper "x" needs a model: pass { model } from chooseDefaultModel(), createOllamaModel() or createOpenRouterModel()');
  });
});
