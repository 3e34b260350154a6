import { inspect } from 'node:util';
import { Ollama, type ChatRequest, type ChatResponse, type Message } from 'ollama';
import { z } from 'zod';
import { CampfiresError, ModelError, cutText } from '../core';
import type { LanguageModel, ModelRequest, ModelResponse, ModelToolCall, ModelUsage } from './language-model';
import { parseToolArguments } from './tool-arguments';
import { ModelCallPolicy, retryAfterMs, type ModelCallSettings } from './model-call-policy';
import {
  httpError,
  malformedResponseError,
  modelNotFoundError,
  networkReason,
  truncatedStreamError,
  unreachableError,
  type CallTarget,
} from './model-failures';
import { displayHost, resolveOllamaHost } from './model-host';
import { accumulateStream, streamText, type ModelStreamPart } from './model-stream';
import { guardNdjson, type NdjsonGuardReport } from './ndjson-guard';
import type { RequestDeadline } from './request-deadline';

/** The model Ollama is asked for when none is named. */
export const DEFAULT_OLLAMA_MODEL = 'llama3.1:8b';
/** A small vision model for Ollama, for campers that look at Party Box images. */
export const DEFAULT_OLLAMA_VISION_MODEL = 'llama3.2-vision';

/** Settings of the Ollama adapter. */
export interface OllamaModelSettings extends ModelCallSettings {
  /** Default: `OLLAMA_HOST`, else http://127.0.0.1:11434. */
  host?: string;
  /** Default: `llama3.1:8b`. */
  model?: string;
  /** Stream every `generate` call (NDJSON) instead of one JSON answer. */
  stream?: boolean;
  /** How long Ollama keeps the model loaded after a call (`5m`, `-1`...). */
  keepAlive?: string | number;
  /** Extra Ollama options (`num_ctx`, `seed`...). */
  options?: ChatRequest['options'];
  /** The fetch the client uses (default: global fetch). */
  fetch?: typeof fetch;
}

// Only the answer's text is required: the model name and the stats (token counts,
// durations) are telemetry, read when they are there and ignored when they are not numbers.
const chatResponseSchema = z.object({
  model: z.unknown().optional(),
  message: z.object({
    content: z.string().optional(),
    tool_calls: z.array(z.object({ id: z.unknown().optional(), function: z.object({ name: z.string(), arguments: z.unknown().optional() }) })).optional(),
  }).refine((message) => message.content !== undefined || message.tool_calls !== undefined),
  prompt_eval_count: z.unknown().optional(),
  eval_count: z.unknown().optional(),
});
const tagsSchema = z.object({ models: z.array(z.object({ name: z.string() })) });

/** A `LanguageModel` served by Ollama through the `ollama` npm client (`/api/chat`). */
export class OllamaModel implements LanguageModel {
  readonly provider = 'ollama';
  readonly modelId: string;
  readonly host: string;
  private readonly policy: ModelCallPolicy;
  private readonly lastRetryAfter = new WeakMap<RequestDeadline, string | null>();

  constructor(private readonly settings: OllamaModelSettings = {}) {
    this.host = resolveOllamaHost(settings.host);
    this.modelId = settings.model ?? DEFAULT_OLLAMA_MODEL;
    this.policy = new ModelCallPolicy('ollama', settings);
  }

  private get target(): CallTarget {
    return { provider: 'ollama', model: this.modelId, host: displayHost(this.host) };
  }

  async generate(request: ModelRequest): Promise<ModelResponse> {
    // A request with tools is answered whole: a tool call is one object, not text to stream.
    if ((this.settings.stream || request.onText) && !request.tools?.length) return accumulateStream(this.streamParts(request), request, this.modelId);
    const started = performance.now();
    const raw = await this.policy.call<unknown>({
      timeoutMs: request.timeoutMs,
      retries: request.retries,
      signal: request.signal,
      attempt: async (deadline) => {
        try {
          return await this.client(deadline).chat({ ...this.chatRequest(request), stream: false });
        } catch (error) {
          throw await this.mapError(error, deadline);
        }
      },
      mapError: (error, deadline) => this.mapErrorSync(error, deadline),
    });
    const parsed = chatResponseSchema.safeParse(raw);
    if (!parsed.success) {
      const providerError = (raw as { error?: unknown } | null)?.error;
      if (typeof providerError === 'string') throw this.providerError(providerError);
      throw malformedResponseError(this.target, 'no message.content in the answer');
    }
    const toolCalls: ModelToolCall[] | undefined = parsed.data.message.tool_calls?.map((call, index) => ({
      id: typeof call.id === 'string' && call.id !== '' ? call.id : `call_${index + 1}`,
      name: call.function.name,
      ...parseToolArguments(call.function.arguments),
    }));
    return {
      text: parsed.data.message.content ?? '',
      ...(toolCalls && toolCalls.length > 0 ? { toolCalls } : {}),
      usage: usageOf(parsed.data),
      latencyMs: Math.round(performance.now() - started),
      model: typeof parsed.data.model === 'string' && parsed.data.model !== '' ? parsed.data.model : this.modelId,
    };
  }

