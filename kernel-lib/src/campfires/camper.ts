import { inspect } from 'node:util';
import { formatTime, systemClock, ValidationError, type Clock } from '../core';
import { createTorch, isCheckedTorch, type JsonValue, type Torch, type TorchInput } from '../messages';
import type { PartyBox } from '../partybox';
import type { RunEventInit, RunLog } from '../runlog';
import { readPromptTemplate, renderTemplate } from './prompt-template';
import { isThenable } from './is-thenable';
import { notTorchbearerError, type TorchbearerGrant } from './torchbearer';

/** A torch a campfire received this cycle, with where it came from. */
export interface ReceivedTorch {
  channel: string;
  /** The sending campfire. */
  from: string;
  messageId: string;
  torch: Torch;
  /** When it arrived (ms since the epoch); the cycle's start when not given. */
  receivedAt?: number;
  /** Its place among the run's deliveries (1, 2, ...), which orders the run's handoffs in the log. */
  delivery?: number;
}

/** What a camper knows when it is asked for its answer. */
export interface CamperContext {
  campfire: string;
  cycle: number;
  /** The torches that started this cycle (empty for a source campfire). */
  inputs: readonly ReceivedTorch[];
  /** The answer this one refines (strategy `refine`), or null for the first camper. */
  previous: Torch | null;
  partyBox: PartyBox | null;
  clock: Clock;
}

/** What `overridePrompt` may return: a torch, a plain claim, or null for "nothing to say this cycle". */
export type CamperAnswer = TorchInput | string | null;

/** Options every camper takes. */
export interface CamperOptions {
  partyBox?: PartyBox | null;
  clock?: Clock;
}

/**
 * A piece of text a camper wrote before its torch was sent: a model's token as it streamed
 * in, or a step of an answer revealed after the fact (`reveal`). `Pipeline.onToken` hands
 * these out; a live display shows `text` in the campfire's row until the torch replaces it.
 */
export interface CamperToken {
  campfire: string;
  camper: string;
  cycle: number;
  /** The model request of the turn it belongs to (1, then 2... after an unusable answer); 1 for a reveal. */
  attempt: number;
  /** The piece that just arrived. */
  chunk: string;
  /** Everything written in this attempt so far. */
  text: string;
  /** True for a step of a revealed answer, false for a model's stream. */
  revealed: boolean;
}

/** How a camper reaches its campfire's output channel; the campfire checks the grant. */
export interface TorchPublisher {
  readonly name: string;
  readonly output: string | null;
  publishAsTorchbearer(camper: Camper, torch: Torch, grant: TorchbearerGrant | null): Promise<SentTorch>;
  /** Records an event of this camper's turn (a tool call) in the campfire's run log. */
  recordCamperEvent?(camper: Camper, kind: string, data: JsonValue): void;
  /**
   * Records events of this camper's turn (a model call's attempts) in the campfire's run, in
   * order, stamped by the campfire's clock; returns the run log and run that store them, or null when
   * the run is kept in memory only.
   */
  recordCamperEvents?(camper: Camper, events: readonly RunEventInit[]): StoredRun | null;
  /** True while someone watches this campfire's campers write (a live display, `onToken`). */
  readonly tokensWatched?: boolean;
  /** Called by a camper's `emitToken`: a piece of text it wrote in this turn. */
  camperToken?(camper: Camper, chunk: string, attempt: number): void;
}

/** Where a campfire's run is stored: the run log and the run's id in it. */
export interface StoredRun {
  log: RunLog;
  runId: string;
}

/** A torch as sent by a torchbearer. */
export interface SentTorch {
  messageId: string;
  /** The output channel, or null when the campfire keeps its torch as its result only. */
  channel: string | null;
  torch: Torch;
}

export { isCheckedTorch };

/**
 * Whatever a camper answered, as a checked torch (null: nothing to say). Checked torches
 * are frozen, so one handed back unchanged needs no second look; anything else is
 * validated in full, every time.
 */
export function checkAnswer(answer: unknown): Torch | null {
  if (answer === null || answer === undefined) return null;
  return createTorch(typeof answer === 'string' ? { claim: answer } : (answer as TorchInput));
}

