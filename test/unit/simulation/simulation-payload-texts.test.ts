/**
 * The simulation payload keeps each decision's prompt and the model's raw answer, cut to
 * the cap it states, and a run read back from the run log gives the same payload.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ScriptedModel, Simulation, SqliteRunLog, loadSimulationConfig, simulationConfigFrom, simulationPayloadSchema, type ModelRequest } from 'campfires';

const harvest = loadSimulationConfig('fixtures/councils/harvest');
/** A council; with `story`, each member's description and goals are as long as a persona may have them, so prompts pass the cap. */
const config = (turns: number, story = '') =>
  simulationConfigFrom(
    { scenario: { name: 'Texts council' }, simulation: { ...harvest.simulation, max_turns: turns, log_level: 'silent', stop_when: [] } },
    { personas: harvest.personas.map((persona) => (story ? { ...persona, description: [...story].slice(0, 1900).join(''), goals: Array.from({ length: 12 }, (_, index) => [...`${index} ${story}`].slice(0, 280).join('')) } : persona)) },
  );

/** A small random generator, so the generated cases are the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Characters as a reader counts them. */
const characters = (text: string): number => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].length;

const pieces = ['a', 'é', '🔥', '👩‍👩‍👧', ' ', 'x'];

describe('prompts and answers in the simulation payload', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-sim-texts-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps every prompt and raw answer, cuts long ones to the stated cap, and replays the same payload from the run log', async () => {
    const cut = { prompt: 0, answer: 0 };
    for (let seed = 1; seed <= 3; seed += 1) {
      const next = random(seed);
      // Some councils have long life stories, so their prompts pass the cap.
      const story = seed % 2 === 0 ? `a long life story ${'🔥é👩‍👩‍👧 told again '.repeat(150)}` : '';
      const sent: ModelRequest[] = [];
      const answers: string[] = [];
      const model = new ScriptedModel((request) => {
        sent.push(request);
        // Thinking aloud of generated lengths around the cap, with emoji and joined emoji, before the JSON.
        const length = [0, 3900, 3990, 4100, 6000][Math.floor(next() * 5)] as number;
        let thinking = '';
        for (let index = 0; index < length; index += 1) thinking += pieces[Math.floor(next() * pieces.length)];
        const answer = `${thinking}\n${JSON.stringify({ action: 'pass', target: 'world', reason: `turn reason ${sent.length}` })}`;
        answers.push(answer);
        return answer;
      });
      const runLog = SqliteRunLog.open(path.join(dir, `log-${seed}.db`));
      const sim = await Simulation.fromSettings(config(1, story), { model, runLog, narrate: null, live: false, seed }).run();
      const payload = simulationPayloadSchema.parse(sim.payload());
      expect(payload.textCap).toBe(4000);
      expect(payload.actions).toHaveLength(answers.length);
      payload.actions.forEach((action, index) => {
        const prompt = (sent[index] as ModelRequest).messages.map((message) => `[${message.role}]\n${message.content}`).join('\n\n');
        const answer = answers[index] as string;
        for (const [kept, whole, length] of [[action.prompt, prompt, action.promptLength], [action.answer, answer, action.answerLength]] as const) {
          expect(typeof kept).toBe('string');
          expect(characters(kept as string)).toBeLessThanOrEqual(4000);
          if (characters(whole) <= 4000) {
            expect(kept).toBe(whole);
            expect(length).toBeUndefined();
          } else {
            expect(kept).not.toBe(whole);
            cut[kept === action.prompt ? 'prompt' : 'answer'] += 1;
            expect(length).toBe(characters(whole));
            // Well-formed text: it saves in a notebook and survives JSON.
            expect(JSON.parse(JSON.stringify(kept))).toBe(kept);
            expect(kept).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
          }
        }
        // The answer keeps its beginning; the prompt its beginning and its end.
        expect(answer.startsWith((action.answer as string).replace(/…$/, ''))).toBe(true);
        expect(prompt.startsWith((action.prompt as string).split('…')[0] as string)).toBe(true);
      });
      expect(Simulation.fromRunLog(runLog, sim.runId as string).payload()).toEqual(sim.payload());
      runLog.close();
    }
    // The generated cases cut both kinds of text.
    expect(cut.prompt).toBeGreaterThan(0);
    expect(cut.answer).toBeGreaterThan(0);
  });

  it('states no cap when no agent asked a model (persona policies)', async () => {
    const runLog = SqliteRunLog.open(path.join(dir, 'log.db'));
    const sim = await Simulation.fromSettings(config(3), { runLog, narrate: null, live: false, seed: 4 }).run();
    const payload = sim.payload();
    expect(payload.textCap).toBeUndefined();
    expect(payload.actions.length).toBeGreaterThan(0);
    expect(payload.actions.every((action) => action.prompt === undefined && action.answer === undefined)).toBe(true);
    expect(Simulation.fromRunLog(runLog, sim.runId as string).payload()).toEqual(payload);
    runLog.close();
  });
});
