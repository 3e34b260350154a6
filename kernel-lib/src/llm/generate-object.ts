import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CampfiresError, ModelError, formatIssues, issuesFromZod, systemClock, type Clock, cutText } from '../core';
import type { JsonValue } from '../messages';
import type { RunEventInit } from '../runlog';
import { extractJsonCandidates } from './extract-json';
import type { LanguageModel, ModelMessage, ModelResponse, ModelUsage } from './language-model';
import { redactSecrets } from './redact-secrets';
import { DEFAULT_MODEL_TIMEOUT_MS } from './request-deadline';

/** One call to the model inside `generateObject`. */
export interface ModelAttempt {
  attempt: number;
  ok: boolean;
  /** What the model wrote (null when the call itself failed). */
  raw: string | null;
  /** Why the attempt was not usable, in words sent back to the model. */
  error: string | null;
  latencyMs: number;
  usage: ModelUsage | null;
  model: string;
  /** The error the call failed with, as the model threw it (failed calls only). */
  cause?: unknown;
}

/** Options of `generateObject`. */
export interface GenerateObjectOptions<S extends z.ZodType> {
  model: LanguageModel;
  schema: S;
  messages: ModelMessage[];
  /**
   * Requests in all (default 3): the call's one budget. A bad answer, a failed request
   * (5xx, 429, a dropped or cut connection, a timeout) and a provider's passing error each
   * use one; after a bad answer the model is told what was wrong. The adapter does not
   * retry on its own inside an attempt.
   */
  retries?: number;
  /** The wait after a 5xx or a 429 without `Retry-After`, doubled after each (default 1000 ms). */
  retryDelayMs?: number;
  /**
   * The most the call waits between its attempts, in all (default 60 s). A `Retry-After`
   * beyond what is left is not waited for: the call ends with that failure.
   */
  maxWaitMs?: number;
  /** Returned (flagged `fallback: true`) when every attempt failed; without it the last failure throws. */
  fallback?: z.output<S>;
  /** Fixes known quirks before validation, e.g. `acceptActionKeyVariants()`. */
  normalize?: (raw: unknown) => unknown;
  /**
   * Accepts the common well-formed answer without the schema: returns exactly what `schema`
   * would, or undefined to let `schema` decide and explain what is wrong.
   */
  quickParse?: (candidate: unknown) => z.output<S> | undefined;
  /**
   * Reads the common exact answer text straight to its value: returns exactly what
   * extraction, `normalize` and `schema` would make of `text`, or undefined to let them read it.
   */
  quickRead?: (text: string) => z.output<S> | undefined;
  /** What is asking (`Sentiment/llm`, `agent:Mayor`), named in the records and in errors. */
  label?: string;
  /** The campfire and camper the records name (the camper defaults to `label`). */
  campfire?: string;
  camper?: string;
  /** The clock the records are stamped with (default: the system clock). */
  clock?: Clock;
  temperature?: number;
  /** Sent with every request, for models that take a seed. */
  seed?: number;
  maxTokens?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Also state the JSON schema in a system message (default true; small models need it). */
  schemaInPrompt?: boolean;
  /**
   * Streams each request and calls this with every piece of text as it arrives and the
   * attempt it belongs to (1, 2, ...): a new attempt starts its text afresh. Models that do
   * not stream call it once with the whole answer, or not at all.
   */
  onText?: (chunk: string, attempt: number) => void;
}

/**
 * What `generateObject` returns: the typed value, whether it is the fallback, every attempt,
 * and the run-log records of the call for its caller to write (`recordModelCall`, or an
 * engine's `RunRecorder`): one `model-attempt` per attempt with the prompt it was sent, and
 * a `model-fallback` when the fallback was returned.
 */
export interface GenerateObjectResult<T> {
  value: T;
  fallback: boolean;
  attempts: ModelAttempt[];
  records: RunEventInit[];
}

/** What one `generateObject` call may spend: requests, time per request, waits, and so at most how long. */
export interface ModelCallBudget {
  /** Requests in all, retries included. */
  attempts: number;
  /** Time one request may take (the adapter's default, 30 s, when the call names none). */
  timeoutMs: number;
  /** The first wait after a 5xx or 429 without `Retry-After`; doubled after each. */
  retryDelayMs: number;
  /** The most the call waits between its attempts, in all. */
  maxWaitMs: number;
  /** The longest the call can take: every attempt timing out, plus every wait. */
  worstCaseMs: number;
}

/** Default first wait after a 5xx or a 429 without `Retry-After`. */
export const DEFAULT_RETRY_DELAY_MS = 1000;
/** Default most one call waits between its attempts, in all. */
export const DEFAULT_MAX_WAIT_MS = 60_000;

