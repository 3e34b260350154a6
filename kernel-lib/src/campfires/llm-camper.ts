import { z } from 'zod';
import { ValidationError } from '../core';
import { defaultModelDebugLog, recordModelCall, tryGenerateObject, writeModelDebugLines, type LanguageModel, type ModelMessage } from '../llm';
import type { JsonValue, Torch, TorchInput } from '../messages';
import type { RunEventInit, RunLog } from '../runlog';
import { Camper, type CamperAnswer, type CamperContext, type CamperOptions } from './camper';

/** What an LLM camper asks its model for by default: a short claim, a confidence, maybe a caption. */
export const llmTorchAnswerSchema = z.object({
  claim: z.string().min(1).max(400),
  confidence: z.number().min(0).max(1),
  caption: z.string().max(200).optional(),
});
export type LLMTorchAnswer = z.output<typeof llmTorchAnswerSchema>;

/** Options of an `LLMCamper`. */
export interface LLMCamperOptions<S extends z.ZodType = typeof llmTorchAnswerSchema> extends CamperOptions {
  model: LanguageModel;
  /** A prompt template file for `loadRag` (`prompt`/`template` of JSON or YAML, or text). Without it the input claims are the prompt. */
  template?: string;
  /** Extra template values, or a function of the cycle giving them. */
  templateValues?: Record<string, unknown> | ((context: CamperContext) => Record<string, unknown>);
  /** A system message before the prompt. */
  system?: string;
  /** The answer's schema (default: claim, confidence, caption). */
  schema?: S;
  /** Turns a validated answer into a torch (default: claim, confidence, caption in metadata). */
  toTorch?: (value: z.output<S>, context: CamperContext) => TorchInput;
  /** Send the images named by incoming torches' paths (read from the Party Box) to the model. */
  vision?: boolean;
  /** Images sent at most per call (default 4). */
  maxImages?: number;
  /** Attempts per cycle (default 3). */
  retries?: number;
  temperature?: number;
  /**
   * A run log to write attempts to as `model-attempt` events when the camper's campfire does
   * not store them in this run: a campfire cycled on its own, outside a pipeline. In a
   * pipeline the campfire records them in the pipeline's run, and this is not needed.
   */
  runLog?: RunLog;
  /** The run to log into, or a function giving the current one (a pipeline starts its run when it runs). */
  runId?: string | (() => string | undefined);
}

/** Small models write `"0.8"` or `80` for a confidence; read both as 0.8. */
function normalizeAnswer(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const record = { ...(raw as Record<string, unknown>) };
  let confidence = record.confidence;
  if (typeof confidence === 'string' && confidence.trim() !== '') confidence = Number(confidence.replace('%', ''));
  if (typeof confidence === 'number' && confidence > 1 && confidence <= 100) confidence /= 100;
  if (confidence !== undefined) record.confidence = confidence;
  return record;
}

/**
 * A camper whose `overridePrompt` calls a `LanguageModel`: the prompt comes from a `loadRag`
 * template, the answer is validated structured output, and the torch carries only the claim
 * (and the incoming asset's path). With `vision`, the images named by incoming torches are
 * read from the Party Box and sent as Ollama `images` / OpenAI `image_url` parts.
 * @example new LLMCamper('sentiment-llm', { model, template: 'prompts/sentiment.yaml' })
 */
export class LLMCamper<S extends z.ZodType = typeof llmTorchAnswerSchema> extends Camper {
  override readonly backend: string;
  readonly model: LanguageModel;
  private readonly options: LLMCamperOptions<S>;

  constructor(name: string, options: LLMCamperOptions<S>) {
    super(name, options);
    if (!options?.model || typeof options.model.generate !== 'function') {
      throw new ValidationError({
        code: 'camper_model_missing',
        message: `LLM camper "${name}" needs a model: pass { model } from chooseDefaultModel(), createOllamaModel() or createOpenRouterModel()`,
        issues: [{ field: 'model', message: 'not a LanguageModel', given: options?.model, allowed: 'a LanguageModel' }],
      });
    }
    this.options = options;
    this.model = options.model;
    this.backend = options.model.provider;
  }

  override async buildPrompt(context: CamperContext): Promise<string> {
    if (!this.options.template) return super.buildPrompt(context);
    const extra = typeof this.options.templateValues === 'function' ? this.options.templateValues(context) : (this.options.templateValues ?? {});
    return this.loadRag(this.options.template, {
      claims: context.inputs.map((input) => input.torch.claim).join('\n'),
      claim: context.previous?.claim ?? context.inputs[0]?.torch.claim ?? '',
      campfire: context.campfire,
      cycle: context.cycle,
      ...extra,
    });
  }

