import { CampfiresError, RateLimitedError } from '../core';
import { generateObject, type GenerateObjectOptions, type GenerateObjectResult, type LanguageModel, type ModelCallResult, type ModelMessage } from '../llm';
import type { JsonValue } from '../messages';
import type { RunLog } from '../runlog';
import { BaseCouncilAgent, type Observation } from './council-agent';
import { modelActionSchema, normalizeModelAction, quickParseModelAction, quickReadModelAction, type Action, type ModelAction, type Persona } from './models';
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
  /** What the model has answered in the decision in progress. */
  private answers = new DecisionAnswers();
  /**
   * The options of `generateObject` but the messages, made once (again when the member joins
   * a run): each decision sets its messages, rather than building all of them anew on the way
   * from the last answer to the next call. Decisions of one member follow one another; one
   * asked while another is in progress gets its own copy.
   */
  private request: GenerateObjectOptions<typeof modelActionSchema> | undefined;
  private deciding = false;

  constructor(persona: Persona, options: LLMAgentOptions) {
    super(persona);
    this.model = options.model;
    this.retries = options.retries ?? 3;
    this.temperature = options.temperature;
    this.policy = `llm ${options.model.provider}:${options.model.modelId}`;
  }

  override attachRun(runLog: RunLog, runId: string): void {
    this.run = { runLog, runId };
    this.request = undefined;
  }

  override writeLogs(): void {
    const writes = this.unwrittenLogs;
    if (writes.length === 0) return;
    this.unwrittenLogs = [];
    for (const write of writes) write();
  }

  private requestOptions(): GenerateObjectOptions<typeof modelActionSchema> {
    this.request ??= {
      model: this.model,
      schema: modelActionSchema,
      messages: [],
      retries: this.retries,
      fallback: { action: 'pass', target: 'world', reason: LLM_FALLBACK_REASON },
      normalize: normalizeModelAction,
      quickParse: quickParseModelAction,
      quickRead: quickReadModelAction,
      runLog: this.run?.runLog,
      runId: this.run?.runId,
      label: `agent:${this.name}`,
      temperature: this.temperature,
      schemaInPrompt: false,
      debugLog: false,
      // Written while the next member's model thinks (see `writeLogs`).
      deferAnswerLog: (write) => this.unwrittenLogs.push(write),
      onModelResult: (result) => this.answers.record(result),
    };
    return this.request;
  }

  decideAction(observation: Observation): Promise<Action> {
    if (this.deciding) return this.decideAlone(observation);
    let pending: Promise<GenerateObjectResult<ModelAction>>;
    let messages: ModelMessage[];
    const answers = new DecisionAnswers();
    try {
      messages = buildActionPrompt(this.persona, observation);
      this.answers = answers;
      const request = this.requestOptions();
      request.messages = messages;
      pending = generateObject(request);
      request.messages = [];
    } catch (error) {
      return Promise.reject(error);
    }
    this.deciding = true;
    // The model has been asked: the prompt's text for the trace is made while it thinks.
    const prompt = promptText(messages);
    // `then` rather than an async function: one suspended function less to resume between
    // the model's answer and the next call.
    return pending.then(
      (result) => {
        this.deciding = false;
        return this.decided(prompt, answers, result);
      },
      (error: unknown) => {
        this.deciding = false;
        throw error;
      },
    );
  }

  /** A decision asked while another is in progress, with options of its own. */
  private async decideAlone(observation: Observation): Promise<Action> {
    const messages = buildActionPrompt(this.persona, observation);
    const answers = new DecisionAnswers();
    const result = await generateObject({ ...this.requestOptions(), messages, onModelResult: (entry) => answers.record(entry) });
    return this.decided(promptText(messages), answers, result);
  }

  /** Keeps the decision's trace, then gives its action, or throws the failure that should stop the run. */
  private decided(prompt: string, answers: DecisionAnswers, result: GenerateObjectResult<ModelAction>): Action {
    const errors: string[] = [];
    for (const attempt of result.attempts) if (attempt.error) errors.push(`attempt ${attempt.attempt}: ${attempt.error}`);
    this.trace = { prompt, attempts: answers.answers, errors, fallback: result.fallback };
    if (answers.stop !== undefined) throw answers.stop.error;
    return { type: result.value.action, target: result.value.target, reason: result.value.reason };
  }
}

/**
 * What a model answered in one decision's attempts (raw text or failure), for the debug
 * log, and the first failure that should stop the run rather than become a `pass`.
 */
class DecisionAnswers {
  readonly answers: JsonValue[] = [];
  stop: { error: unknown } | undefined;

  record({ attempt, text, error }: ModelCallResult): void {
    if (text !== undefined) {
      this.answers.push({ attempt, raw: text, error: null });
      return;
    }
    this.answers.push({ attempt, raw: null, error: (error as Error)?.message ?? String(error) });
    if (this.stop === undefined && stopsTheRun(error)) this.stop = { error };
  }
}

/** The prompt as one text for the trace, concatenated rather than joined: the parts are linked, not copied. */
function promptText(messages: readonly ModelMessage[]): string {
  let prompt = '';
  let separator = '';
  for (const message of messages) {
    prompt += `${separator}[${message.role}]\n${message.content}`;
    separator = '\n\n';
  }
  return prompt;
}
