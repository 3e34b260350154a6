import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';
import { ModelError, NotFoundError, ValidationError, parseJson, validate, cutText } from '../core';
import type { LanguageModel, ModelMessage, ModelRequest, ModelResponse } from './language-model';
import { redactDeep } from './redact-secrets';

/** `replay`: answer only from the cassette; `record`: call the model and write a fresh cassette; `auto`: replay, recording misses. */
export type CassetteMode = 'replay' | 'record' | 'auto';

/** Options of a `CassetteModel`. */
export interface CassetteModelOptions {
  /** The JSONL cassette file. */
  path: string;
  /** The real model to record from (required for `record` and `auto`). */
  model?: LanguageModel;
  /** Default: `auto` with a model, `replay` without. */
  mode?: CassetteMode;
  /** The model id replayed requests are keyed by (default: the model's, else the cassette's first entry's). */
  modelId?: string;
}

const usageSchema = z.object({ inputTokens: z.number().optional(), outputTokens: z.number().optional() });
const entrySchema = z.object({
  version: z.literal(1),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  model: z.string(),
  provider: z.string(),
  request: z.object({
    messages: z.array(z.object({ role: z.string(), content: z.string(), images: z.array(z.string()).optional() })),
    jsonSchema: z.record(z.string(), z.unknown()).nullable(),
    options: z.object({ temperature: z.number().nullable(), maxTokens: z.number().nullable() }),
  }),
  response: z.object({ text: z.string(), usage: usageSchema.nullable(), model: z.string(), latencyMs: z.number() }),
  recordedAt: z.string(),
});
/** One recorded request and its answer, one JSON line of a cassette. */
export type CassetteEntry = z.infer<typeof entrySchema>;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

function messagesForKey(messages: readonly ModelMessage[]): CassetteEntry['request']['messages'] {
  return messages.map((message) => ({
    role: message.role,
    content: message.content,
    ...(message.images && message.images.length > 0 ? { images: message.images.map((image) => createHash('sha256').update(image).digest('hex')) } : {}),
  }));
}

/** The part of a request that identifies it: model, messages (images by hash), schema and options. */
function requestForKey(modelId: string, request: ModelRequest): { model: string; request: CassetteEntry['request'] } {
  return {
    model: modelId,
    request: {
      messages: messagesForKey(request.messages),
      jsonSchema: request.jsonSchema ?? null,
      options: { temperature: request.temperature ?? null, maxTokens: request.maxTokens ?? null },
    },
  };
}

/** The cassette key of a request: SHA-256 of the canonical JSON of model, messages, schema and options. */
export function cassetteKey(modelId: string, request: ModelRequest): string {
  return createHash('sha256').update(JSON.stringify(canonical(requestForKey(modelId, request)))).digest('hex');
}

/**
 * Record and replay: records each request and answer of a real model to a JSONL cassette
 * and replays them with no network. A replay miss is a `NotFoundError` naming the request,
 * never a silent call. Keys are never stored (nothing from the adapter's headers is written).
 * @example const model = new CassetteModel({ path: 'fixtures/llm/live-alert.jsonl', model: createOllamaModel() }); // records misses
 * @example const replay = new CassetteModel({ path: 'fixtures/llm/live-alert.jsonl' }); // replays only
 */
export class CassetteModel implements LanguageModel {
  readonly provider = 'cassette';
  readonly modelId: string;
  readonly path: string;
  readonly mode: CassetteMode;
  private readonly inner: LanguageModel | undefined;
  private readonly entries = new Map<string, CassetteEntry[]>();
  private readonly served = new Map<string, number>();
  private started = false;

