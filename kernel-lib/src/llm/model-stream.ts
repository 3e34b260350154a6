import type { ModelRequest, ModelResponse, ModelUsage } from './language-model';

/** One piece of a streamed answer as an adapter reads it off the wire. */
export interface ModelStreamPart {
  /** Text of this piece; may be empty (a usage-only or final piece). */
  text: string;
  /** Token counts, on the piece that carries them (usually the last). */
  usage?: ModelUsage;
  /** The model that answered, where the piece names it. */
  model?: string;
}

/** The text of a streamed answer, piece by piece, leaving out empty pieces. */
export async function* streamText(parts: AsyncIterable<ModelStreamPart>): AsyncIterable<string> {
  for await (const part of parts) if (part.text) yield part.text;
}

/**
 * Reads a streamed answer to its end: passes each piece of text to `request.onText` as it
 * arrives and returns the whole answer, the last usage and model reported, and how long it took.
 * `modelId` is the model asked for, kept when no piece names another.
 */
export async function accumulateStream(parts: AsyncIterable<ModelStreamPart>, request: Pick<ModelRequest, 'onText'>, modelId: string): Promise<ModelResponse> {
  const started = performance.now();
  let text = '';
  let usage: ModelUsage | undefined;
  let model = modelId;
  for await (const part of parts) {
    if (part.text) {
      text += part.text;
      request.onText?.(part.text);
    }
    if (part.usage) usage = part.usage;
    if (part.model) model = part.model;
  }
  return { text, usage, latencyMs: Math.round(performance.now() - started), model };
}
