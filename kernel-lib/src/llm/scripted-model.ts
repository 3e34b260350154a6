import { inspect } from 'node:util';
import { ModelError } from '../core';
import type { LanguageModel, ModelRequest, ModelResponse, ModelUsage } from './language-model';

/** One scripted answer: text, an error to throw, or a function of the request. */
export type ScriptedAnswer = string | Error | ((request: ModelRequest) => string);

/**
 * A `LanguageModel` that answers from a script and records every request: for tests and
 * for teaching notebooks that must run without a model. It says `scripted` wherever it is shown.
 * @example const model = new ScriptedModel(['```json\n{"claim":"ok"}\n```']);
 */
export class ScriptedModel implements LanguageModel {
  readonly provider = 'scripted';
  readonly modelId: string;
  readonly requests: ModelRequest[] = [];
  private readonly answers: ScriptedAnswer[];

  constructor(answers: ScriptedAnswer[] = [], private readonly options: { modelId?: string; usage?: ModelUsage; repeatLast?: boolean } = {}) {
    this.answers = [...answers];
    this.modelId = options.modelId ?? 'scripted';
  }

  /** Queues more answers. */
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
    const answer = this.answers.length > 1 || !this.options.repeatLast ? this.answers.shift() : this.answers[0];
    if (answer === undefined) {
      const last = request.messages.at(-1)?.content ?? '';
      throw new ModelError({
        code: 'scripted_model_empty',
        message: `ScriptedModel has no answer left for request ${this.requests.length} (last message: ${JSON.stringify(last.slice(0, 80))})`,
        details: { request: this.requests.length, retryable: false },
      });
    }
    if (answer instanceof Error) throw answer;
    const text = typeof answer === 'function' ? answer(request) : answer;
    request.onText?.(text);
    return { text, usage: this.options.usage, latencyMs: 0, model: this.modelId };
  }

  [inspect.custom](): string {
    return `ScriptedModel ${this.modelId} (${this.answers.length} answers left, ${this.requests.length} requests)`;
  }
}