/**
 * The budget of a `generateObject` call with these options: 3 requests of up to 30 s with
 * at most 60 s of waiting between them by default, so no call takes longer than 150 s.
 * @example modelCallBudget({ timeoutMs: 5000 }) // { attempts: 3, timeoutMs: 5000, ..., worstCaseMs: 75000 }
 */
export function modelCallBudget(options: { retries?: number; timeoutMs?: number; retryDelayMs?: number; maxWaitMs?: number } = {}): ModelCallBudget {
  const attempts = Math.max(1, options.retries ?? 3);
  const timeoutMs = options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS;
  const retryDelayMs = Math.max(0, options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS);
  const maxWaitMs = Math.max(0, options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS);
  return { attempts, timeoutMs, retryDelayMs, maxWaitMs, worstCaseMs: attempts * timeoutMs + maxWaitMs };
}

/**
 * What `tryGenerateObject` gives: the result, or the failure `generateObject` would throw
 * with the attempts and records of the call, so a caller can record a failed call too.
 */
export type GenerateObjectOutcome<T> =
  | { success: true; data: GenerateObjectResult<T> }
  | { success: false; error: CampfiresError; attempts: ModelAttempt[]; records: RunEventInit[] };

/** The JSON schema of a zod schema as sent to models (`format` / `response_format`). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  // A schema is converted once, however often it is asked for.
  let text = jsonSchemaTexts.get(schema);
  if (text === undefined) {
    text = JSON.stringify(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
    jsonSchemaTexts.set(schema, text);
  }
  return JSON.parse(text) as Record<string, unknown>;
}

const jsonSchemaTexts = new WeakMap<z.ZodType, string>();

/** One deeply frozen JSON schema per zod schema, shared by every call (models only read it). */
function sharedJsonSchema(schema: z.ZodType): Record<string, unknown> {
  let shared = sharedJsonSchemas.get(schema);
  if (shared === undefined) {
    shared = deepFreeze(jsonSchemaOf(schema));
    sharedJsonSchemas.set(schema, shared);
  }
  return shared;
}

const sharedJsonSchemas = new WeakMap<z.ZodType, Record<string, unknown>>();

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

/** `redactSecrets` without secrets of its own, skipping texts that hold neither pattern it replaces. */
function redacted(text: string): string {
  return text.includes('Bearer') || text.includes('sk-') ? redactSecrets(text) : text;
}

function promptForLog(messages: readonly ModelMessage[]): JsonValue {
  return messages.map((message) => ({
    role: message.role,
    content: redacted(message.content),
    ...(message.images && message.images.length > 0
      ? { images: message.images.map((image) => ({ bytes: image.byteLength, sha256: createHash('sha256').update(image).digest('hex').slice(0, 16) })) }
      : {}),
  }));
}

function problemOf(result: z.ZodSafeParseResult<unknown>, input: unknown): string {
  if (result.success) return '';
  return formatIssues(issuesFromZod(result.error, input));
}

/** A `generateObject` call in progress: what each attempt needs, and what the attempts gave. */
interface ObjectRequest<S extends z.ZodType> {
  options: GenerateObjectOptions<S>;
  retries: number;
  budget: ModelCallBudget;
  /** Time spent waiting between attempts so far. */
  waitedMs: number;
  /** Waits after 5xx/429 so far (the next backoff doubles). */
  backoffs: number;
  jsonSchema: Record<string, unknown>;
  label: string;
  clock: Clock;
  /** Never changed in place once a model has seen it: a retry makes a longer copy. */
  conversation: readonly ModelMessage[];
  attempts: ModelAttempt[];
  records: RunEventInit[];
  lastError: CampfiresError | undefined;
}

/**
 * Asks a model for a value of a zod schema: sends the JSON schema, extracts JSON from the
 * answer (fences, prose), normalizes, validates, and retries telling the model what was
 * wrong. It writes nothing: the result carries every attempt and the run-log records of
 * the call, which the caller writes (`recordModelCall(runLog, runId, result)`). Without a
 * `fallback`, a call that gets no usable answer throws the last problem.
 * @example const { value, fallback } = await generateObject({ model, schema: z.object({ claim: z.string() }), messages });
 */
export async function generateObject<S extends z.ZodType>(options: GenerateObjectOptions<S>): Promise<GenerateObjectResult<z.output<S>>> {
  const outcome = await tryGenerateObject(options);
  if (outcome.success) return outcome.data;
  throw outcome.error;
}

/**
 * `generateObject` that gives a failed call back rather than throwing it, with the call's
 * attempts and records, for a caller that records failed calls as well (an LLM camper).
 * @example const outcome = await tryGenerateObject({ model, schema, messages }); recordModelCall(runLog, runId, outcome.success ? outcome.data : outcome);
 */
