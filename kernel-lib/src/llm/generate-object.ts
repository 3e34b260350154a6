import { createHash } from 'node:crypto';
import { z } from 'zod';
import { CampfiresError, ModelError, formatIssues, issuesFromZod } from '../core';
import type { JsonValue } from '../messages';
import type { RunLog } from '../runlog';
import { extractJson } from './extract-json';
import type { LanguageModel, ModelMessage, ModelResponse, ModelUsage } from './language-model';
import { defaultModelDebugLog, type ModelDebugLog } from './model-debug-log';
import { redactSecrets } from './redact-secrets';

/** One call to the model inside `generateObject`, as logged. */
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
}

/** Options of `generateObject`. */
export interface GenerateObjectOptions<S extends z.ZodType> {
  model: LanguageModel;
  schema: S;
  messages: ModelMessage[];
  /** Attempts in all (default 3); after each bad answer the model is told what was wrong. */
  retries?: number;
  /** Returned (flagged `fallback: true`) when every attempt failed; without it the last failure throws. */
  fallback?: z.output<S>;
  /** Fixes known quirks before validation, e.g. `acceptActionKeyVariants()`. */
  normalize?: (raw: unknown) => unknown;
  /**
   * A cheaper check of the common well-formed answer: returns exactly what `schema` would,
   * or undefined to let `schema` decide and explain. Zod's first parse after the process
   * has been idle (waiting for the model) costs more than the rest of a decision's work.
   */
  quickParse?: (candidate: unknown) => z.output<S> | undefined;
  /**
   * Reads the common exact answer text straight to the value, without `JSON.parse`: returns
   * exactly what extraction, `normalize` and `schema` would make of `text`, or undefined to
   * let them read it. After a wait for the model, `JSON.parse` of even a short answer costs
   * several times a hand-written reader (it runs in the engine's C++ side, cold after the
   * wait; see `readPlainObject`).
   */
  quickRead?: (text: string) => z.output<S> | undefined;
  runLog?: RunLog;
  runId?: string;
  /** What is asking (`Sentiment/llm`, `agent:Mayor`), written with each attempt. */
  label?: string;
  campfire?: string;
  camper?: string;
  temperature?: number;
  maxTokens?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Where attempts are also written as JSON lines; default beside the run log file; `false` for none. */
  debugLog?: ModelDebugLog | false;
  /** Also state the JSON schema in a system message (default true; small models need it). */
  schemaInPrompt?: boolean;
  /**
   * Takes the writing of the successful attempt's records, to be run later, before the
   * caller logs anything of its own about the answer (a council writes them while its next
   * member's model thinks). Failed attempts and fallbacks are written at once. Default: at once.
   */
  deferAnswerLog?: (write: () => void) => void;
  /**
   * Told of every model call as it returns, before its answer is read: the text, or the
   * error the call failed with (as thrown, before it is wrapped for the attempt's record).
   */
  onModelResult?: (result: ModelCallResult) => void;
}

/** One model call as it returned: the text it answered, or the error it failed with (as thrown). */
export type ModelCallResult = { attempt: number; text: string; error?: undefined } | { attempt: number; text?: undefined; error: unknown };

/** What `generateObject` returns: the typed value, whether it is the fallback, and every attempt. */
export interface GenerateObjectResult<T> {
  value: T;
  fallback: boolean;
  attempts: ModelAttempt[];
}

/** The JSON schema of a zod schema as sent to models (`format` / `response_format`). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  // Converting costs more than the rest of a call's local work, so each schema is converted once.
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
  jsonSchema: Record<string, unknown>;
  label: string;
  debugLog: ModelDebugLog | undefined;
  /** Never changed in place once a model has seen it: a retry makes a longer copy. */
  conversation: readonly ModelMessage[];
  attempts: ModelAttempt[];
  lastError: CampfiresError | undefined;
}

