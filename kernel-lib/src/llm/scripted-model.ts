import { inspect } from 'node:util';
import { ModelError, cutText } from '../core';
import type { LanguageModel, ModelRequest, ModelResponse, ModelUsage } from './language-model';

/**
 * One scripted answer: text, text with the token counts to report, an error to throw,
 * or a function of the request.
 */
export type ScriptedAnswer = string | { text: string; usage?: ModelUsage } | Error | ((request: ModelRequest) => string);

/**
 * A whole script as one function: it gets each request and its number (1 for the first
 * call) and returns the answer's text, or an error to throw. Suits councils, where the
 * answer depends on which persona asks.
 */
export type ScriptedResponder = (request: ModelRequest, call: number) => string | Error;

/** Options of a `ScriptedModel`. */
export interface ScriptedModelOptions {
  /** The model id shown with every answer (default `scripted`). */
  modelId?: string;
  /** Token counts reported with every answer that does not bring its own. */
  usage?: ModelUsage;
  /** Keep giving the last answer once the list is used up. */
  repeatLast?: boolean;
  /** How long each answer takes, so a run shows a model's pace and calls can be cancelled mid-way. */
  delayMs?: number;
}

/**
 * A `LanguageModel` that answers from a script and records every request: for tests and
 * for teaching notebooks that must run without a model. It says `scripted` wherever it is shown.
 * @example const model = new ScriptedModel(['```json\n{"claim":"ok"}\n```']);
 * @example const council = new ScriptedModel((request, call) => (call % 2 ? '{"action":"pass"}' : new Error('busy')));
 */
export class ScriptedModel implements LanguageModel {
  readonly provider = 'scripted';
  readonly modelId: string;
  readonly requests: ModelRequest[] = [];
  private readonly answers: ScriptedAnswer[];
  private readonly responder: ScriptedResponder | undefined;

  constructor(
    script: readonly ScriptedAnswer[] | ScriptedResponder = [],
    private readonly options: ScriptedModelOptions = {},
  ) {
    this.answers = typeof script === 'function' ? [] : [...script];
    this.responder = typeof script === 'function' ? script : undefined;
    this.modelId = options.modelId ?? 'scripted';
  }

  /** Queues more answers; they are given before the responder is asked. */
  say(...answers: ScriptedAnswer[]): this {
    this.answers.push(...answers);
    return this;
  }

  /** Answers not used yet. */
  get remaining(): number {
    return this.answers.length;
  }

  async generate(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    const call = this.requests.length;
    if (request.signal?.aborted) throw this.aborted();
    const delayMs = this.options.delayMs ?? 0;
    if (delayMs > 0) await this.wait(delayMs, request.signal);
    const answer = this.next(request, call);
    if (answer instanceof Error) throw answer;
    const { text, usage } = typeof answer === 'string' ? { text: answer, usage: undefined } : answer;
    request.onText?.(text);
    return { text, usage: usage ?? this.options.usage, latencyMs: delayMs, model: this.modelId };
  }

  [inspect.custom](): string {
    const left = this.responder ? 'answers from a function' : `${this.answers.length} answers left`;
    return `ScriptedModel ${this.modelId} (${left}, ${this.requests.length} requests)`;
  }

  private next(request: ModelRequest, call: number): string | { text: string; usage?: ModelUsage } | Error {
    const answer = this.answers.length > 1 || !this.options.repeatLast ? this.answers.shift() : this.answers[0];
    if (answer === undefined && this.responder) return this.responder(request, call);
    if (answer === undefined) {
      const last = request.messages.at(-1)?.content ?? '';
      return new ModelError({
        code: 'scripted_model_empty',
        message: `ScriptedModel has no answer left for request ${call} (last message: ${JSON.stringify(cutText(last, { characters: 80 }, ''))})`,
        details: { request: call, retryable: false },
      });
    }
    return typeof answer === 'function' ? answer(request) : answer;
  }

  private wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(this.aborted());
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private aborted(): ModelError {
    return new ModelError({
      code: 'model_aborted',
      message: `the call to scripted model ${this.modelId} was cancelled`,
      details: { provider: this.provider, model: this.modelId, retryable: false },
    });
  }
}
