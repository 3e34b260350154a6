/**
 * The same cases as the protocol-server suites, against a real service: runs when
 * OLLAMA_HOST (and optionally CAMPFIRES_OLLAMA_MODEL) or OPENROUTER_API_KEY is set,
 * and is reported as skipped otherwise.
 */
import { z } from 'zod';
import { ModelError, acceptActionKeyVariants, createOllamaModel, createOpenRouterModel, generateObject, type LanguageModel } from 'campfires';

const torchSchema = z.object({ claim: z.string().min(1), confidence: z.number().min(0).max(1) });
const actionSchema = z.object({ action: z.enum(['increase_resource', 'decrease_resource', 'support_agent', 'oppose_agent', 'pass']), target: z.string(), reason: z.string() });
const headline = [{ role: 'user' as const, content: 'Headline: "London blackout hits five boroughs". Give one short claim about it and your confidence from 0 to 1.' }];

function sharedCases(make: () => LanguageModel, makeMissing: () => LanguageModel) {
  it('returns validated structured output', async () => {
    const result = await generateObject({ model: make(), schema: torchSchema, messages: headline });
    expect(result.fallback).toBe(false);
    expect(result.value.claim.length).toBeGreaterThan(0);
  }, 180_000);

  it('chooses a known action (no fallback needed)', async () => {
    const result = await generateObject({
      model: make(),
      schema: actionSchema,
      normalize: acceptActionKeyVariants(),
      messages: [{ role: 'user', content: 'You are a farmer on a council; resources are low. Choose one action for the world.' }],
    });
    expect(actionSchema.shape.action.options).toContain(result.value.action);
  }, 180_000);

  it('streams the answer in pieces', async () => {
    const pieces: string[] = [];
    const response = await make().generate({ messages: [{ role: 'user', content: 'Count from one to five in words.' }], onText: (piece) => pieces.push(piece) });
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(response.text);
  }, 180_000);

  it('abandons a call past a tiny timeout', async () => {
    await expect(make().generate({ messages: headline, timeoutMs: 1 })).rejects.toThrow(/did not answer within 0\.001 s/);
  }, 60_000);

  it('names a model the service does not have', async () => {
    const error = (await makeMissing().generate({ messages: headline }).catch((caught: unknown) => caught)) as ModelError;
    expect(error.code).toBe('model_not_found');
  }, 60_000);
}

const ollamaHost = process.env.OLLAMA_HOST;
(ollamaHost ? describe : describe.skip)(`a real Ollama (OLLAMA_HOST=${ollamaHost ?? 'not set'})`, () => {
  const model = process.env.CAMPFIRES_OLLAMA_MODEL ?? 'llama3.1:8b';
  sharedCases(
    () => createOllamaModel({ model, timeoutMs: 120_000 }),
    () => createOllamaModel({ model: 'campfires-no-such-model:1b' }),
  );
});

const openRouterKey = process.env.OPENROUTER_API_KEY;
(openRouterKey ? describe : describe.skip)(`a real OpenRouter (OPENROUTER_API_KEY ${openRouterKey ? 'set' : 'not set'})`, () => {
  sharedCases(
    () => createOpenRouterModel({ timeoutMs: 120_000 }),
    () => createOpenRouterModel({ model: 'campfires/no-such-model:free' }),
  );

  it('says a wrong key was refused, without showing it', async () => {
    const wrong = 'sk-or-v1-0000000000000000000000000000000000000000000000000000000000000000';
    const error = (await createOpenRouterModel({ apiKey: wrong }).generate({ messages: headline }).catch((caught: unknown) => caught)) as ModelError;
    expect(error.code).toBe('model_unauthorized');
    expect(JSON.stringify(error.toJSON()) + error.message).not.toContain(wrong);
  }, 60_000);
});
