import { CampfiresError, RateLimitedError } from '../core';
import { generateObject, type LanguageModel, type ModelRequest, type ModelResponse } from '../llm';
import type { JsonValue } from '../messages';
import type { RunLog } from '../runlog';
import { BaseCouncilAgent, type Observation } from './council-agent';
import { modelActionSchema, normalizeModelAction, quickParseModelAction, type Action, type Persona } from './models';
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

/** Wraps a model to keep what it answered in one decision (raw text or failure), for the debug log. */
class AnswerRecorder implements LanguageModel {
  readonly answers: JsonValue[] = [];
  /** The first failure that should stop the run rather than become a `pass`. */
  stop: unknown = undefined;

  constructor(private readonly inner: LanguageModel) {}

  get provider(): string {
    return this.inner.provider;
  }

  get modelId(): string {
    return this.inner.modelId;
  }

  generate(request: ModelRequest): Promise<ModelResponse> {
    // `then` rather than an async wrapper: one promise hop less between the answer and the engine.
    let pending: Promise<ModelResponse>;
    try {
      pending = this.inner.generate(request);
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (response) => {
        this.answers.push({ attempt: this.answers.length + 1, raw: response.text, error: null });
        return response;
      },
      (error: unknown) => {
        this.answers.push({ attempt: this.answers.length + 1, raw: null, error: (error as Error)?.message ?? String(error) });
        if (this.stop === undefined && stopsTheRun(error)) this.stop = error;
        throw error;
      },
    );
  }
}

/**
 * A council member that asks a language model for its action through `generateObject`:
 * the prompt carries persona, goals, biases, world state, allowed actions with effects,
 * the JSON schema and the last 1–2 turns; after `retries` unusable answers it passes.
 * A rate limit or an unreachable model is not swallowed: it stops the run, which can be
 * resumed from the run log later.
 * @example const agent = new LLMAgent(persona, { model: createOllamaModel() });
 */
export class LLMAgent extends BaseCouncilAgent {
  readonly policy: string;
  private readonly model: LanguageModel;
  private readonly retries: number;
  private readonly temperature: number | undefined;
  private run: { runLog: RunLog; runId: string } | undefined;
  private unwrittenLogs: (() => void)[] = [];

  constructor(persona: Persona, options: LLMAgentOptions) {
    super(persona);
    this.model = options.model;
    this.retries = options.retries ?? 3;
    this.temperature = options.temperature;
    this.policy = `llm ${options.model.provider}:${options.model.modelId}`;
  }

  override attachRun(runLog: RunLog, runId: string): void {
    this.run = { runLog, runId };
  }

  override writeLogs(): void {
    const writes = this.unwrittenLogs;
    if (writes.length === 0) return;
    this.unwrittenLogs = [];
    for (const write of writes) write();
  }

  async decideAction(observation: Observation): Promise<Action> {
    const messages = buildActionPrompt(this.persona, observation);
    // Concatenated rather than joined: the parts are linked, not copied into a new string
    // on the way to the model call (the trace is serialized later, while the model thinks).
    let prompt = '';
    let separator = '';
    for (const message of messages) {
      prompt += `${separator}[${message.role}]\n${message.content}`;
      separator = '\n\n';
    }
    const recorder = new AnswerRecorder(this.model);
    const result = await generateObject({
      model: recorder,
      schema: modelActionSchema,
      messages,
      retries: this.retries,
      fallback: { action: 'pass', target: 'world', reason: LLM_FALLBACK_REASON },
      normalize: normalizeModelAction,
      quickParse: quickParseModelAction,
      runLog: this.run?.runLog,
      runId: this.run?.runId,
      label: `agent:${this.name}`,
      temperature: this.temperature,
      schemaInPrompt: false,
      debugLog: false,
      // Written while the next member's model thinks (see `writeLogs`).
      deferAnswerLog: (write) => this.unwrittenLogs.push(write),
    });
    if (recorder.stop !== undefined) throw recorder.stop;
    const errors: string[] = [];
    for (const attempt of result.attempts) if (attempt.error) errors.push(`attempt ${attempt.attempt}: ${attempt.error}`);
    this.trace = { prompt, attempts: recorder.answers, errors, fallback: result.fallback };
    return { type: result.value.action, target: result.value.target, reason: result.value.reason };
  }
}
