import { ModelError } from '../core';
import { OpenAICompatibleModel, type OpenAICompatibleModelSettings } from './create-openai-compatible-model';

/** OpenRouter's OpenAI-compatible base URL. */
export const OPENROUTER_BASE_URL = 'https://openrouter.ai/api/v1';
/** A free-tier OpenRouter model, used when none is named (override with `OPENROUTER_MODEL`). */
export const DEFAULT_OPENROUTER_MODEL = 'meta-llama/llama-3.3-70b-instruct:free';
/** A free-tier OpenRouter model that reads images. */
export const DEFAULT_OPENROUTER_VISION_MODEL = 'google/gemma-3-27b-it:free';
/** OpenRouter's free-tier caps: 20 requests a minute and about 1000 a day. */
export const OPENROUTER_FREE_LIMITS = { perMinute: 20, perDay: 1000 } as const;

/** Settings of the OpenRouter preset; every OpenAI-compatible setting may be overridden. */
export type OpenRouterModelSettings = Partial<OpenAICompatibleModelSettings>;

/**
 * An OpenRouter model: key from `OPENROUTER_API_KEY` (and `OPENROUTER_BASE_URL` for a proxy), a free-tier model by default, and the
 * free tier's per-minute and per-day limits (count them in the run log with `counters`).
 * @example const model = createOpenRouterModel({ counters: runLog });
 */
export function createOpenRouterModel(settings: OpenRouterModelSettings = {}): OpenAICompatibleModel {
  const apiKey = settings.apiKey ?? process.env.OPENROUTER_API_KEY;
  if (!apiKey) {
    throw new ModelError({
      code: 'model_key_missing',
      message: 'OpenRouter needs an API key: set OPENROUTER_API_KEY (create one at https://openrouter.ai/keys), or use Ollama with createOllamaModel()',
      details: { provider: 'openrouter', keyVariable: 'OPENROUTER_API_KEY', retryable: false },
    });
  }
  return new OpenAICompatibleModel({
    provider: 'openrouter',
    keyVariable: 'OPENROUTER_API_KEY',
    rateLimit: OPENROUTER_FREE_LIMITS,
    ...settings,
    baseURL: settings.baseURL ?? process.env.OPENROUTER_BASE_URL ?? OPENROUTER_BASE_URL,
    model: settings.model ?? process.env.OPENROUTER_MODEL ?? DEFAULT_OPENROUTER_MODEL,
    apiKey,
    headers: { 'X-Title': 'campfires', ...settings.headers },
  });
}
