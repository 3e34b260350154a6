import { inspect } from 'node:util';
import type OpenAI from 'openai';
import type { APIError } from 'openai';
import type { ChatCompletionCreateParamsBase, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { CampfiresError, ModelError, cutText } from '../core';
import { imageDataUrl } from './image-data-url';
import type { LanguageModel, ModelRequest, ModelResponse, ModelToolCall, ModelUsage } from './language-model';
import { parseToolArguments } from './tool-arguments';
import { ModelCallPolicy, retryAfterMs, type ModelCallSettings } from './model-call-policy';
import {
  httpError,
  malformedResponseError,
  modelNotFoundError,
  networkReason,
  truncatedStreamError,
  unauthorizedError,
  unreachableError,
  type CallTarget,
} from './model-failures';
import { displayHost } from './model-host';
import { accumulateStream, streamText, type ModelStreamPart } from './model-stream';
import { redactError } from './redact-secrets';
import type { RequestDeadline } from './request-deadline';

/** How an endpoint is asked for JSON: a JSON schema, any JSON object, or not at all. */
export type StructuredOutputMode = 'json_schema' | 'json_object' | 'none';

/**
 * The `openai` client, loaded when the first model is built: it is about 150 modules, and a
 * notebook that never talks to an OpenAI-compatible endpoint should not wait for them.
 */
function openaiSdk(): typeof import('openai') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('openai') as typeof import('openai');
}

/** Settings of the OpenAI-compatible adapter. */
export interface OpenAICompatibleModelSettings extends ModelCallSettings {
  /** e.g. https://api.openai.com/v1, https://openrouter.ai/api/v1, http://localhost:1234/v1 */
  baseURL: string;
  model: string;
  /** Omit for local endpoints that need none. Never logged or stored. */
  apiKey?: string;
  /** Name shown to users (`openai`, `openrouter`...); default `openai`. */
  provider?: string;
  /** The environment variable the key comes from, named in the bad-key error. */
  keyVariable?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Default `json_schema`; falls back to `json_object` then `none` when the endpoint rejects it. */
  structuredOutput?: StructuredOutputMode;
  /** Stream every `generate` call (SSE) instead of one JSON answer. */
  stream?: boolean;
  fetch?: typeof fetch;
}

// Only the choice's text is required: the model name, finish reason and usage are
// telemetry, read when they are there and ignored when they are not what they should be.
const completionSchema = z.object({
  model: z.unknown().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullable().optional(),
          tool_calls: z.array(z.object({ id: z.unknown().optional(), function: z.object({ name: z.string(), arguments: z.unknown().optional() }) })).nullable().optional(),
        }),
        finish_reason: z.unknown().optional(),
      }),
    )
    .min(1),
  usage: z.unknown().optional(),
});
const errorObjectSchema = z.object({ error: z.object({ message: z.string().optional(), code: z.union([z.string(), z.number()]).nullable().optional() }) });

/** A `LanguageModel` behind any OpenAI-compatible chat-completions endpoint, via the `openai` client. */
export class OpenAICompatibleModel implements LanguageModel {
  readonly provider: string;
  readonly modelId: string;
  readonly baseURL: string;
  private readonly client: OpenAI;
  private readonly policy: ModelCallPolicy;
  private structuredOutput: StructuredOutputMode;
  readonly #apiKey: string | undefined;

  constructor(private readonly settings: OpenAICompatibleModelSettings) {
    this.provider = settings.provider ?? 'openai';
    this.modelId = settings.model;
    this.baseURL = settings.baseURL.replace(/\/$/, '');
    this.#apiKey = settings.apiKey;
    this.structuredOutput = settings.structuredOutput ?? 'json_schema';
    this.policy = new ModelCallPolicy(this.provider, settings);
    this.client = new (openaiSdk().OpenAI)({
      apiKey: settings.apiKey ?? 'no-key',
      baseURL: this.baseURL,
      maxRetries: 0,
      defaultHeaders: settings.headers,
      ...(settings.fetch ? { fetch: settings.fetch } : {}),
    });
  }

  private get target(): CallTarget {
    return { provider: this.provider, model: this.modelId, host: displayHost(this.baseURL) };
  }

