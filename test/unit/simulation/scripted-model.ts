import type { LanguageModel, ModelRequest, ModelResponse } from 'campfires';

/** A hand-written model that answers from a script and records every request. */
export class ScriptedModel implements LanguageModel {
  readonly provider = 'scripted';
  readonly requests: ModelRequest[] = [];

  /** `answer` gets the agent's name (from the prompt) and the call number; returns text or throws. */
  constructor(
    private readonly answer: (agent: string, call: number, request: ModelRequest) => string | Error,
    readonly modelId = 'script',
    private readonly delayMs = 0,
  ) {}

  async generate(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    const user = request.messages.find((message) => message.role === 'user')?.content ?? '';
    const agent = /^You are ([^.]+)\./.exec(user)?.[1] ?? '?';
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const result = this.answer(agent, this.requests.length, request);
    if (result instanceof Error) throw result;
    return { text: result, latencyMs: this.delayMs, model: this.modelId };
  }
}

/** A persona with the given biases. */
export function persona(name: string, biases: string[] = ['neutral observer']) {
  return { name, description: `${name} of the council.`, goals: [`${name}'s goal`], behavior_biases: biases };
}
