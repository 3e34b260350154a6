import { CampfiresError, RateLimitedError } from '../core';
import { generateObject, modelCallBudget, type LanguageModel, type ModelAttempt, type ModelCallBudget } from '../llm';
import type { JsonValue } from '../messages';
import { BaseCouncilAgent, type Observation } from './council-agent';
import type { Action, Persona } from './models';
import { answerSchemaFor, buildActionPrompt } from './simulation-prompt';

/** The fallback reason when the model gives no valid answer in its attempts (as in the original). */
export const LLM_FALLBACK_REASON = 'LLM failure or invalid output';

/** Options of an LLM agent. */
export interface LLMAgentOptions {
  model: LanguageModel;
  /** Requests per decision before falling back to `pass` (default 3): bad answers and failed requests alike. */
  retries?: number;
  temperature?: number;
  /** Time one request may take (default: the model's own, 30 s unless it was built with another). */
  timeoutMs?: number;
  /** The wait after a 5xx or a 429 without `Retry-After`, doubled after each (default 1 s). */
  retryDelayMs?: number;
  /** The most one decision waits between its requests, in all (default 60 s). */
  maxWaitMs?: number;
}

/**
 * Whether a failure is the set-up's, not the model's: a rate limit, a host that is down, a
 * bad key, a missing model, a rejected request. Asking again will not mend it, and a `pass`
 * would hide it, so it stops the run. Anything else (a bad answer, a 5xx, a cut stream, a
 * crashed runner, a timeout) is the model failing, and the member passes.
 */
function stopsTheRun(error: unknown): boolean {
  return error instanceof RateLimitedError || (error instanceof CampfiresError && error.details.retryable === false);
}

/**
 * A council member that asks a language model for its action through `generateObject`:
 * the prompt carries persona, goals, biases, world state, allowed actions with effects,
 * the JSON schema and the last 1–2 turns; after `retries` unusable answers it passes.
 * A rate limit or an unreachable model is not swallowed: it stops the run, which can be
 * resumed from the run log later. It writes nothing itself: the controller records the
 * model's attempts (`takeRecords`) with the action they led to. In a run with a seed,
 * every request carries it (Ollama `options.seed`, OpenAI `seed`).
 * @example const agent = new LLMAgent(persona, { model: createOllamaModel() });
 */
export class LLMAgent extends BaseCouncilAgent {
  readonly policy: string;
  private readonly model: LanguageModel;
  private readonly retries: number;
  private readonly temperature: number | undefined;
  private readonly options: LLMAgentOptions;

  constructor(persona: Persona, options: LLMAgentOptions) {
    super(persona);
    this.model = options.model;
    this.retries = options.retries ?? 3;
    this.temperature = options.temperature;
    this.options = options;
    this.policy = `llm ${options.model.provider}:${options.model.modelId}`;
  }

  async decideAction(observation: Observation): Promise<Action> {
    const messages = buildActionPrompt(this.persona, observation);
    const answerSchema = answerSchemaFor(observation.allowed.map((entry) => entry.type));
    const answer = generateObject({
      model: this.model,
      schema: answerSchema.schema,
      messages,
      retries: this.retries,
      fallback: { action: 'pass', target: 'world', reason: LLM_FALLBACK_REASON },
      normalize: answerSchema.normalize,
      quickParse: answerSchema.quickParse,
      quickRead: answerSchema.quickRead,
      label: `agent:${this.name}`,
      clock: this.clock,
      temperature: this.temperature,
      seed: observation.seed,
      timeoutMs: this.options.timeoutMs,
      retryDelayMs: this.options.retryDelayMs,
      maxWaitMs: this.options.maxWaitMs,
      schemaInPrompt: false,
      // Streamed only while someone watches the council live.
      ...(observation.onToken ? { onText: observation.onToken } : {}),
    });
    const prompt = messages.map((message) => `[${message.role}]\n${message.content}`).join('\n\n');
    const result = await answer;
    this.records = result.records;
    const last = result.attempts.at(-1);
    const failedCall = result.fallback && last !== undefined && last.raw === null;
    this.trace = {
      prompt,
      attempts: result.attempts.map(answerOf),
      errors: result.attempts.filter((attempt) => attempt.error).map((attempt) => `attempt ${attempt.attempt}: ${attempt.error}`),
      fallback: result.fallback,
      ...(failedCall ? { modelFailure: codeOf(last.cause) } : {}),
    };
    // A failure of the set-up that ended the decision stops the run rather than becoming a `pass`.
    if (failedCall && stopsTheRun(last.cause)) throw last.cause;
    return { type: result.value.action, target: result.value.target, reason: result.value.reason };
  }

  /** The budget of each of this member's decisions: requests, time per request, waits. */
  get budget(): ModelCallBudget {
    return modelCallBudget({ retries: this.retries, timeoutMs: this.options.timeoutMs, retryDelayMs: this.options.retryDelayMs, maxWaitMs: this.options.maxWaitMs });
  }
}

function codeOf(error: unknown): string {
  return error instanceof CampfiresError ? error.code : 'model_call_failed';
}

/** What the model answered in an attempt, as the decision's trace shows it: its text, or the error its call failed with. */
function answerOf(attempt: ModelAttempt): JsonValue {
  if (attempt.raw !== null) return { attempt: attempt.attempt, raw: attempt.raw, error: null };
  const { cause } = attempt;
  return { attempt: attempt.attempt, raw: null, error: (cause as Error)?.message ?? String(cause) };
}