/** Writes one attempt to the run log (`model-attempt`) and the debug log. */
function logAttempt<S extends z.ZodType>(request: ObjectRequest<S>, attempt: ModelAttempt, loggedPrompt: JsonValue): void {
  const { options } = request;
  const data = {
    label: request.label,
    provider: options.model.provider,
    model: attempt.model,
    attempt: attempt.attempt,
    of: request.retries,
    ok: attempt.ok,
    prompt: loggedPrompt,
    raw: attempt.raw === null ? null : redacted(attempt.raw),
    error: attempt.error,
    latencyMs: attempt.latencyMs,
    usage: attempt.usage ? { inputTokens: attempt.usage.inputTokens ?? null, outputTokens: attempt.usage.outputTokens ?? null } : null,
  };
  if (options.runLog && options.runId) {
    options.runLog.append(options.runId, { kind: 'model-attempt', campfire: options.campfire ?? null, camper: options.camper ?? request.label, data });
  }
  request.debugLog?.write({ kind: 'model-attempt', runId: options.runId ?? null, campfire: options.campfire ?? null, ...data });
}

/**
 * Asks a model for a value of a zod schema: sends the JSON schema, extracts JSON from the
 * answer (fences, prose), normalizes, validates, and retries telling the model what was
 * wrong. Every attempt goes to the run log (`model-attempt`) and the debug log.
 * @example const { value, fallback } = await generateObject({ model, schema: z.object({ claim: z.string() }), messages });
 */
export function generateObject<S extends z.ZodType>(options: GenerateObjectOptions<S>): Promise<GenerateObjectResult<z.output<S>>> {
  let request: ObjectRequest<S>;
  try {
    const jsonSchema = sharedJsonSchema(options.schema);
    // The first attempt hands the caller's messages over without copying them.
    let conversation: readonly ModelMessage[] = options.messages;
    if (options.schemaInPrompt !== false) {
      const instruction = `Answer with only one JSON object that follows this JSON schema, with no other text:\n${JSON.stringify(jsonSchema)}`;
      const firstNonSystem = conversation.findIndex((message) => message.role !== 'system');
      const at = firstNonSystem < 0 ? conversation.length : firstNonSystem;
      conversation = [...conversation.slice(0, at), { role: 'system', content: instruction }, ...conversation.slice(at)];
    }
    request = {
      options,
      retries: Math.max(1, options.retries ?? 3),
      jsonSchema,
      label: options.label ?? options.camper ?? 'generateObject',
      debugLog: options.debugLog === false ? undefined : (options.debugLog ?? defaultModelDebugLog(options.runLog?.path)),
      conversation,
      attempts: [],
      lastError: undefined,
    };
  } catch (error) {
    return Promise.reject(error);
  }
  return attemptAt(request, 1);
}

/**
 * Attempt `attempt`: asks the model and reads its answer; a retry is the next attempt's
 * promise. Each step is a small function taking the call's state as `request`.
 */