const camperNamePattern = /^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,63}$/;

/** Checks a camper or campfire name: 1-64 letters, digits, space and . _ : / -, starting with a letter or digit. */
export function checkName(what: 'camper' | 'campfire', name: unknown): string {
  if (typeof name !== 'string' || !camperNamePattern.test(name)) {
    throw new ValidationError({
      code: `${what}_name_invalid`,
      message: `${what} name ${JSON.stringify(name)} is not allowed: use 1-64 letters, digits, spaces and . _ : / -, starting with a letter or digit`,
      issues: [{ field: `${what}.name`, message: 'not a valid name', given: name, allowed: camperNamePattern.source }],
    });
  }
  return name;
}

/**
 * One model or tool at a campfire. Subclasses implement `overridePrompt` (an LLM call,
 * an API, a plain function); `loadRag` fills a prompt template. Every camper holds the
 * Party Box. A camper only writes to a channel while it holds this cycle's torchbearer grant.
 * @example class Echo extends Camper { overridePrompt(prompt: string) { return { claim: prompt }; } }
 */
export abstract class Camper {
  readonly name: string;
  /** The shared asset store; set by the campfire when the camper joins one without its own. */
  partyBox: PartyBox | null;
  /** What answers: `tool` for deterministic campers, a provider name for model campers. */
  readonly backend: string = 'tool';
  protected clock: Clock;
  private grant: TorchbearerGrant | null = null;
  private publisher: TorchPublisher | null = null;
  private current: CamperContext | null = null;

  constructor(name: string, options: CamperOptions = {}) {
    this.name = checkName('camper', name);
    this.partyBox = options.partyBox ?? null;
    this.clock = options.clock ?? systemClock;
  }

  /** What answers at this camper, in a few words: a deterministic tool, or a model and its provider. */
  describeBackend(): string {
    return this.backend === 'tool' ? 'tool, deterministic' : `model via ${this.backend}`;
  }

  /** One line for a notebook cell: the kind of camper, its name and what answers. */
  [inspect.custom](): string {
    return `${this.constructor.name} "${this.name}" (${this.describeBackend()})`;
  }

  /** Turns a prompt into this camper's answer: the method a subclass implements. */
  abstract overridePrompt(prompt: string, context: CamperContext): CamperAnswer | Promise<CamperAnswer>;

  /**
   * The prompt for this cycle. By default: the claim being refined, else the input
   * claims one per line. Override it to use `loadRag`.
   */
  buildPrompt(context: CamperContext): string | Promise<string> {
    if (context.previous) return context.previous.claim;
    return context.inputs.map((input) => input.torch.claim).join('\n');
  }

  /**
   * Renders a prompt template file (the `prompt`/`template` field of JSON or YAML, or a
   * text file) with `{time}` (YYYY-MM-DD HH:MM:SS, UTC), `{timestamp}` (ISO 8601),
   * `{camper_name}`, `{asset_path}` (the first input's path or url, when there is one) and `values`.
   */
  async loadRag(templatePath: string, values: Record<string, unknown> = {}): Promise<string> {
    const template = await readPromptTemplate(templatePath);
    const now = this.clock.now();
    const firstAsset = this.current?.inputs.find((input) => input.torch.path ?? input.torch.url)?.torch;
    const injected: Record<string, unknown> = {
      time: formatTime(now),
      timestamp: new Date(now).toISOString(),
      camper_name: this.name,
      asset_path: this.current?.previous?.path ?? this.current?.previous?.url ?? firstAsset?.path ?? firstAsset?.url,
    };
    return renderTemplate(template, { ...injected, ...values }, `prompt template ${templatePath}`);
  }

  /** Runs one turn: builds the prompt, calls `overridePrompt`, validates the answer as a torch (null: nothing to say). */
  async answer(context: CamperContext): Promise<Torch | null> {
    return this.respond(context);
  }