  stream(request: ModelRequest): AsyncIterable<string> {
    return streamText(this.streamParts(request));
  }

  /** The model names Ollama has pulled (`/api/tags`). */
  async listModels(timeoutMs = 5000): Promise<string[]> {
    const raw = await this.policy.call<unknown>({
      timeoutMs,
      attempt: async (deadline) => {
        try {
          return await this.client(deadline).list();
        } catch (error) {
          throw this.mapErrorSync(error, deadline);
        }
      },
      mapError: (error, deadline) => this.mapErrorSync(error, deadline),
    });
    const parsed = tagsSchema.safeParse(raw);
    if (!parsed.success) throw malformedResponseError({ ...this.target }, '/api/tags has no models list');
    return parsed.data.models.map((model) => model.name);
  }

  [inspect.custom](): string {
    return `OllamaModel ${this.modelId} at ${displayHost(this.host)}`;
  }

  private async *streamParts(request: ModelRequest): AsyncGenerator<ModelStreamPart> {
    const report: NdjsonGuardReport = { malformedLines: 0, endedMidLine: false };
    const opened = await this.policy.open({
      timeoutMs: request.timeoutMs,
      retries: request.retries,
      signal: request.signal,
      attempt: async (deadline) => {
        try {
          return await this.client(deadline, report).chat({ ...this.chatRequest(request), stream: true });
        } catch (error) {
          throw await this.mapError(error, deadline);
        }
      },
      mapError: (error, deadline) => this.mapErrorSync(error, deadline),
    });
    let received = 0;
    try {
      for await (const part of opened.value as AsyncIterable<ChatResponse>) {
        const text = typeof part.message?.content === 'string' ? part.message.content : '';
        received += text.length;
        yield { text, usage: part.done ? usageOf(part) : undefined, model: typeof part.model === 'string' && part.model !== '' ? part.model : undefined };
      }
    } catch (error) {
      if (opened.deadline.timedOut) throw opened.deadline.timeoutError('ollama', this.modelId, this.target.host);
      const message = (error as Error).message ?? '';
      if (/did not receive done/i.test(message)) {
        if (report.malformedLines > 0) throw malformedResponseError(this.target, `${report.malformedLines} stream lines were not JSON`);
        throw truncatedStreamError(this.target, received);
      }
      if (error instanceof CampfiresError) throw error;
      if (!(error instanceof Error) || error.name === 'AbortError' || networkReason(error)) throw this.mapErrorSync(error, opened.deadline);
      if (received === 0 && /missing body/i.test(message)) throw malformedResponseError(this.target, 'an empty body');
      throw this.providerError(message);
    } finally {
      opened.deadline.clear();
    }
  }

  private client(deadline: RequestDeadline, report?: NdjsonGuardReport): Ollama {
    const base = this.settings.fetch ?? fetch;
    // The client drops response headers from its errors; keep Retry-After for the backoff.
    const recording: typeof fetch = async (input, init) => {
      const response = await base(input, init);
      this.lastRetryAfter.set(deadline, response.headers.get('retry-after'));
      return jsonErrorBody(response);
    };
    const guarded = report ? guardNdjson(recording, report) : recording;
    return new Ollama({ host: this.host, fetch: deadline.bindFetch(guarded) });
  }

