/**
 * The live-alert demo's LLM mode (`--model ollama|openrouter`): model campers for
 * Sentiment and Summary, and in Verify a vision camper that looks at a traffic-camera
 * still put in the Party Box. Every other camper stays the offline tool camper.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CassetteModel,
  DEFAULT_OLLAMA_VISION_MODEL,
  DEFAULT_OPENROUTER_VISION_MODEL,
  LLMCamper,
  OllamaModel,
  ValidationError,
  createOllamaModel,
  createOpenRouterModel,
  createToolCamper,
  type LanguageModel,
  type LiveAlertCampers,
  type LiveAlertData,
  type SqliteRunLog,
} from '../src';
import { displayHost, modelNotFoundError } from '../src/llm';

/** The backends the demo's `--model` takes. */
export const LIVE_ALERT_MODEL_BACKENDS = ['ollama', 'openrouter'] as const;
export type LiveAlertModelBackend = (typeof LIVE_ALERT_MODEL_BACKENDS)[number];

/** The repository's fixtures/llm (prompts and the camera still), found by walking up. */
export function llmFixtures(): string {
  let directory = __dirname;
  for (let depth = 0; depth < 6; depth += 1) {
    const candidate = join(directory, 'fixtures', 'llm');
    if (existsSync(join(candidate, 'traffic-camera.png'))) return candidate;
    directory = join(directory, '..');
  }
  throw new ValidationError({
    code: 'fixtures_missing',
    message: `fixtures/llm (prompts and traffic-camera.png) was not found above ${__dirname}; run the demo from a checkout of the repository`,
    issues: [{ field: 'fixtures', message: 'not found', given: __dirname, allowed: 'a checkout with fixtures/llm' }],
  });
}

/**
 * The text and vision models of a backend; OpenRouter's limits are counted in the run log.
 * With `cassette`, answers are replayed from that JSONL file and misses recorded to it,
 * so a run recorded once with a real model replays later with no model at all.
 */
export function liveAlertModels(backend: string, runLog: SqliteRunLog | null, cassette?: string, timeoutMs?: number): { text: LanguageModel; vision: LanguageModel } {
  const wrap = (model: LanguageModel): LanguageModel => (cassette ? new CassetteModel({ path: cassette, model, mode: 'auto' }) : model);
  if (backend === 'ollama') {
    return {
      text: wrap(createOllamaModel({ model: process.env.CAMPFIRES_OLLAMA_MODEL, timeoutMs })),
      vision: wrap(createOllamaModel({ model: process.env.CAMPFIRES_OLLAMA_VISION_MODEL ?? DEFAULT_OLLAMA_VISION_MODEL, timeoutMs })),
    };
  }
  if (backend === 'openrouter') {
    const counters = runLog ?? undefined;
    return {
      text: wrap(createOpenRouterModel({ counters, timeoutMs })),
      vision: wrap(createOpenRouterModel({ counters, timeoutMs, model: process.env.OPENROUTER_VISION_MODEL ?? DEFAULT_OPENROUTER_VISION_MODEL })),
    };
  }
  throw new ValidationError({
    code: 'demo_model_invalid',
    message: `--model "${backend}" is not known; use ${LIVE_ALERT_MODEL_BACKENDS.join(' or ')} (or leave it out to run offline)`,
    issues: [{ field: '--model', message: 'unknown backend', given: backend, allowed: [...LIVE_ALERT_MODEL_BACKENDS] }],
  });
}

/** Checks before the run that Ollama has both models, so a missing one is one clear error, not four error torches. */
export async function checkLiveAlertModels(models: { text: LanguageModel; vision: LanguageModel }): Promise<void> {
  for (const model of [models.text, models.vision]) {
    if (!(model instanceof OllamaModel)) continue;
    const names = await model.listModels();
    if (!names.some((name) => name === model.modelId || name === `${model.modelId}:latest`)) {
      throw modelNotFoundError({ provider: 'ollama', model: model.modelId, host: displayHost(model.host) }, names);
    }
  }
}

/** One line saying which models answer, for the demo's first lines. */
export function describeLiveAlertModels(models: { text: LanguageModel; vision: LanguageModel }): string {
  const where = models.text instanceof OllamaModel ? ` at ${displayHost(models.text.host)}` : models.text instanceof CassetteModel ? ` (replaying ${models.text.path}, recording misses)` : '';
  return `${models.text.provider} ${models.text.modelId}${where} for Sentiment and Summary, ${models.vision.modelId} for the camera still in Verify`;
}

/** Replaces the Sentiment and Summary campers' wording with model campers and adds the camera check to Verify. */
export function liveAlertLlmCampers(
  defaults: LiveAlertCampers,
  options: { data: LiveAlertData; models: { text: LanguageModel; vision: LanguageModel } },
): Partial<LiveAlertCampers> {
  const fixtures = llmFixtures();
  const prompt = (name: string) => join(fixtures, 'prompts', `${name}.yaml`);
  const comments = [...options.data.comments.comments]
    .sort((a, b) => b.score - a.score)
    .slice(0, 8)
    .map((comment) => `- ${comment.body}`)
    .join('\n');
  const still = readFileSync(join(fixtures, 'traffic-camera.png'));
  return {
    // The word-count camper keeps its numbers and Party Box table; the model words the mood.
    sentiment: [
      defaults.sentiment[0]!,
      new LLMCamper('mood-llm', {
        model: options.models.text,
        template: prompt('sentiment'),
        templateValues: (context) => ({ headline: String(context.previous?.metadata.headline ?? context.inputs[0]?.torch.claim ?? ''), comments }),
      }),
    ],
    verify: [
      ...defaults.verify,
      createToolCamper('camera-still', async ({ previous, partyBox }) => {
        if (!previous || !partyBox) return null;
        const asset = await partyBox.put('traffic-camera.png', still);
        return { claim: previous.claim, confidence: previous.confidence, path: asset.location, metadata: previous.metadata };
      }),
      new LLMCamper('camera-llm', { model: options.models.vision, template: prompt('camera'), vision: true }),
    ],
    summary: [
      new LLMCamper('alert-llm', {
        model: options.models.text,
        template: prompt('summary'),
        templateValues: (context) => ({ details: JSON.stringify(context.inputs[0]?.torch.metadata ?? {}) }),
      }),
    ],
  };
}