  async generate(request: ModelRequest): Promise<ModelResponse> {
    // A request with tools is answered whole: a tool call is one object, not text to stream.
    if ((this.settings.stream || request.onText) && !request.tools?.length) return accumulateStream(this.streamParts(request), request, this.modelId);
    const started = performance.now();
    const raw = await this.withFallbackFormats(() =>
      this.policy.call<unknown>({
        timeoutMs: request.timeoutMs,
        retries: request.retries,
        signal: request.signal,
        attempt: (deadline) => this.client.chat.completions.create({ ...this.body(request), stream: false }, this.requestOptions(deadline)),
        mapError: (error, deadline) => this.mapError(error, deadline),
      }),
    );
    const parsed = completionSchema.safeParse(raw);
    if (!parsed.success) {
      const errorObject = errorObjectSchema.safeParse(raw);
      if (errorObject.success) throw this.secret(this.providerError(errorObject.data.error.message ?? 'unknown error'));
      throw malformedResponseError(this.target, typeof raw === 'string' ? 'the body is not JSON' : 'no choices[0].message in the answer');
    }
    const choice = parsed.data.choices[0]!;
    const toolCalls: ModelToolCall[] = (choice.message.tool_calls ?? []).map((call, index) => ({
      id: typeof call.id === 'string' && call.id !== '' ? call.id : `call_${index + 1}`,
      name: call.function.name,
      ...parseToolArguments(call.function.arguments),
    }));
    if (typeof choice.message.content !== 'string' && toolCalls.length === 0) {
      throw malformedResponseError(this.target, `no text content (finish_reason ${typeof choice.finish_reason === 'string' ? choice.finish_reason : 'missing'})`);
    }
    return {
      text: choice.message.content ?? '',
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      usage: usageOf(parsed.data.usage),
      latencyMs: Math.round(performance.now() - started),
      model: typeof parsed.data.model === 'string' && parsed.data.model !== '' ? parsed.data.model : this.modelId,
    };
  }

  stream(request: ModelRequest): AsyncIterable<string> {
    return streamText(this.streamParts(request));
  }

  [inspect.custom](): string {
    return `OpenAICompatibleModel ${this.provider} ${this.modelId} at ${displayHost(this.baseURL)}${this.#apiKey ? ' (key set)' : ''}`;
  }

  /** The requests per minute and per day this adapter allows itself, if limited. */
  get limits(): { perMinute?: number; perDay?: number } | undefined {
    return this.settings.rateLimit;
  }

  toJSON(): { provider: string; modelId: string; baseURL: string } {
    return { provider: this.provider, modelId: this.modelId, baseURL: displayHost(this.baseURL) };
  }

  private async *streamParts(request: ModelRequest): AsyncGenerator<ModelStreamPart> {
    const opened = await this.withFallbackFormats(() =>
      this.policy.open({
        timeoutMs: request.timeoutMs,
        retries: request.retries,
        signal: request.signal,
        attempt: (deadline) =>
          this.client.chat.completions.create({ ...this.body(request), stream: true, stream_options: { include_usage: true } }, this.requestOptions(deadline)),
        mapError: (error, deadline) => this.mapError(error, deadline),
      }),
    );
    let received = 0;
    let finished = false;
    try {
      for await (const chunk of opened.value) {
        const choice = chunk.choices?.[0];
        const text = choice?.delta?.content ?? '';
        received += text.length;
        if (choice?.finish_reason) finished = true;
        yield { text: typeof text === 'string' ? text : '', usage: usageOf(chunk.usage), model: typeof chunk.model === 'string' && chunk.model !== '' ? chunk.model : undefined };
      }
    } catch (error) {
      throw this.mapError(error, opened.deadline);
    } finally {
      opened.deadline.clear();
    }
    if (!finished) throw truncatedStreamError(this.target, received);
  }