  private chatRequest(request: ModelRequest): ChatRequest {
    const messages: Message[] = request.messages.map((message) => ({
      role: message.role,
      content: message.content,
      ...(message.images && message.images.length > 0 ? { images: message.images.map((image) => Uint8Array.from(image)) } : {}),
      ...(message.toolCalls && message.toolCalls.length > 0 ? { tool_calls: message.toolCalls.map((call) => ({ function: { name: call.name, arguments: call.arguments } })) } : {}),
      ...(message.role === 'tool' && message.toolName ? { tool_name: message.toolName } : {}),
    }));
    const options: ChatRequest['options'] = { ...this.settings.options };
    if (request.temperature !== undefined) options.temperature = request.temperature;
    if (request.seed !== undefined) options.seed = request.seed;
    if (request.maxTokens !== undefined) options.num_predict = request.maxTokens;
    return {
      model: this.modelId,
      messages,
      ...(request.jsonSchema ? { format: request.jsonSchema } : {}),
      ...(request.tools && request.tools.length > 0
        ? { tools: request.tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description ?? '', parameters: tool.parameters as never } })) }
        : {}),
      ...(Object.keys(options).length > 0 ? { options } : {}),
      ...(this.settings.keepAlive !== undefined ? { keep_alive: this.settings.keepAlive } : {}),
    };
  }

  private async mapError(error: unknown, deadline: RequestDeadline): Promise<CampfiresError> {
    const status = (error as { status_code?: unknown }).status_code;
    if (status === 404 && /not found/i.test((error as Error).message ?? '')) {
      const available = await this.listModels(3000).catch(() => undefined);
      return modelNotFoundError(this.target, available);
    }
    return this.mapErrorSync(error, deadline);
  }

  private mapErrorSync(error: unknown, deadline: RequestDeadline): CampfiresError {
    if (error instanceof CampfiresError) return error;
    if (deadline.timedOut) return deadline.timeoutError('ollama', this.modelId, this.target.host);
    const status = (error as { status_code?: unknown }).status_code;
    const message = String((error as Error | undefined)?.message ?? error);
    if (typeof status === 'number') {
      if (status === 404) return modelNotFoundError(this.target);
      return httpError(this.target, status, cutText(message, { characters: 200 }, ''), {
        now: this.policy.clock.now(),
        retryAfterMs: retryAfterMs(this.lastRetryAfter.get(deadline), this.policy.clock.now()),
      });
    }
    const reason = networkReason(error);
    if (reason) return unreachableError(this.target, reason);
    if ((error as Error | undefined)?.name === 'AbortError') {
      return new ModelError({ code: 'model_aborted', message: `the call to ollama model ${this.modelId} was cancelled`, details: { ...this.target, retryable: false } });
    }
    if ((error as Error | undefined)?.name === 'SyntaxError') return malformedResponseError(this.target, 'the body is not JSON');
    return this.providerError(message);
  }

  private providerError(message: string): ModelError {
    return new ModelError({
      code: 'model_provider_error',
      message: `ollama model ${this.modelId} at ${this.target.host} answered with an error: ${cutText(message, { characters: 300 }, '')}`,
      // The runner crashed or the server had a passing failure: asking again may well work.
      details: { ...this.target, providerMessage: cutText(message, { characters: 300 }, ''), retryable: true },
    });
  }
}

/** A token count as reported, when it is one (a count, not null, a string or NaN). */
function countOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * An error answer as the ollama client reads it without printing: the client logs on stdout
 * ("Getting text from response", "Failed to parse error response as JSON") before reading
 * a body that is not JSON, so such a body is handed over as Ollama's own `{"error": text}`.
 */
async function jsonErrorBody(response: Response): Promise<Response> {
  if (response.ok) return response;
  const text = await response.text().catch(() => '');
  let body = text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object') throw new SyntaxError('not an object');
  } catch {
    body = JSON.stringify({ error: cutText(text.trim(), { characters: 300 }, '') || `${response.status} ${response.statusText}`.trim() });
  }
  const headers = new Headers(response.headers);
  headers.set('content-type', 'application/json');
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

function usageOf(response: { prompt_eval_count?: unknown; eval_count?: unknown }): ModelUsage | undefined {
  const inputTokens = countOf(response.prompt_eval_count);
  const outputTokens = countOf(response.eval_count);
  if (inputTokens === undefined && outputTokens === undefined) return undefined;
  return { inputTokens, outputTokens };
}

/**
 * An Ollama model: host from `OLLAMA_HOST`, default `llama3.1:8b`, JSON schema as `format`.
 * @example const model = createOllamaModel({ model: 'llama3.1:8b', timeoutMs: 60_000 });
 */
export function createOllamaModel(settings: OllamaModelSettings = {}): OllamaModel {
  return new OllamaModel(settings);
}
