import { RateLimitedError, formatIssues, issuesFromZod } from '../core';
import type { LanguageModel } from '../llm';
import type { JsonValue } from '../messages';
import { BaseCouncilAgent, type Observation } from './council-agent';
import { modelActionSchema, normalizeModelAction, type Action, type ModelAction, type Persona } from './models';
import { actionJsonSchema, buildActionPrompt } from './simulation-prompt';

/** The fallback when the model gives no valid answer in its attempts (as in the original). */
export const LLM_FALLBACK_REASON = 'LLM failure or invalid output';

/** Options of an LLM agent. */
export interface LLMAgentOptions {
  model: LanguageModel;
  /** Attempts before falling back to `pass` (default 3). */
  retries?: number;
  temperature?: number;
}

/**
 * A council member that asks a language model for its action: the prompt carries persona,
 * goals, biases, world state, allowed actions with effects, the JSON schema and the last
 * 1–2 turns; an answer that is not valid JSON of the schema is retried, then becomes `pass`.
 * A rate limit is not swallowed: it stops the run so it can be resumed later.
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
    const prompt = messages.map((message) => `[${message.role}]\n${message.content}`).join('\n\n');
    const attempts: JsonValue[] = [];
    const errors: string[] = [];
    for (let attempt = 1; attempt <= this.retries; attempt += 1) {
      let raw: string;
      try {
        const response = await this.model.generate({ messages, jsonSchema: actionJsonSchema(), temperature: this.temperature });
        raw = response.text;
      } catch (error) {
        if (error instanceof RateLimitedError) throw error;
        const message = `attempt ${attempt}: ${(error as Error).message}`;
        errors.push(message);
        attempts.push({ attempt, raw: null, error: message });
        continue;
      }
      const parsed = this.parse(raw);
      if (parsed.success) {
        attempts.push({ attempt, raw, error: null });
        this.trace = { prompt, attempts, errors, fallback: false };
        return { type: parsed.data.action, target: parsed.data.target, reason: parsed.data.reason };
      }
      const message = `attempt ${attempt}: ${parsed.error}`;
      errors.push(message);
      attempts.push({ attempt, raw, error: message });
    }
    this.trace = { prompt, attempts, errors, fallback: true };
    return { type: 'pass', target: 'world', reason: LLM_FALLBACK_REASON };
  }

  private parse(raw: string): { success: true; data: ModelAction } | { success: false; error: string } {
    let value: unknown;
    try {
      const start = raw.indexOf('{');
      const end = raw.lastIndexOf('}');
      value = JSON.parse(start >= 0 && end > start ? raw.slice(start, end + 1) : raw);
    } catch (error) {
      return { success: false, error: `not valid JSON (${(error as Error).message})` };
    }
    const normalized = normalizeModelAction(value);
    const result = modelActionSchema.safeParse(normalized);
    if (result.success) return { success: true, data: result.data };
    return { success: false, error: formatIssues(issuesFromZod(result.error, normalized)) };
  }
}