  private body(request: ModelRequest): ChatCompletionCreateParamsBase {
    const messages: ChatCompletionMessageParam[] = request.messages.map((message) => {
      if (message.role === 'user' && message.images && message.images.length > 0) {
        return {
          role: 'user',
          content: [{ type: 'text', text: message.content }, ...message.images.map((image) => ({ type: 'image_url' as const, image_url: { url: imageDataUrl(image) } }))],
        };
      }
      if (message.role === 'tool') return { role: 'tool', tool_call_id: message.toolCallId ?? '', content: message.content };
      if (message.role === 'assistant' && message.toolCalls && message.toolCalls.length > 0) {
        return {
          role: 'assistant',
          content: message.content === '' ? null : message.content,
          tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: 'function' as const, function: { name: call.name, arguments: JSON.stringify(call.arguments) } })),
        };
      }
      return { role: message.role, content: message.content } as ChatCompletionMessageParam;
    });
    const body: ChatCompletionCreateParamsBase = { model: this.modelId, messages };
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.seed !== undefined) body.seed = request.seed;
    if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
    if (request.tools && request.tools.length > 0) {
      body.tools = request.tools.map((tool) => ({ type: 'function', function: { name: tool.name, ...(tool.description ? { description: tool.description } : {}), parameters: tool.parameters } }));
    }
    if (request.jsonSchema && this.structuredOutput === 'json_schema') {
      const { $schema: _ignored, ...schema } = request.jsonSchema;
      body.response_format = { type: 'json_schema', json_schema: { name: 'answer', schema, strict: false } };
    } else if (request.jsonSchema && this.structuredOutput === 'json_object') {
      body.response_format = { type: 'json_object' };
    }
    return body;
  }

  private requestOptions(deadline: RequestDeadline): { signal: AbortSignal; timeout: number; maxRetries: number } {
    // Our deadline covers the whole answer; the client's own timer only backs it up.
    return { signal: deadline.signal, timeout: deadline.timeoutMs + 5000, maxRetries: 0 };
  }

  /** Endpoints that reject `response_format` get asked again with a plainer one, once each. */
  private async withFallbackFormats<T>(call: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await call();
      } catch (error) {
        const rejected = error instanceof ModelError && error.details.status === 400 && /response_format|json_schema|structured/i.test(error.message);
        if (!rejected || this.structuredOutput === 'none') throw error;
        this.structuredOutput = this.structuredOutput === 'json_schema' ? 'json_object' : 'none';
      }
    }
  }

  private mapError(error: unknown, deadline: RequestDeadline): CampfiresError {
    return this.secret(this.describe(error, deadline));
  }

  private describe(error: unknown, deadline: RequestDeadline): CampfiresError {
    if (error instanceof CampfiresError) return error;
    if (deadline.timedOut || (error as Error | undefined)?.name === 'APIConnectionTimeoutError') {
      return deadline.timeoutError(this.provider, this.modelId, this.target.host);
    }
    if (error instanceof openaiSdk().APIError && typeof error.status === 'number') {
      const detail = errorText(error);
      if (error.status === 401 || error.status === 403) return unauthorizedError(this.target, error.status, this.settings.keyVariable);
      const unknownModel = /model/i.test(detail) && /not (a )?valid|not found|does not exist|no endpoints/i.test(detail);
      if ((error.status === 404 && /model/i.test(detail)) || (error.status === 400 && unknownModel)) return modelNotFoundError(this.target);
      const now = this.policy.clock.now();
      return httpError(this.target, error.status, detail, { now, retryAfterMs: retryAfterMs(error.headers?.get('retry-after'), now) });
    }
    // The client's abort error keeps the plain name `Error`, so it is known by its class.
    if (error instanceof openaiSdk().APIUserAbortError) {
      return new ModelError({ code: 'model_aborted', message: `the call to ${this.provider} model ${this.modelId} was cancelled`, details: { ...this.target, retryable: false } });
    }
    const reason = networkReason(error);
    if (reason) return unreachableError(this.target, reason);
    if ((error as Error | undefined)?.name === 'SyntaxError') return malformedResponseError(this.target, 'the body is not JSON');
    if (error instanceof openaiSdk().APIError) return this.providerError(errorText(error));
    return this.providerError(String((error as Error | undefined)?.message ?? error));
  }

  private providerError(message: string): ModelError {
    return new ModelError({
      code: 'model_provider_error',
      message: `${this.provider} model ${this.modelId} at ${this.target.host} answered with an error: ${cutText(message, { characters: 300 }, '')}`,
      details: { ...this.target, providerMessage: cutText(message, { characters: 300 }, ''), retryable: true },
    });
  }

  private secret<E extends CampfiresError>(error: E): E {
    return this.#apiKey ? redactError(error, [this.#apiKey]) : error;
  }
}

function errorText(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (body && typeof body.message === 'string') return body.message;
  return error.message.replace(/^\d{3}\s+/, '');
}

/** A token count as reported, when it is one (a count, not null, a string or NaN). */
function countOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function usageOf(usage: unknown): ModelUsage | undefined {
  if (usage === null || typeof usage !== 'object') return undefined;
  const { prompt_tokens, completion_tokens } = usage as { prompt_tokens?: unknown; completion_tokens?: unknown };
  const inputTokens = countOf(prompt_tokens);
  const outputTokens = countOf(completion_tokens);
  if (inputTokens === undefined && outputTokens === undefined) return undefined;
  return { inputTokens, outputTokens };
}

/**
 * A model behind any OpenAI-compatible endpoint (OpenAI, OpenRouter, LM Studio, vLLM...).
 * @example const model = createOpenAICompatibleModel({ baseURL: 'http://localhost:1234/v1', model: 'qwen2.5-7b-instruct' });
 */
export function createOpenAICompatibleModel(settings: OpenAICompatibleModelSettings): OpenAICompatibleModel {
  return new OpenAICompatibleModel(settings);
}