function attemptAt<S extends z.ZodType>(request: ObjectRequest<S>, attempt: number): Promise<GenerateObjectResult<z.output<S>>> {
  const { options } = request;
  const { model } = options;
  const prompt = request.conversation as ModelMessage[];
  let answer: Promise<ModelResponse>;
  try {
    answer = model.generate({
      messages: prompt,
      jsonSchema: request.jsonSchema,
      temperature: options.temperature,
      maxTokens: options.maxTokens,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
  } catch (error) {
    answer = Promise.reject(error);
  }
  // The clock is read once the request is out (reading it costs more than building the
  // request, when the process has just woken from waiting for the previous answer); what a
  // model's `generate` does before its first wait is preparing, not the model's latency.
  const started = performance.now();
  // Made while the model thinks rather than between its answer and the caller's next step.
  const loggedPrompt = promptForLog(prompt);
  return answer.then(
    (response) => readAnswer(request, attempt, response, started, loggedPrompt),
    (error: unknown) => callFailed(request, attempt, error, started, loggedPrompt),
  );
}

/** Reads a model's answer: the value, or (told what was wrong) the next attempt. */
function readAnswer<S extends z.ZodType>(
  request: ObjectRequest<S>,
  attempt: number,
  response: ModelResponse,
  started: number,
  loggedPrompt: JsonValue,
): GenerateObjectResult<z.output<S>> | Promise<GenerateObjectResult<z.output<S>>> {
  const { options } = request;
  const { model, schema } = options;
  options.onModelResult?.({ attempt, text: response.text });
  const raw = response.text;
  // The model's own measure when it gives one: no clock read between its answer and the caller.
  const latencyMs = typeof response.latencyMs === 'number' ? response.latencyMs : Math.round(performance.now() - started);
  const usage = response.usage ?? null;
  const answeredBy = response.model;
  const read = options.quickRead?.(raw);
  if (read !== undefined) return answered(request, read, { attempt, ok: true, raw, error: null, latencyMs, usage, model: answeredBy }, loggedPrompt);
  const extracted = extractJson(raw);
  let problem: string;
  if (extracted.success) {
    const candidate = options.normalize ? options.normalize(extracted.data) : extracted.data;
    const quick = options.quickParse?.(candidate);
    const parsed = quick === undefined ? schema.safeParse(candidate) : { success: true as const, data: quick };
    if (parsed.success) return answered(request, parsed.data, { attempt, ok: true, raw, error: null, latencyMs, usage, model: answeredBy }, loggedPrompt);
    problem = problemOf(parsed, candidate);
  } else {
    problem = extracted.error;
  }
  const record: ModelAttempt = { attempt, ok: false, raw, error: problem, latencyMs, usage, model: answeredBy };
  request.attempts.push(record);
  logAttempt(request, record, loggedPrompt);
  request.lastError = new ModelError({
    code: 'model_output_invalid',
    message: `${request.label}: ${model.provider} model ${model.modelId} gave no valid answer in ${attempt} attempt${attempt === 1 ? '' : 's'}; last problem: ${problem}`,
    details: { label: request.label, provider: model.provider, model: model.modelId, attempts: attempt, problem, raw: raw.slice(0, 500), retryable: true },
  });
  request.conversation = [
    ...request.conversation,
    { role: 'assistant', content: raw },
    { role: 'user', content: `That answer could not be used: ${problem}. Answer again with only one JSON object that follows the schema.` },
  ];
  return attempt < request.retries ? attemptAt(request, attempt + 1) : finish(request);
}

/** A good answer: recorded (now, or later when the caller defers it) and returned. */
function answered<S extends z.ZodType>(request: ObjectRequest<S>, value: z.output<S>, record: ModelAttempt, loggedPrompt: JsonValue): GenerateObjectResult<z.output<S>> {
  request.attempts.push(record);
  const { deferAnswerLog } = request.options;
  if (deferAnswerLog) deferAnswerLog(() => logAttempt(request, record, loggedPrompt));
  else logAttempt(request, record, loggedPrompt);
  return { value, fallback: false, attempts: request.attempts };
}

/** A call that failed: the next attempt, or the end when asking again will not help. */
function callFailed<S extends z.ZodType>(request: ObjectRequest<S>, attempt: number, error: unknown, started: number, loggedPrompt: JsonValue): Promise<GenerateObjectResult<z.output<S>>> {
  const { options } = request;
  const { model } = options;
  options.onModelResult?.({ attempt, error });
  const failure =
    error instanceof CampfiresError
      ? error
      : new ModelError({ code: 'model_call_failed', message: `${model.provider} model ${model.modelId} failed: ${(error as Error)?.message ?? String(error)}`, details: { retryable: true } });
  request.lastError = failure;
  const record: ModelAttempt = { attempt, ok: false, raw: null, error: failure.message, latencyMs: Math.round(performance.now() - started), usage: null, model: model.modelId };
  request.attempts.push(record);
  logAttempt(request, record, loggedPrompt);
  // A down host or a bad key will not get better by asking again.
  if (failure.details.retryable !== true || attempt >= request.retries) return finish(request);
  return attemptAt(request, attempt + 1);
}

/** After the last attempt: the fallback, flagged and logged, or the last problem thrown. */
function finish<S extends z.ZodType>(request: ObjectRequest<S>): Promise<GenerateObjectResult<z.output<S>>> {
  const { options, lastError, label } = request;
  const { model } = options;
  if (options.fallback !== undefined) {
    const reason = lastError?.message ?? 'no attempt made';
    if (options.runLog && options.runId) {
      options.runLog.append(options.runId, {
        kind: 'model-fallback',
        campfire: options.campfire ?? null,
        camper: options.camper ?? label,
        data: { label, provider: model.provider, model: model.modelId, reason, value: options.fallback as JsonValue },
      });
    }
    request.debugLog?.write({ kind: 'model-fallback', runId: options.runId ?? null, label, reason });
    return Promise.resolve({ value: options.fallback, fallback: true, attempts: request.attempts });
  }
  return Promise.reject(lastError ?? new ModelError({ code: 'model_output_invalid', message: `${label}: no attempt was made`, details: {} }));
}