  constructor(options: CassetteModelOptions) {
    this.path = options.path;
    this.inner = options.model;
    this.mode = options.mode ?? (options.model ? 'auto' : 'replay');
    if (this.mode !== 'replay' && !this.inner) {
      throw new ValidationError({
        code: 'cassette_needs_model',
        message: `CassetteModel mode "${this.mode}" needs the real model to record from: pass { model: createOllamaModel() } or use mode "replay"`,
        issues: [{ field: 'model', message: 'required to record', given: undefined, allowed: 'a LanguageModel' }],
      });
    }
    const loaded = this.mode === 'record' ? [] : this.load();
    for (const entry of loaded) this.entries.set(entry.key, [...(this.entries.get(entry.key) ?? []), entry]);
    const modelId = options.modelId ?? this.inner?.modelId ?? loaded[0]?.model;
    if (!modelId) {
      throw new NotFoundError({
        code: 'cassette_missing',
        message: `cassette ${this.path} ${existsSync(this.path) ? 'is empty' : 'does not exist'}; record one first: new CassetteModel({ path: '${this.path}', model: createOllamaModel() })`,
        details: { path: this.path },
      });
    }
    this.modelId = modelId;
  }

  /** How many answers the cassette holds. */
  get size(): number {
    let total = 0;
    for (const list of this.entries.values()) total += list.length;
    return total;
  }

  async generate(request: ModelRequest): Promise<ModelResponse> {
    if (request.signal?.aborted) {
      throw new ModelError({ code: 'model_aborted', message: `the call to cassette model ${this.modelId} was cancelled`, details: { provider: this.provider, model: this.modelId, retryable: false } });
    }
    const key = cassetteKey(this.modelId, request);
    const recorded = this.mode === 'record' ? undefined : this.next(key);
    if (recorded) {
      request.onText?.(recorded.response.text);
      return { text: recorded.response.text, usage: recorded.response.usage ?? undefined, latencyMs: 0, model: recorded.response.model };
    }
    if (this.mode === 'replay' || !this.inner) throw this.miss(key, request);
    const response = await this.inner.generate(request);
    this.write({
      version: 1,
      key,
      provider: this.inner.provider,
      ...requestForKey(this.modelId, request),
      response: { text: response.text, usage: response.usage ?? null, model: response.model, latencyMs: response.latencyMs },
      recordedAt: new Date().toISOString(),
    });
    return response;
  }

  [inspect.custom](): string {
    return `CassetteModel ${this.mode} ${this.modelId} (${this.size} answers in ${this.path})`;
  }

  private next(key: string): CassetteEntry | undefined {
    const list = this.entries.get(key);
    if (!list || list.length === 0) return undefined;
    const index = this.served.get(key) ?? 0;
    this.served.set(key, index + 1);
    return list[Math.min(index, list.length - 1)]; // identical requests replay in recorded order, then the last again
  }

  private miss(key: string, request: ModelRequest): NotFoundError {
    const last = request.messages.at(-1)?.content ?? '';
    return new NotFoundError({
      code: 'cassette_miss',
      message:
        `cassette ${this.path} has no answer for this request to ${this.modelId} (key ${key.slice(0, 12)}, ${request.messages.length} messages, ` +
        `last: ${JSON.stringify(cutText(last, { characters: 80 }, '...'))}); it holds ${this.size} answers. ` +
        `The prompt, schema or options changed since recording: record again with new CassetteModel({ path, model: <a real model> }).`,
      details: { path: this.path, key, model: this.modelId, messages: request.messages.length },
    });
  }

  private write(entry: CassetteEntry): void {
    const safe = redactDeep(entry);
    mkdirSync(dirname(this.path), { recursive: true });
    if (!this.started && this.mode === 'record') writeFileSync(this.path, '');
    this.started = true;
    appendFileSync(this.path, `${JSON.stringify(safe)}\n`);
    this.entries.set(entry.key, [...(this.entries.get(entry.key) ?? []), safe]);
    this.served.set(entry.key, (this.served.get(entry.key) ?? 0) + 1);
  }

  private load(): CassetteEntry[] {
    if (!existsSync(this.path)) return [];
    return readFileSync(this.path, 'utf8')
      .split('\n')
      .map((line, index) => ({ line, number: index + 1 }))
      .filter(({ line }) => line.trim() !== '')
      .map(({ line, number }) => validate(entrySchema, parseJson(line, `cassette ${this.path} line ${number}`), { what: `cassette ${this.path} line ${number}`, code: 'cassette_invalid' }));
  }
}
