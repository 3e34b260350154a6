/**
 * Every object a cell holds reads well: tslab prints a cell's last value with
 * util.inspect, so each prints one line that says what it is, never its internals.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import * as campfires from 'campfires';

const {
  Campfire,
  createToolCamper,
  LLMCamper,
  ScriptedModel,
  createOllamaModel,
  createOpenRouterModel,
  MemoryChannelBus,
  LocalDriver,
  PartyBox,
  World,
  PersonaPolicyAgent,
  SqliteRunLog,
  createPipeline,
} = campfires;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campfires-cell-objects-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const persona = { name: 'Mara', description: 'a cautious fisher', goals: ['keep the harbour open'], behavior_biases: ['cautious'] };

function summaries(): Array<[string, unknown, RegExp]> {
  const model = new ScriptedModel([]);
  const bus = new MemoryChannelBus();
  void bus.subscribe('headlines', 'sentiment', () => undefined);
  return [
    ['a tool camper', createToolCamper('reader', () => ({ claim: 'x' })), /^FunctionCamper "reader" \(tool, deterministic\)$/],
    ['an LLM camper', new LLMCamper('summary', { model }), /^LLMCamper "summary" \(model \S+ via \S+\)$/],
    ['a campfire', new Campfire({ name: 'weather', campers: [createToolCamper('reader', () => 'dry')], output: 'forecast' }), /weather/],
    ['an in-memory bus', bus, /^MemoryChannelBus \(in process\): 1 channel with listeners \(headlines → sentiment\), 0 messages in delivery$/],
    ['a local driver', new LocalDriver({ path: path.join(dir, 'box') }), /^LocalDriver\(.*box, up to 10 MiB per asset\)$/],
    ['a Party Box', PartyBox.local(path.join(dir, 'box2')), /^PartyBox\(/],
    ['a world', new World({ resource_level: 50, stability: 40, turn: 2 }, ['Ada', 'Bo', 'Cy']), /^World at turn 2: resource_level 50, stability 40; council of 3 \(Ada, Bo, Cy\)$/],
    ['a persona-policy agent', new PersonaPolicyAgent(persona), /^PersonaPolicyAgent Mara \(persona-policy \(offline\)\)$/],
    ['a scripted model', model, /^ScriptedModel/],
    ['an Ollama model', createOllamaModel({}), /^OllamaModel llama3\.1:8b at http:\/\/\S+$/],
    ['an OpenRouter model', createOpenRouterModel({ apiKey: 'sk-or-secret-key-1234567890' }), /^OpenAICompatibleModel|OpenRouter/],
    ['a run log', SqliteRunLog.open(path.join(dir, 'log.db')), /^SqliteRunLog|RunLog/],
    ['a pipeline', createPipeline({ name: 'p', runLog: null, campfires: [new Campfire({ name: 'a', campers: [createToolCamper('t', () => 'ok')], output: null })] }), /p/],
  ];
}

describe('objects held in a cell print one line that says what they are', () => {
  it.each(summaries())('%s', (_what, value, expected) => {
    const text = inspect(value);
    expect(text).toMatch(expected);
    expect(text).not.toContain('\n');
    // No internals: no braces of a dumped object, no function listings.
    expect(text).not.toMatch(/\[Function|\{\s*\w+:/);
  });

  it('never prints an API key', () => {
    expect(inspect(createOpenRouterModel({ apiKey: 'sk-or-secret-key-1234567890' }))).not.toContain('secret-key');
  });
});

describe('objects whose picture helps have a rich view', () => {
  it('a world, a bus and a driver give an HTML table with a text form', async () => {
    const world = new World({ resource_level: 7, stability: 3, turn: 1 }, ['Ada', 'Bo', 'Cy']);
    const worldView = world.toMimeBundle();
    expect(worldView['text/html']).toContain('<td>resource_level</td><td>7</td>');
    expect(worldView['text/plain']).toContain('council');

    const bus = new MemoryChannelBus();
    await bus.subscribe('alerts', 'pager', () => undefined);
    expect(bus.toMimeBundle()['text/html']).toContain('<td>alerts</td><td>pager</td>');
    await bus.close();

    const driver = new LocalDriver({ path: path.join(dir, 'shown') });
    await driver.put('notes.txt', Buffer.from('<b>not markup</b>'));
    const box = PartyBox.local(path.join(dir, 'shown'));
    const view = await box.toMimeBundle();
    expect(view['text/plain']).toMatch(/1 asset\b/);
    expect(String(view['text/html'])).toContain('documents');
    expect(typeof driver.show).toBe('function');
    expect(typeof world.show).toBe('function');
  });
});