export async function tryGenerateObject<S extends z.ZodType>(options: GenerateObjectOptions<S>): Promise<GenerateObjectOutcome<z.output<S>>> {
  const request = startRequest(options);
  for (let attempt = 1; attempt <= request.retries; attempt += 1) {
    const started = performance.now();
    const answer = ask(request, attempt);
    // The prompt as the attempt's record shows it (images by size and hash, secrets redacted).
    const prompt = promptForLog(request.conversation);
    let response: ModelResponse;
    try {
      response = await answer;
    } catch (error) {
      const failure = callFailed(request, attempt, error, started, prompt);
      if (attempt >= request.retries) break;
      const wait = waitBeforeRetry(request, failure);
      // A down host or a bad key will not get better by asking again; a wait past the budget is not made.
      if (wait === undefined) break;
      if (wait > 0) {
        request.waitedMs += wait;
        await request.clock.sleep(wait);
      }
      continue;
    }
    const read = readAnswer(request, attempt, response, started, prompt);
    if (read.success) return { success: true, data: { value: read.value, fallback: false, attempts: request.attempts, records: request.records } };
  }
  return finish(request);
}

/** Sends the conversation so far to the model: its answer, or the error the call failed with. */
function ask<S extends z.ZodType>(request: ObjectRequest<S>, attempt: number): Promise<ModelResponse> {
  const { options } = request;
  const onText = options.onText;
  try {
    return options.model.generate({
      messages: request.conversation as ModelMessage[],
      jsonSchema: request.jsonSchema,
      temperature: options.temperature,
      seed: options.seed,
      maxTokens: options.maxTokens,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      // This call's attempts are the whole budget: the adapter must not retry inside one.
      retries: 0,
      ...(onText ? { onText: (chunk: string) => onText(chunk, attempt) } : {}),
    });
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The call's state before its first attempt; the schema is stated in a system message unless the caller says not to. */
function startRequest<S extends z.ZodType>(options: GenerateObjectOptions<S>): ObjectRequest<S> {
  const jsonSchema = sharedJsonSchema(options.schema);
  // The first attempt hands the caller's messages over without copying them.
  let conversation: readonly ModelMessage[] = options.messages;
  if (options.schemaInPrompt !== false) {
    const instruction = `Answer with only one JSON object that follows this JSON schema, with no other text:\n${JSON.stringify(jsonSchema)}`;
    const firstNonSystem = conversation.findIndex((message) => message.role !== 'system');
    const at = firstNonSystem < 0 ? conversation.length : firstNonSystem;
    conversation = [...conversation.slice(0, at), { role: 'system', content: instruction }, ...conversation.slice(at)];
  }
  const budget = modelCallBudget(options);
  return {
    options,
    retries: budget.attempts,
    budget,
    waitedMs: 0,
    backoffs: 0,
    jsonSchema,
    label: options.label ?? options.camper ?? 'generateObject',
    clock: options.clock ?? systemClock,
    conversation,
    attempts: [],
    records: [],
    lastError: undefined,
  };
}

/** Keeps an attempt and its `model-attempt` record: the prompt it was sent, what came back, why it was not used. */
function keepAttempt<S extends z.ZodType>(request: ObjectRequest<S>, attempt: ModelAttempt, prompt: JsonValue): void {
  const { options } = request;
  request.attempts.push(attempt);
  request.records.push({
    kind: 'model-attempt',
    ts: request.clock.now(),
    campfire: options.campfire ?? null,
    camper: options.camper ?? request.label,
    data: {
      label: request.label,
      provider: options.model.provider,
      model: attempt.model,
      attempt: attempt.attempt,
      of: request.retries,
      ok: attempt.ok,
      prompt,
      raw: attempt.raw === null ? null : redacted(attempt.raw),
      error: attempt.error,
      latencyMs: attempt.latencyMs,
      usage: attempt.usage ? { inputTokens: attempt.usage.inputTokens ?? null, outputTokens: attempt.usage.outputTokens ?? null } : null,
    },
  });
}

/** Reads a model's answer: its value, or (telling the model what was wrong for the next attempt) no value. */
function readAnswer<S extends z.ZodType>(
  request: ObjectRequest<S>,
  attempt: number,
  response: ModelResponse,
  started: number,
  prompt: JsonValue,
): { success: true; value: z.output<S> } | { success: false } {
  const { options } = request;
  const { model } = options;
  const raw = response.text;
  // The model's own measure of its latency when it gives one.
  const latencyMs = typeof response.latencyMs === 'number' ? response.latencyMs : Math.round(performance.now() - started);
  const usage = response.usage ?? null;
  const answeredBy = response.model;
  const accepted = (value: z.output<S>) => {
    keepAttempt(request, { attempt, ok: true, raw, error: null, latencyMs, usage, model: answeredBy }, prompt);
    return { success: true as const, value };
  };
  let problem: string;
  try {
    const read = options.quickRead?.(raw);
    if (read !== undefined) return accepted(read);
    const value = valueOf(options, raw);
    if (value.success) return accepted(value.value);
    problem = value.problem;
  } catch (error) {
    // No answer, however it is built, may crash a decision: it is an invalid one.
    problem = `the answer could not be read (${(error as Error)?.message ?? String(error)})`;
  }
  keepAttempt(request, { attempt, ok: false, raw, error: problem, latencyMs, usage, model: answeredBy }, prompt);
  request.lastError = new ModelError({
    code: 'model_output_invalid',
    message: `${request.label}: ${model.provider} model ${model.modelId} gave no valid answer in ${attempt} attempt${attempt === 1 ? '' : 's'}; last problem: ${problem}`,
    details: { label: request.label, provider: model.provider, model: model.modelId, attempts: attempt, problem, raw: cutText(raw, { characters: 500 }, ''), retryable: true },
  });
  request.conversation = [
    ...request.conversation,
    { role: 'assistant', content: raw },
    { role: 'user', content: `That answer could not be used: ${problem}. Answer again with only one JSON object that follows the schema.` },
  ];
  return { success: false };
}

/**
 * The value an answer holds: reasoning blocks left out, the last JSON candidate that
 * validates (a model may write drafts before its answer), or the problem of the last one.
 */
function valueOf<S extends z.ZodType>(options: GenerateObjectOptions<S>, raw: string): { success: true; value: z.output<S> } | { success: false; problem: string } {
  const extracted = extractJsonCandidates(raw);
  if (!extracted.success) return { success: false, problem: extracted.error };
  let problem: string | undefined;
  for (let index = extracted.candidates.length - 1; index >= 0; index -= 1) {
    const candidate = options.normalize ? options.normalize(extracted.candidates[index]) : extracted.candidates[index];
    const quick = options.quickParse?.(candidate);
    if (quick !== undefined) return { success: true, value: quick };
    const parsed = options.schema.safeParse(candidate);
    if (parsed.success) return { success: true, value: parsed.data };
    problem ??= problemOf(parsed, candidate);
  }
  return { success: false, problem: problem as string };
}

/**
 * How long to wait before asking again after a failed request, within the call's budget:
 * 0 for a passing failure (a dropped or cut connection, a timeout, a malformed body, a
 * provider's error), `Retry-After` or a doubling backoff after a 5xx or a 429; undefined
 * when asking again will not help (a bad key, an unknown model, a rejected request, a down
 * host) or the wait would pass the budget.
 */
function waitBeforeRetry<S extends z.ZodType>(request: ObjectRequest<S>, failure: CampfiresError): number | undefined {
  const status = failure.details.status;
  const httpWait = typeof status === 'number' && (status === 429 || status >= 500);
  if (!httpWait) return failure.details.retryable === true ? 0 : undefined;
  const retryAfter = failure.details.retryAfterMs;
  const wait = typeof retryAfter === 'number' && retryAfter >= 0 ? retryAfter : request.budget.retryDelayMs * 2 ** request.backoffs;
  request.backoffs += 1;
  return request.waitedMs + wait <= request.budget.maxWaitMs ? wait : undefined;
}

/** Keeps a call that failed; the failure as the library's error (the model's own, or one that wraps it). */
function callFailed<S extends z.ZodType>(request: ObjectRequest<S>, attempt: number, error: unknown, started: number, prompt: JsonValue): CampfiresError {
  const { model } = request.options;
  const failure =
    error instanceof CampfiresError
      ? error
      : new ModelError({ code: 'model_call_failed', message: `${model.provider} model ${model.modelId} failed: ${(error as Error)?.message ?? String(error)}`, details: { retryable: true } });
  request.lastError = failure;
  keepAttempt(request, { attempt, ok: false, raw: null, error: failure.message, latencyMs: Math.round(performance.now() - started), usage: null, model: model.modelId, cause: error }, prompt);
  return failure;
}

/** After the last attempt: the fallback, flagged and recorded, or the last problem. */
function finish<S extends z.ZodType>(request: ObjectRequest<S>): GenerateObjectOutcome<z.output<S>> {
  const { options, lastError, label } = request;
  const { model } = options;
  if (options.fallback === undefined) {
    const error = lastError ?? new ModelError({ code: 'model_output_invalid', message: `${label}: no attempt was made`, details: {} });
    return { success: false, error, attempts: request.attempts, records: request.records };
  }
  const reason = lastError?.message ?? 'no attempt made';
  request.records.push({
    kind: 'model-fallback',
    ts: request.clock.now(),
    campfire: options.campfire ?? null,
    camper: options.camper ?? label,
    data: { label, provider: model.provider, model: model.modelId, reason, value: options.fallback as JsonValue, budget: { ...request.budget, waitedMs: request.waitedMs } },
  });
  return { success: true, data: { value: options.fallback, fallback: true, attempts: request.attempts, records: request.records } };
}
