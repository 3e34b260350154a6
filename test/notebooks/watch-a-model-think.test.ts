/**
 * In the real tslab kernel, executed by Jupyter's own client: a model streaming into a
 * pipeline's live display, and an offline council revealing its decisions, send their
 * text to the front end while they run, and the saved notebook keeps only the final state.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { oneLine } from 'campfires/display';
import { executeNotebook, writeNotebook } from './execute-notebook';

/** The scratch-pad answer the notebook's model writes (built the same way in the cell). */
const SCRATCH_ANSWER = JSON.stringify({ scratch: `SCRATCH-PAD ${'the model is weighing the headlines '.repeat(4)}`, claim: 'fear is rising in the east', confidence: 0.7 });

/**
 * Saved text without the model's whole answer in the forms the finished torch flow keeps it
 * (the attempt's raw answer in the payload, the HTML fallback, the text fallback's one-line
 * cut), each as JSON writes it: what is left must hold nothing written on the way.
 */
function withoutWholeAnswer(saved: string): string {
  const html = SCRATCH_ANSWER.replace(/[&<>"']/g, (character) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[character]};`);
  let rest = saved;
  for (const form of [SCRATCH_ANSWER, html, oneLine(SCRATCH_ANSWER, 90)]) rest = rest.split(JSON.stringify(form).slice(1, -1)).join('');
  return rest;
}

/** Wraps the kernel's display writer so the cell can count the live updates that carried `needle`. */
const countSends = `
function countSends(needle: string): { carrying: () => number; sends: () => number; restore: () => void } {
  const copies = Object.keys(require.cache).filter((f) => /tslab[\\\\/]dist[\\\\/]jupyter\\.js$/.test(f)).map((f) => require.cache[f]!.exports);
  const active = copies.find((copy) => typeof copy.lastWriteDisplayData === 'function');
  const original = active.lastWriteDisplayData;
  let carrying = 0;
  let sends = 0;
  active.lastWriteDisplayData = (message: { data: Record<string, unknown> }, update: boolean) => {
    sends += 1;
    if (JSON.stringify(message.data).includes(needle)) carrying += 1;
    return original(message, update);
  };
  return { carrying: () => carrying, sends: () => sends, restore: () => (active.lastWriteDisplayData = original) };
}`;

describe('watching a model think in a real tslab kernel', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campfires-think-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('shows streamed tokens and revealed decisions live, and saves none of the text written on the way', async () => {
    const file = path.join(dir, 'think.ipynb');
    writeNotebook(file, [
      `import { Campfire, LLMCamper, Pipeline, Simulation, SqliteRunLog, createOllamaModel, createToolCamper, loadSimulationConfig, simulationConfigFrom } from 'campfires';\nimport { startOllamaProtocolServer } from 'campfires/testing';\n${countSends}`,
      // The model writes a scratch field the torch does not keep: it is only ever seen while streaming.
      [
        "const server = await startOllamaProtocolServer({ models: ['llama3.1:8b'] });",
        "const scratch = ['SCRATCH', 'PAD'].join('-') + ' ' + 'the model is weighing the headlines '.repeat(4);",
        "server.reply({ text: JSON.stringify({ scratch, claim: 'fear is rising in the east', confidence: 0.7 }), chunks: 120, chunkDelayMs: 12 });",
        "const pipeline = new Pipeline({ name: 'watched', campfires: [",
        "  new Campfire({ name: 'scrape', output: 'headlines', campers: [createToolCamper('feed', () => 'grid strain in the east')] }),",
        "  new Campfire({ name: 'sentiment', inputs: ['headlines'], output: null, campers: [new LLMCamper('mood', { model: createOllamaModel({ host: server.url }) })] }),",
        '] });',
        "let tokens = 0;\npipeline.onToken(() => (tokens += 1));",
        "const watch = countSends(['SCRATCH', 'PAD'].join('-'));",
        'try {\n  await pipeline.run({ cycles: 1 });\n} finally {\n  watch.restore();\n  await server.close();\n}',
        "console.log(`tokens ${tokens} sends ${watch.sends()} carrying ${watch.carrying()}`);",
      ].join('\n'),
      [
        "const harvest = loadSimulationConfig('../fixtures/councils/harvest');",
        "const oneTurn = simulationConfigFrom({ scenario: { name: 'Harvest, one turn' }, simulation: { ...harvest.simulation, max_turns: 1, log_level: 'silent' }, world: harvest.world }, { personas: harvest.personas });",
        "const councilWatch = countSends(['campfires', 'thinking'].join('-'));",
        "try {\n  await Simulation.fromSettings(oneTurn, { runLog: SqliteRunLog.open(':memory:'), narrate: null, reveal: { steps: 3, stepMs: 120 } }).run();\n} finally {\n  councilWatch.restore();\n}",
        "console.log(`council sends ${councilWatch.sends()} carrying ${councilWatch.carrying()}`);",
      ].join('\n'),
    ]);
    const result = await executeNotebook(file, { cwd: path.resolve(__dirname, '..', '..', 'notebooks') });
    try {
      expect(result.errors).toEqual([]);
      const said = (index: number) => result.cells[index]!.outputs.filter((output) => output.output_type === 'stream').map((output) => output.text).join('');
      const flow = /tokens (\d+) sends (\d+) carrying (\d+)/.exec(said(1));
      expect(flow).not.toBeNull();
      const [tokens, sends, carrying] = flow!.slice(1).map(Number) as [number, number, number];
      // The model streamed, the front end was sent its text while it came, a few times, not once per token.
      expect(tokens).toBeGreaterThan(60);
      expect(carrying).toBeGreaterThanOrEqual(1);
      expect(sends).toBeLessThanOrEqual(tokens / 4);
      const council = /council sends (\d+) carrying (\d+)/.exec(said(2));
      expect(Number(council?.[2])).toBeGreaterThanOrEqual(1);

      // The saved notebook: each run one output in its final state. The model's answer is kept
      // whole, as the record of its attempt; nothing written on the way is left.
      const outputs = JSON.stringify(result.cells.map((cell) => cell.outputs));
      expect(outputs).not.toContain('campfires-thinking');
      expect(withoutWholeAnswer(outputs)).not.toContain('SCRATCH-PAD');
      expect(withoutWholeAnswer(outputs)).not.toContain('weighing the headlines');
      const flowOutputs = result.cells[1]!.outputs.filter((output) => output.output_type === 'display_data');
      expect(flowOutputs).toHaveLength(1);
      const payload = flowOutputs[0]!.data!['application/vnd.campfires.torchflow.v1+json'] as { status: string; thinking?: unknown; torches: Array<{ claim: string; modelAttempts?: Array<{ outcome: string; answer?: string }> }> };
      expect(payload.status).toBe('completed');
      expect(payload.thinking).toBeUndefined();
      expect(payload.torches.map((torch) => torch.claim)).toContain('fear is rising in the east');
      expect(payload.torches.find((torch) => torch.claim === 'fear is rising in the east')?.modelAttempts).toEqual([expect.objectContaining({ outcome: 'ok', answer: SCRATCH_ANSWER })]);
      const councilOutputs = result.cells[2]!.outputs.filter((output) => output.output_type === 'display_data');
      expect(councilOutputs).toHaveLength(1);
      const sim = councilOutputs[0]!.data!['application/vnd.campfires.simulation.v1+json'] as { status: string; thinking?: unknown; actions: unknown[] };
      expect(sim).toMatchObject({ status: 'completed' });
      expect(sim.thinking).toBeUndefined();
      expect(sim.actions.length).toBeGreaterThan(0);
    } finally {
      result.cleanup();
    }
  }, 300_000);
});
