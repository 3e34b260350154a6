import { CampfiresError, ValidationError } from '../core';
import type { CounterSource } from '../counters';
import { OllamaModel, type OllamaModelSettings } from './create-ollama-model';
import { createOpenRouterModel, type OpenRouterModelSettings } from './create-openrouter-model';
import type { LanguageModel } from './language-model';
import { modelNotFoundError } from './model-failures';
import { displayHost } from './model-host';

/** Which backend to use: `auto` tries Ollama, then OpenRouter, then offline. */
export type ModelPreference = 'auto' | 'ollama' | 'openrouter' | 'offline';

/** Options of `chooseDefaultModel`. */
export interface ChooseDefaultModelOptions {
  /** Default: `CAMPFIRES_MODEL`, else `auto`. */
  prefer?: ModelPreference;
  ollama?: OllamaModelSettings;
  openRouter?: OpenRouterModelSettings;
  /** How long to wait for Ollama's `/api/tags` (default 2 s). */
  probeTimeoutMs?: number;
  /** Where rate-limit counts are kept (the run log, or any `CounterStore`), for both providers. */
  counters?: CounterSource;
  /** Print the one-line choice (default `console.log`); `false` to stay quiet. */
  print?: boolean | ((line: string) => void);
}

/** What was chosen: the model (null = offline), its backend name, and the line shown to the user. */
export interface DefaultModelChoice {
  model: LanguageModel | null;
  backend: 'ollama' | 'openrouter' | 'offline';
  line: string;
}

const preferences: ModelPreference[] = ['auto', 'ollama', 'openrouter', 'offline'];
const SWITCH = 'switch with CAMPFIRES_MODEL=ollama|openrouter|offline';

async function probeOllama(model: OllamaModel, timeoutMs: number): Promise<{ ok: true } | { ok: false; reason: string; fix: string; error: CampfiresError }> {
  const host = displayHost(model.host);
  try {
    const names = await model.listModels(timeoutMs);
    if (names.some((name) => name === model.modelId || name === `${model.modelId}:latest`)) return { ok: true };
    const error = modelNotFoundError({ provider: 'ollama', model: model.modelId, host }, names);
    return { ok: false, reason: `at ${host} has no ${model.modelId}`, fix: `\`ollama pull ${model.modelId}\``, error };
  } catch (error) {
    const failure = error instanceof CampfiresError ? error : new CampfiresError({ code: 'model_unreachable', message: String(error) });
    return { ok: false, reason: `is not answering at ${host}`, fix: `\`ollama serve\` and \`ollama pull ${model.modelId}\``, error: failure };
  }
}

/**
 * Picks the model for a notebook: Ollama when it answers and has the model, else OpenRouter
 * when `OPENROUTER_API_KEY` is set, else offline (model null: deterministic campers and
 * persona-policy agents). Prints one line saying what was chosen and how to switch.
 * @example const { model, line } = await chooseDefaultModel({ counters: runLog });
 */
export async function chooseDefaultModel(options: ChooseDefaultModelOptions = {}): Promise<DefaultModelChoice> {
  const requested = options.prefer ?? (process.env.CAMPFIRES_MODEL as ModelPreference | undefined) ?? 'auto';
  if (!preferences.includes(requested)) {
    throw new ValidationError({
      code: 'model_preference_invalid',
      message: `model preference "${requested}" is not known; use one of ${preferences.join(', ')} (in CAMPFIRES_MODEL or { prefer })`,
      issues: [{ field: 'prefer', message: 'unknown preference', given: requested, allowed: preferences }],
    });
  }
  const counters = options.counters;
  const choose = (choice: DefaultModelChoice): DefaultModelChoice => {
    if (options.print !== false) (typeof options.print === 'function' ? options.print : console.log)(choice.line);
    return choice;
  };
  const keySet = Boolean(options.openRouter?.apiKey ?? process.env.OPENROUTER_API_KEY);
  const openRouter = (why: string): DefaultModelChoice => {
    const model = createOpenRouterModel({ counters, ...options.openRouter });
    const limits = [
      model.limits?.perMinute === undefined ? null : `${model.limits.perMinute}/min`,
      model.limits?.perDay === undefined ? null : `${model.limits.perDay}/day`,
    ].filter(Boolean);
    return {
      model,
      backend: 'openrouter',
      line: `model: openrouter ${model.modelId}${limits.length > 0 ? ` (at most ${limits.join(', ')})` : ''}${why}; ${SWITCH}`,
    };
  };

  if (requested === 'offline') {
    return choose({ model: null, backend: 'offline', line: `model: offline, deterministic campers and persona-policy agents (CAMPFIRES_MODEL=offline); ${SWITCH}` });
  }
  if (requested === 'openrouter') return choose(openRouter(''));

  const ollama = new OllamaModel({ counters, ...options.ollama });
  const probe = await probeOllama(ollama, options.probeTimeoutMs ?? 2000);
  if (probe.ok) return choose({ model: ollama, backend: 'ollama', line: `model: ollama ${ollama.modelId} at ${displayHost(ollama.host)}; ${SWITCH}` });
  if (requested === 'ollama') throw probe.error;
  if (keySet) return choose(openRouter(`, because Ollama ${probe.reason} (to use it: ${probe.fix})`));
  return choose({
    model: null,
    backend: 'offline',
    line: `model: offline, deterministic campers and persona-policy agents (Ollama ${probe.reason}, OPENROUTER_API_KEY not set); for a model run ${probe.fix}, or set OPENROUTER_API_KEY`,
  });
}
