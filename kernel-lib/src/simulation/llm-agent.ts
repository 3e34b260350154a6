import { CampfiresError, RateLimitedError } from '../core';
import { generateObject, type LanguageModel, type ModelAttempt } from '../llm';
import type { JsonValue } from '../messages';
import { BaseCouncilAgent, type Observation } from './council-agent';
import { modelActionSchema, normalizeModelAction, quickParseModelAction, quickReadModelAction, type Action, type Persona } from './models';
import { buildActionPrompt } from './simulation-prompt';

/** The fallback reason when the model gives no valid answer in its attempts (as in the original). */
export const LLM_FALLBACK_REASON = 'LLM failure or invalid output';

/** Options of an LLM agent. */
export interface LLMAgentOptions {
  model: LanguageModel;
  /** Attempts before falling back to `pass` (default 3). */
  retries?: number;
  temperature?: number;
}

/** Whether a failure will not get better by asking again (rate limit, host down, bad key, missing model). */
function stopsTheRun(error: unknown): boolean {
  return error instanceof RateLimitedError || (error instanceof CampfiresError && error.details.retryable === false);
}

/**
 * A council member that asks a language model for its action through `generateObject`:
 * the prompt carries persona, goals, biases, world state, allowed actions with effects,
 * the JSON schema and the last 1–2 turns; after `retries` unusable answers it passes.
 * A rate limit or an unreachable model is not swallowed: it stops the run, which can be
 * resumed from the run log later. It writes nothing itself: the controller records the
 * model's attempts (`takeRecords`) with the action they led to.
 * @example const agent = new LLMAgent(persona, { model: createOllamaModel() });
 */
export class LLMAgent extends BaseCouncilAgent {
  readonly policy: string;
  private readonly model: LanguageModel;
  private readonly retries: number;
  private readonly temperature: number | undefined;

  constructor(persona: Persona, options: LLMAgentOptions) {
    super(persona);
    this.model = options.model;
    this.retries = options.retries ?? 3;
    this.temperature = options.temperature;
    this.policy = `llm ${options.model.provider}:${options.model.modelId}`;
  }

  async decideAction(observation: Observation): Promise<Action> {
    const messages = buildActionPrompt(this.persona, observation);
    const answer = generateObject({
      model: this.model,
      schema: modelActionSchema,
      messages,
      retries: this.retries,
      fallback: { action: 'pass', target: 'world', reason: LLM_FALLBACK_REASON },
      normalize: normalizeModelAction,
      quickParse: quickParseModelAction,
      quickRead: quickReadModelAction,
      label: `agent:${this.name}`,
      clock: this.clock,
      temperature: this.temperature,
      schemaInPrompt: false,
    });
    const prompt = messages.map((message) => `[${message.role}]\n${message.content}`).join('\n\n');
    const result = await answer;
    this.records = result.records;
    this.trace = {
      prompt,
      attempts: result.attempts.map(answerOf),
      errors: result.attempts.filter((attempt) => attempt.error).map((attempt) => `attempt ${attempt.attempt}: ${attempt.error}`),
      fallback: result.fallback,
    };
    // The first failure that asking again will not mend stops the run rather than becoming a `pass`.
    const stop = result.attempts.find((attempt) => attempt.raw === null && stopsTheRun(attempt.cause));
    if (stop) throw stop.cause;
    return { type: result.value.action, target: result.value.target, reason: result.value.reason };
  }
}

/** What the model answered in an attempt, as the decision's trace shows it: its text, or the error its call failed with. */
function answerOf(attempt: ModelAttempt): JsonValue {
  if (attempt.raw !== null) return { attempt: attempt.attempt, raw: attempt.raw, error: null };
  const { cause } = attempt;
  return { attempt: attempt.attempt, raw: null, error: (cause as Error)?.message ?? String(cause) };
}
