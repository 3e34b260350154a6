import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { executeNotebook, writeNotebook } from './execute-notebook';

describe('the campfires package in a real tslab kernel', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'campfires-probe-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('type-checks and runs `import ... from "campfires"` with tslab TypeScript 5.0, and sends whole bundles', async () => {
    const file = path.join(dir, 'probe.ipynb');
    writeNotebook(file, [
      "import { createTorch, displayBundle, inKernel, LiveDisplay, torchFlowPayloadSchema, type Torch } from 'campfires';\nconst torch: Torch = createTorch({ claim: 'kettle is on', confidence: 0.8 });\nconsole.log('claim:', torch.claim, 'kernel:', inKernel());",
      "displayBundle({ 'text/html': '<b>bold</b>', 'text/plain': 'plain form' });",
      "const throttled = new LiveDisplay({ throttleMs: 200 });\nfor (let i = 1; i <= 100; i += 1) { throttled.update(() => ({ 'text/plain': `tick ${i}` })); await new Promise((resolve) => setTimeout(resolve, 10)); }\nawait throttled.close();\nconsole.log('throttled sends', throttled.sends);",
      "const live = new LiveDisplay({ throttleMs: 0 });\nfor (let i = 1; i <= 3; i += 1) live.update(() => ({ 'text/plain': `step ${i}` }));\nawait live.close();\nconsole.log('sends', live.sends);",
      "try { createTorch({ claim: 'x'.repeat(2000) }); } catch (error) { console.log((error as Error).message.slice(0, 60)); }",
      "import { z } from 'zod';\nconst answerSchema = z.object({ claim: z.string(), confidence: z.number().min(0).max(1) });\ntype Answer = z.infer<typeof answerSchema>;\nconst answer: Answer = answerSchema.parse({ claim: 'zod 4 types read by TypeScript 5.0', confidence: 0.5 });\nconst flow = torchFlowPayloadSchema.safeParse({ version: 1 });\nconsole.log(answer.claim.toUpperCase(), flow.success);",
      "const wrong: number = createTorch({ claim: 'x' }).claim;\nconst notAnswer: Answer = { claim: 1, confidence: 0 };",
    ]);
    const result = await executeNotebook(file, { cwd: path.resolve(__dirname, '..', '..', 'notebooks') });
    try {
      expect(result.cells[0].outputs.map((o) => o.text).join('')).toContain('claim: kettle is on kernel: true');
      expect(result.cells[1].outputs).toEqual([expect.objectContaining({ output_type: 'display_data', data: { 'text/html': '<b>bold</b>', 'text/plain': 'plain form' } })]);
      // 100 updates over about a second become a handful of sends, and the final state stays.
      const throttled = result.cells[2].outputs;
      expect(throttled.filter((o) => o.output_type === 'display_data').map((o) => o.data?.['text/plain'])).toEqual(['tick 100']);
      const sends = Number(/throttled sends (\d+)/.exec(throttled.map((o) => o.text ?? '').join(''))?.[1]);
      expect(sends).toBeGreaterThanOrEqual(2);
      expect(sends).toBeLessThanOrEqual(15);
      // Updates replace the one output in place: the saved notebook keeps its final state.
      const live = result.cells[3].outputs.filter((o) => o.output_type === 'display_data');
      expect(live.map((o) => o.data?.['text/plain'])).toEqual(['step 3']);
      // tslab really type-checks against our .d.ts: assigning a string to a number is caught.
      expect(result.cells[5].outputs.map((o) => o.text).join('')).toBe('ZOD 4 TYPES READ BY TYPESCRIPT 5.0 false\n');
      const diagnostics = result.cells[6].outputs.map((o) => `${o.evalue ?? ''}${(o.text ?? '') as string}`).join('');
      expect(diagnostics).toMatch(/1:7 - Type 'string' is not assignable to type 'number'/);
      // zod-inferred types are real types in tslab, not `any`.
      expect(diagnostics).toMatch(/2:29 - Type 'number' is not assignable to type 'string'/);
      expect(result.cells[4].outputs.map((o) => o.text).join('')).toContain('torch is 2 KiB (2053 bytes) of JSON');
    } finally {
      result.cleanup();
    }
  }, 120_000);

  it('says once, in one line, when no tslab copy has a display writer, and shows text instead', async () => {
    const file = path.join(dir, 'no-writer.ipynb');
    writeNotebook(file, [
      "import { displayBundle } from 'campfires';\nconst copies = Object.keys(require.cache).filter((f) => /tslab[\\\\/]dist[\\\\/]jupyter\\.js$/.test(f)).map((f) => require.cache[f]!.exports);\nconst writers = copies.map((copy) => copy.lastWriteDisplayData);\nfor (const copy of copies) copy.lastWriteDisplayData = null;\ntry {\n  displayBundle({ 'text/html': '<b>first</b>', 'text/plain': 'first as text' });\n  displayBundle({ 'text/html': '<b>second</b>', 'text/plain': 'second as text' });\n} finally {\n  copies.forEach((copy, index) => (copy.lastWriteDisplayData = writers[index]));\n}",
      "displayBundle({ 'text/html': '<b>rich again</b>', 'text/plain': 'rich again' });",
    ]);
    const result = await executeNotebook(file, { cwd: path.resolve(__dirname, '..', '..', 'notebooks') });
    try {
      expect(result.errors).toEqual([]);
      const first = result.cells[0].outputs;
      const stderr = first.filter((o) => o.name === 'stderr').map((o) => o.text).join('');
      expect(stderr.match(/rich output is off/g)).toHaveLength(1);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(first.filter((o) => o.name === 'stdout').map((o) => o.text).join('')).toBe('first as text\nsecond as text\n');
      expect(first.some((o) => o.output_type === 'display_data')).toBe(false);
      expect(result.cells[1].outputs).toEqual([expect.objectContaining({ output_type: 'display_data', data: { 'text/html': '<b>rich again</b>', 'text/plain': 'rich again' } })]);
    } finally {
      result.cleanup();
    }
  }, 120_000);
});