  /**
   * `answer` without a promise when nothing in the turn is one: a plain function camper
   * then costs its campfire no await (the campfire calls this).
   */
  respond(context: CamperContext): Torch | null | Promise<Torch | null> {
    this.current = context;
    let finished = true;
    try {
      const built = this.buildPrompt(context);
      if (typeof built !== 'string') {
        finished = false;
        return this.respondLater(built, context);
      }
      const given = this.overridePrompt(built, context);
      if (isThenable(given)) {
        finished = false;
        return this.respondLater(null, context, given);
      }
      return this.toTorch(given);
    } finally {
      // A turn still waiting keeps `current` (for loadRag) until it ends.
      if (finished) this.current = null;
    }
  }

  private async respondLater(built: Promise<string> | null, context: CamperContext, given?: Promise<CamperAnswer>): Promise<Torch | null> {
    try {
      const answer = given ? await given : await this.overridePrompt(await (built as Promise<string>), context);
      return this.toTorch(answer);
    } finally {
      this.current = null;
    }
  }

  private toTorch(answer: CamperAnswer): Torch | null {
    return checkAnswer(answer);
  }

  /** True while this camper holds an unused torchbearer grant. */
  get isTorchbearer(): boolean {
    return this.grant !== null && !this.grant.used;
  }

  /**
   * Sends a torch on the campfire's output channel. Only the cycle's torchbearer may,
   * once; anyone else gets a `PermissionError`. The campfire calls this for the torchbearer.
   */
  publish(torch: TorchInput): Promise<SentTorch> {
    // Not `async`: one promise less per torch; every refusal still arrives as a rejection.
    try {
      const checked = createTorch(torch);
      if (!this.publisher) throw notTorchbearerError(this.name, null, null, 'it has not joined a campfire');
      const grant = this.grant;
      this.grant = null;
      return this.publisher.publishAsTorchbearer(this, checked, grant);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Records an event of this turn (`kind`, e.g. `tool-call`) in the run log of the campfire
   * this camper sits at, with the campfire and camper columns set; a camper at no campfire
   * records nothing.
   */
  protected recordEvent(kind: string, data: JsonValue): void {
    this.publisher?.recordCamperEvent?.(this, kind, data);
  }

  /**
   * Records events of this turn (a model call's `model-attempt` rows) in the run of the
   * campfire this camper sits at, campfire and camper columns set, each keeping its `kind`
   * and `data`. Returns where the run is stored, or null when no run log keeps it (a
   * run in memory, or no campfire).
   */
  protected recordEvents(events: readonly RunEventInit[]): StoredRun | null {
    return this.publisher?.recordCamperEvents?.(this, events) ?? null;
  }

  /**
   * True while someone watches this camper write (a live display, `Pipeline.onToken`): a
   * model camper asks its model to stream only then.
   */
  protected get tokensWatched(): boolean {
    return this.publisher?.tokensWatched === true;
  }

  /**
   * Tells whoever watches this turn a piece of text the camper just wrote (a model's token,
   * `attempt` being the model request of the turn it belongs to); nothing when nobody watches.
   * @example await tryGenerateObject({ model, schema, messages, onText: this.tokensWatched ? (chunk, attempt) => this.emitToken(chunk, attempt) : undefined });
   */
  protected emitToken(chunk: string, attempt = 1): void {
    this.publisher?.camperToken?.(this, chunk, attempt);
  }

  /** Called by the campfire that hosts this camper. */
  joinCampfire(publisher: TorchPublisher, partyBox: PartyBox | null, clock: Clock): void {
    if (this.publisher && this.publisher !== publisher) {
      throw new ValidationError({
        code: 'camper_already_joined',
        message: `camper "${this.name}" already sits at campfire "${this.publisher.name}"; create another camper for "${publisher.name}"`,
        issues: [{ field: 'campers', message: 'camper already at another campfire', given: this.name, allowed: 'a camper sits at one campfire' }],
      });
    }
    this.publisher = publisher;
    this.partyBox = this.partyBox ?? partyBox;
    if (this.clock === systemClock) this.clock = clock;
  }

  /** Called by the campfire: this camper's answer is final, it may send once. */
  receiveGrant(grant: TorchbearerGrant): void {
    this.grant = grant;
  }

  /** Called by the campfire after the cycle: back to listening, whatever happened. */
  revokeGrant(): void {
    this.grant = null;
  }
}