  override async overridePrompt(prompt: string, context: CamperContext): Promise<CamperAnswer> {
    const images = this.options.vision ? await this.readImages(context) : { bytes: [], path: undefined };
    const messages: ModelMessage[] = [
      ...(this.options.system ? [{ role: 'system' as const, content: this.options.system }] : []),
      { role: 'user', content: prompt, ...(images.bytes.length > 0 ? { images: images.bytes } : {}) },
    ];
    const schema = (this.options.schema ?? llmTorchAnswerSchema) as S;
    const prepared = await this.beforeAnswer(messages, context);
    const outcome = await tryGenerateObject({
      model: prepared.model,
      schema,
      messages: prepared.messages,
      retries: this.options.retries,
      temperature: this.options.temperature,
      normalize: this.options.schema ? undefined : normalizeAnswer,
      label: `${context.campfire}/${this.name}`,
      campfire: context.campfire,
      camper: this.name,
      // Streamed only while someone watches the turn (a live display, `onToken`).
      ...(this.tokensWatched ? { onText: (chunk: string, attempt: number) => this.emitToken(chunk, attempt) } : {}),
    });
    // The call's attempts are recorded whether or not it gave a usable answer.
    this.recordAttempts(outcome.success ? outcome.data.records : outcome.records, context);
    if (!outcome.success) throw outcome.error;
    const result = outcome.data;
    const base: TorchInput = this.options.toTorch ? this.options.toTorch(result.value, context) : this.defaultTorch(result.value as LLMTorchAnswer, context);
    const metadata: Record<string, JsonValue> = { ...(base.metadata ?? {}), model: `${this.model.provider}:${this.model.modelId}` };
    // The torch points at the image looked at, else keeps the asset of the torch it refines.
    const incoming = context.previous ?? context.inputs[0]?.torch;
    const pointer = images.path ? { path: images.path } : incoming?.path ? { path: incoming.path } : incoming?.url ? { url: incoming.url } : {};
    return { ...(base.path || base.url ? {} : pointer), ...base, metadata };
  }

  override describeBackend(): string {
    return `model ${this.model.modelId} via ${this.model.provider}`;
  }

  /**
   * The conversation (and the model) the structured answer is asked from. By default the
   * prompt as built; a subclass may hold a longer exchange first (tool calls and their results).
   */
  protected async beforeAnswer(messages: ModelMessage[], _context: CamperContext): Promise<{ messages: ModelMessage[]; model: LanguageModel }> {
    return { messages, model: this.model };
  }

  /** The options this camper was made with. */
  protected get settings(): Readonly<LLMCamperOptions<S>> {
    return this.options;
  }

  /**
   * Records a call's attempts, each naming the cycle it was made in, so the torch flow shows
   * them on the torch that cycle sent: in the campfire's run (a pipeline's run log, the live
   * display), and in `runLog`/`runId` when those name another run or the campfire stores none.
   */
  private recordAttempts(records: readonly RunEventInit[], context: CamperContext): void {
    if (records.length === 0) return;
    const ofCycle = records.map((record) => ({ ...record, data: { ...(record.data as Record<string, JsonValue>), cycle: context.cycle } }));
    const stored = this.recordEvents(ofCycle);
    const debugLog = stored ? defaultModelDebugLog(stored.log.path) : undefined;
    if (stored) writeModelDebugLines(stored.runId, ofCycle, debugLog);
    const runId = typeof this.options.runId === 'function' ? this.options.runId() : this.options.runId;
    const { runLog } = this.options;
    if (!runLog || !runId || (stored && stored.log === runLog && stored.runId === runId)) return;
    // A debug log that already has these lines is not given them twice.
    const ownDebugLog = defaultModelDebugLog(runLog.path);
    recordModelCall(runLog, runId, { records: ofCycle }, { debugLog: ownDebugLog && ownDebugLog !== debugLog ? ownDebugLog : false });
  }

  /** Claim and confidence from the model; the refined torch's small metadata is kept so later campers still find it. */
  private defaultTorch(value: LLMTorchAnswer, context: CamperContext): TorchInput {
    return {
      claim: value.claim,
      confidence: value.confidence,
      metadata: { ...(context.previous?.metadata ?? {}), ...(value.caption ? { caption: value.caption } : {}) },
    };
  }

  /** The images incoming torches point at, read from the Party Box (never from the torch). */
  private async readImages(context: CamperContext): Promise<{ bytes: Uint8Array[]; path: string | undefined }> {
    const torches: Torch[] = [...(context.previous ? [context.previous] : []), ...context.inputs.map((input) => input.torch)];
    const locations = [...new Set(torches.map((torch) => torch.path ?? torch.url).filter((location): location is string => Boolean(location)))];
    if (locations.length === 0) return { bytes: [], path: undefined };
    const box = context.partyBox ?? this.partyBox;
    if (!box) {
      throw new ValidationError({
        code: 'camper_party_box_missing',
        message: `LLM camper "${this.name}" was asked to look at ${locations[0]} but has no Party Box; give the campfire or the camper a partyBox`,
        issues: [{ field: 'partyBox', message: 'missing', given: null, allowed: 'a PartyBox' }],
      });
    }
    const bytes: Uint8Array[] = [];
    let path: string | undefined;
    for (const location of locations) {
      if (bytes.length >= (this.options.maxImages ?? 4)) break;
      const asset = await box.get(location);
      if (asset.category !== 'images') continue;
      bytes.push(new Uint8Array(await asset.bytes()));
      path ??= location;
    }
    return { bytes, path };
  }
}
