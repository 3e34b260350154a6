import { CampfiresError, type LanguageModel, type ModelRequest } from 'campfires';

/** What the model is scripted to do for one call: answer (maybe slowly), or fail. */
export type ContractAnswer = { text: string; usage: { input: number; output: number }; delayMs?: number } | { failure: string };

/** One call of a test and what the model is scripted to do for it. */
export interface ScriptedExchange {
  request: ModelRequest;
  answer: ContractAnswer;
}

/** What a model factory may return: the model, plus how to tear it (and its server) down. */
export interface LanguageModelHarness {
  model: LanguageModel;
  destroy?(): Promise<void>;
}

/** What an adapter offers beyond the port's minimum. */
export interface LanguageModelCapabilities {
  /** It has `stream()`. */
  streams: boolean;
  /** It can be scripted to take time, so a call can be cancelled while it waits. */
  slowAnswers: boolean;
}

const user = (content: string): ModelRequest => ({ messages: [{ role: 'user', content }] });
const answer = (text: string, input = 42, output = 7): ContractAnswer => ({ text, usage: { input, output } });

async function caught(attempt: () => Promise<unknown>): Promise<unknown> {
  try {
    await attempt();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to be refused');
}

/**
 * The behaviour every `LanguageModel` owes the campers, agents and `generateObject`
 * that call it. `create` gets the calls a test will make, in order, with what the model
 * is to answer to each: an adapter with a protocol server queues the replies there, a
 * cassette records them first and replays them, a scripted model is given them.
 * @example describeLanguageModel('ScriptedModel', async (script) => new ScriptedModel(script.map(toScriptedAnswer)), { streams: false, slowAnswers: true });
 */
export function describeLanguageModel(
  name: string,
  create: (script: ScriptedExchange[]) => Promise<LanguageModel | LanguageModelHarness>,
  capabilities: LanguageModelCapabilities,
): void {
  describe(`${name} honours the LanguageModel contract`, () => {
    let destroy: (() => Promise<void>) | undefined;

    async function scripted(script: ScriptedExchange[]): Promise<LanguageModel> {
      const made = await create(script);
      if ('model' in made) {
        destroy = made.destroy;
        return made.model;
      }
      destroy = undefined;
      return made;
    }

    afterEach(async () => {
      await destroy?.();
      destroy = undefined;
    });

    it('answers with the text, the model that answered, the time taken and the token counts', async () => {
      const request = user('What happened on the Northern line?');
      const model = await scripted([{ request, answer: answer('{"claim":"signal failure"}', 42, 7) }]);
      expect(model.provider).toMatch(/\S/);
      expect(model.modelId).toMatch(/\S/);
      const response = await model.generate(request);
      expect(response.text).toBe('{"claim":"signal failure"}');
      expect(response.model).toBe(model.modelId);
      expect(Number.isFinite(response.latencyMs) && response.latencyMs >= 0).toBe(true);
      expect(response.usage).toEqual({ inputTokens: 42, outputTokens: 7 });
    });

    it('answers calls in the order they are made', async () => {
      const first = user('first headline');
      const second = user('second headline');
      const model = await scripted([
        { request: first, answer: answer('blackout', 11, 2) },
        { request: second, answer: answer('storm', 12, 3) },
      ]);
      const answers = [await model.generate(first), await model.generate(second)];
      expect(answers.map((response) => [response.text, response.usage?.inputTokens])).toEqual([
        ['blackout', 11],
        ['storm', 12],
      ]);
    });

    it('gives onText pieces that make up the whole answer, as they arrive', async () => {
      const request = user('Summarise the outage');
      const model = await scripted([{ request, answer: answer('Storm outage until 3 AM, trains replaced by buses', 20, 9) }]);
      const pieces: string[] = [];
      const response = await model.generate({ ...request, onText: (piece) => pieces.push(piece) });
      expect(pieces.length).toBeGreaterThan(0);
      expect(pieces.join('')).toBe('Storm outage until 3 AM, trains replaced by buses');
      expect(response.text).toBe(pieces.join(''));
      expect(response.usage).toEqual({ inputTokens: 20, outputTokens: 9 });
    });

    it(capabilities.streams ? 'streams pieces that make up the whole answer' : 'has no stream(), so callers use generate with onText', async () => {
      const request = user('Stream the outage');
      const model = await scripted([{ request, answer: answer('Storm outage until 3 AM') }]);
      expect(typeof model.stream === 'function').toBe(capabilities.streams);
      if (!model.stream) return;
      const pieces: string[] = [];
      for await (const piece of model.stream(request)) pieces.push(piece);
      expect(pieces.join('')).toBe('Storm outage until 3 AM');
      expect(pieces.every((piece) => piece.length > 0)).toBe(true);
    });

    it('refuses a failed call with a CampfiresError that has a stable code, then answers the next call', async () => {
      const failing = user('this one fails');
      const next = user('this one works');
      const model = await scripted([
        { request: failing, answer: { failure: 'the model crashed' } },
        { request: next, answer: answer('recovered') },
      ]);
      const error = await caught(() => model.generate(failing));
      expect(error).toBeInstanceOf(CampfiresError);
      expect((error as CampfiresError).code).toMatch(/^[a-z]+(_[a-z]+)+$/);
      expect((error as CampfiresError).message).toMatch(/\S/);
      expect((error as CampfiresError).toJSON()).toMatchObject({ code: (error as CampfiresError).code });
      expect((await model.generate(next)).text).toBe('recovered');
    });

    it('refuses a call cancelled before it starts with model_aborted, using up no answer', async () => {
      const request = user('cancelled before it starts');
      const model = await scripted([{ request, answer: answer('kept for the next call') }]);
      const controller = new AbortController();
      controller.abort();
      const error = await caught(() => model.generate({ ...request, signal: controller.signal }));
      expect(error).toBeInstanceOf(CampfiresError);
      expect((error as CampfiresError).code).toBe('model_aborted');
      expect((await model.generate(request)).text).toBe('kept for the next call');
    });

    if (capabilities.slowAnswers) {
      it('stops a call cancelled while it waits for the answer, with model_aborted', async () => {
        const request = user('a slow answer');
        const model = await scripted([{ request, answer: { text: 'too late', usage: { input: 1, output: 1 }, delayMs: 1_500 } }]);
        const controller = new AbortController();
        const cancel = setTimeout(() => controller.abort(), 50);
        try {
          const error = await caught(() => model.generate({ ...request, signal: controller.signal }));
          expect((error as CampfiresError).code).toBe('model_aborted');
        } finally {
          clearTimeout(cancel);
        }
      });
    }
  });
}
