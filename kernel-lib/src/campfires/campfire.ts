import { inspect } from 'node:util';
import { z } from 'zod';
import { errorToJson, newId, systemClock, validate, ValidationError, type Clock } from '../core';
import { TORCH_TAG, channelNameSchema, createErrorTorch, createTorch, isErrorTorch, type JsonValue, type Message, type Torch } from '../messages';
import type { ChannelBus } from '../channels';
import type { PartyBox } from '../partybox';
import { cycleRowData, PIPELINE_EVENT, RunRecorder, type LoggedInput, type RunEvent, type RunEventInit, type RunEventListener } from '../runlog';
import { display, pause, revealPieces, type MimeBundle, type RevealSettings } from '../display';
import { torchFlowBundle } from './torch-flow-bundle';
import { torchFlowFromEvents } from './torch-flow-from-events';
import { Camper, checkAnswer, checkName, type CamperContext, type CamperToken, type ReceivedTorch, type SentTorch, type StoredRun, type TorchPublisher } from './camper';
import { CampfireHistory } from './campfire-history';
import { isThenable } from './is-thenable';
import { notTorchbearerError, TorchbearerGrant } from './torchbearer';

/** How a campfire's campers collaborate: `refine` (each refines the previous answer, the last is final) or `best-of` (highest confidence wins). */
export type CampfireStrategy = 'refine' | 'best-of';

/** What a campfire is made of. */
export interface CampfireOptions {
  name: string;
  /** 1-N campers; in `refine` their order is the order they speak in. */
  campers: Camper[];
  /** Channels it listens on; a campfire with none is a source, lit by the pipeline each cycle. */
  inputs?: string[];
  /** The channel its torchbearer writes to; null keeps the torch as the campfire's result only. */
  output?: string | null;
  strategy?: CampfireStrategy;
  /** Given to campers that have no Party Box of their own. */
  partyBox?: PartyBox | null;
  clock?: Clock;
}

/** What one cycle produced. */
export interface CycleResult {
  campfire: string;
  cycle: number;
  /** The torch sent, or null when every camper had nothing to say. */
  torch: Torch | null;
  torchbearer: string | null;
  messageId: string | null;
  /** Campers that threw this cycle. */
  errors: number;
}

/** What a pipeline gives a campfire while it runs. */
export interface CampfireRuntime {
  bus: ChannelBus | null;
  recorder: RunRecorder;
  /**
   * Called with every piece of text a camper writes before its torch; left out, campers are
   * not watched (models do not stream). A promise it returns for a revealed step holds the
   * next step until it settles (a live display: until the step was shown).
   */
  tokens?: ((token: CamperToken) => void | Promise<void>) | null;
  /** Reveal answers that did not stream in steps before they are final (only while `tokens` is set). */
  reveal?: RevealSettings | null;
}

const optionsSchema = z.object({
  name: z.string(),
  campers: z.array(z.instanceof(Camper, { message: 'each camper must be a Camper (extend Camper or use createToolCamper)' })).min(1, 'a campfire needs at least one camper'),
  inputs: z.array(channelNameSchema).default([]),
  output: channelNameSchema.nullable().default(null),
  strategy: z.enum(['refine', 'best-of']).default('refine'),
});

const ignore = (): undefined => undefined;

const NO_INPUTS: readonly ReceivedTorch[] = Object.freeze([]);

/** A received torch as campers see it: frozen, its torch checked (and so frozen too). */
function frozenInput(input: ReceivedTorch): ReceivedTorch {
  const torch = createTorch(input.torch);
  return Object.freeze(torch === input.torch && Object.isFrozen(input) ? input : { ...input, torch });
}

/**
 * Whether `torch` replaces `best` as a cycle's final answer. `refine`: the last answer that
 * is not an error; `best-of`: the most confident answer that is not an error, the first on
 * a tie. Errors count only while no camper has answered properly: then the last error is final.
 */
function isBetterAnswer(strategy: CampfireStrategy, torch: Torch, best: Torch | null): boolean {
  if (best === null) return true;
  if (isErrorTorch(torch)) return isErrorTorch(best);
  if (isErrorTorch(best)) return true;
  return strategy === 'refine' || torch.confidence > best.confidence;
}

/**
 * A small group of campers that turns what it hears into exactly one torch per cycle.
 * The camper whose answer is final becomes the torchbearer: it alone may write that torch
 * to the output channel, once, and then listens again.
 * @example const fire = new Campfire({ name: 'sentiment', campers: [reader, scorer], inputs: ['headlines'], output: 'sentiment' });
 */
export class Campfire implements TorchPublisher {
  readonly name: string;
  readonly campers: readonly Camper[];
  readonly inputs: readonly string[];
  readonly output: string | null;
  readonly strategy: CampfireStrategy;
  readonly partyBox: PartyBox | null;
  private readonly clock: Clock;
  private readonly ownRecorder: RunRecorder;
  private runtime: CampfireRuntime | null = null;
  private readonly listeners = new Set<RunEventListener>();
  private readonly history: CampfireHistory;
  private activeGrant: TorchbearerGrant | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private cycles = 0;
  private pendingCycles = 0;
  private sent = 0;
  private failures = 0;
  private last: Torch | null = null;

  constructor(options: CampfireOptions) {
    checkName('campfire', options?.name);
    const checked = validate(optionsSchema, options, { what: `campfire "${options.name}"`, code: 'campfire_invalid', field: 'campfire' });
    const names = checked.campers.map((camper) => camper.name);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate) {
      throw new ValidationError({
        code: 'campfire_invalid',
        message: `campfire "${checked.name}" has two campers named "${duplicate}"; camper names must differ within a campfire`,
        issues: [{ field: 'campfire.campers', message: 'duplicate camper name', given: duplicate, allowed: 'distinct names' }],
      });
    }
    if (checked.output !== null && checked.inputs.includes(checked.output)) {
      throw new ValidationError({
        code: 'campfire_invalid',
        message: `campfire "${checked.name}" would listen to its own output channel "${checked.output}" and feed itself forever`,
        issues: [{ field: 'campfire.output', message: 'output is also an input', given: checked.output, allowed: `a channel not in [${checked.inputs.join(', ')}]` }],
      });
    }
    this.name = checked.name;
    this.campers = checked.campers;
    this.inputs = checked.inputs;
    this.output = checked.output;
    this.strategy = checked.strategy;
    this.partyBox = options.partyBox ?? null;
    this.clock = options.clock ?? systemClock;
    this.history = new CampfireHistory(this.name);
    this.ownRecorder = new RunRecorder(null, `campfire-${this.name}`, this.clock, { batchSize: 1 });
    this.ownRecorder.listen((event) => this.notify(event));
    for (const camper of this.campers) camper.joinCampfire(this, this.partyBox, this.clock);
  }

  /** True when it listens to no channel (the pipeline lights it each cycle). */
  get isSource(): boolean {
    return this.inputs.length === 0;
  }

  /** Cycles run so far. */
  get cycleCount(): number {
    return this.cycles;
  }

  /** The last torch this campfire sent. */
  get lastTorch(): Torch | null {
    return this.last;
  }

  /** Calls `listener` for every run-log event about this campfire; returns the unsubscribe function. */
  onEvent(listener: RunEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** True when someone listens to this campfire's events (`onEvent`). */
  get watched(): boolean {
    return this.listeners.size > 0;
  }

  /** Runs one cycle on `inputs` (cycles of one campfire never overlap). */
  cycle(received: readonly ReceivedTorch[] = []): Promise<CycleResult> {
    // The campers get a frozen copy: the list, each entry and each (checked, frozen) torch.
    const inputs = received.length === 0 ? NO_INPUTS : Object.freeze(received.map(frozenInput));
    this.pendingCycles += 1;
    // An idle campfire starts at once; a busy one queues behind the cycles before it.
    const next = this.pendingCycles === 1 ? this.runCycle(inputs) : this.queue.then(() => this.runCycle(inputs));
    this.queue = next.catch(ignore);
    return next;
  }

  /** True while a cycle is running or waiting to run. */
  get busy(): boolean {
    return this.pendingCycles > 0;
  }

  /** Resolves when every cycle asked for so far has finished. */
  async idle(): Promise<void> {
    await this.queue;
  }

  /** Used by a pipeline: where to publish and record while it runs. */
  attach(runtime: CampfireRuntime | null): void {
    this.runtime = runtime;
    const log = runtime?.recorder.log;
    if (log) this.history.followRun(log, runtime.recorder.runId);
  }

  /** Called by a camper's `publish`: sends the torch if `grant` is this cycle's unused grant for that camper. */
  async publishAsTorchbearer(camper: Camper, torch: Torch, grant: TorchbearerGrant | null): Promise<SentTorch> {
    if (!this.campers.includes(camper)) throw notTorchbearerError(camper.name, this.name, this.output, 'it is not a camper of this campfire');
    if (!grant) throw notTorchbearerError(camper.name, this.name, this.output, 'it holds no torchbearer grant');
    if (grant !== this.activeGrant || grant.camper !== camper.name) throw notTorchbearerError(camper.name, this.name, this.output, 'its grant is not this cycle\'s');
    if (grant.used) throw notTorchbearerError(camper.name, this.name, this.output, 'its grant was already used');
    grant.used = true;
    const inputs = this.currentInputs;
    const antecedents = inputs.map((input) => input.messageId);
    const messageId = this.nextMessageId();
    const now = this.clock.now();
    // Built directly: the torch was validated by the camper, the channel and sender by the constructor.
    const message: Message | null = this.output
      ? { id: messageId, channel: this.output, sender: this.name, tags: [TORCH_TAG], payload: torch as unknown as JsonValue, antecedents, signature: null, ts: now }
      : null;
    // The cycle's one row: who carried which torch, what it answered, when the campfire was active.
    this.record(PIPELINE_EVENT.torchSent, cycleRowData(grant.cycle, this.activeAt, this.loggedInputs(inputs), torch as unknown as JsonValue), camper.name, this.output, messageId, now);
    this.sent += 1;
    this.last = torch;
    if (message && this.runtime?.bus) await this.runtime.bus.publish(message);
    return { messageId, channel: this.output, torch };
  }

  /** The camper holding this cycle's grant, else the last to carry this campfire's torch. */
  private torchbearer: string | null = null;

  /**
   * Used by `Pipeline.resume`: takes up where a logged run left this campfire (cycles run,
   * torches sent, camper errors, the last torch and its torchbearer), so its next cycle is
   * numbered as it would have been.
   */
  restoreState(state: { cycles: number; sent: number; failures: number; last: Torch | null; torchbearer: string | null }): void {
    if (this.busy) throw new ValidationError({ code: 'campfire_busy', message: `campfire "${this.name}" is mid-cycle; its state can be restored only while it is idle`, issues: [] });
    this.cycles = state.cycles;
    this.sent = state.sent;
    this.failures = state.failures;
    this.last = state.last === null ? null : createTorch(state.last);
    this.torchbearer = state.torchbearer;
  }

  /** True while someone watches this campfire's campers write (set by a pipeline with a live display or `onToken`). */
  get tokensWatched(): boolean {
    return Boolean(this.runtime?.tokens);
  }

  /** What the camper speaking now wrote so far in this turn. */
  private writing: { camper: string; attempt: number; text: string; pieces: number } | null = null;

  /** Called by a camper's `emitToken`: passes the piece on, with the text of its attempt so far. */
  camperToken(camper: Camper, chunk: string, attempt: number): void {
    if (!this.runtime?.tokens || !this.campers.includes(camper) || typeof chunk !== 'string' || chunk === '') return;
    let writing = this.writing;
    if (!writing || writing.camper !== camper.name || writing.attempt !== attempt) writing = this.writing = { camper: camper.name, attempt, text: '', pieces: 0 };
    writing.text += chunk;
    writing.pieces += 1;
    this.tellToken({ campfire: this.name, camper: camper.name, cycle: this.cycles, attempt, chunk, text: writing.text, revealed: false });
  }

  private tellToken(token: CamperToken): Promise<void> | undefined {
    try {
      return this.runtime?.tokens?.(token) ?? undefined;
    } catch (error) {
      process.stderr.write(`campfires: an onToken listener of campfire "${this.name}" failed: ${(error as Error)?.message ?? error}\n`);
      return undefined;
    }
  }

  /**
   * Shows an answer that came in one piece or none (a deterministic camper, a scripted or
   * cassette model) being written, in the steps `reveal` asks for, before it is final.
   */
  private async reveal(camper: Camper, torch: Torch, cycle: number): Promise<void> {
    const settings = this.runtime?.reveal;
    if (!settings || !this.runtime?.tokens || isErrorTorch(torch)) return;
    if (this.writing && this.writing.camper === camper.name && this.writing.pieces > 1) return;
    let text = '';
    for (const chunk of revealPieces(torch.claim, settings.steps)) {
      text += chunk;
      const shown = this.tellToken({ campfire: this.name, camper: camper.name, cycle, attempt: 1, chunk, text, revealed: true });
      // Each step stays at least `stepMs`, and until a live display has shown it.
      await Promise.all([pause(settings.stepMs), shown?.catch(() => undefined)]);
    }
  }

  /** Called by a camper's `recordEvent`: one event of its turn, in this campfire's run log. */
  recordCamperEvent(camper: Camper, kind: string, data: JsonValue): void {
    if (this.campers.includes(camper)) this.record(kind, data, camper.name);
  }

  /** Called by a camper's `recordEvents`: events of its turn, in order, in this campfire's run (stamped by its clock); where that run is stored. */
  recordCamperEvents(camper: Camper, events: readonly RunEventInit[]): StoredRun | null {
    if (!this.campers.includes(camper)) return null;
    for (const event of events) this.record(event.kind, event.data ?? null, camper.name);
    const { log, runId } = this.recorder;
    return log ? { log, runId } : null;
  }

  private currentInputs: readonly ReceivedTorch[] = [];
  /** When the current (or last) cycle began. */
  private activeAt = 0;

  private async runCycle(inputs: readonly ReceivedTorch[]): Promise<CycleResult> {
    try {
      this.cycles += 1;
      const cycle = this.cycles;
      this.currentInputs = inputs;
      this.activeAt = this.clock.now();
      const recorder = this.recorder;
      recorder.setStatus({ campfire: this.name, status: 'active', cycle, torchbearer: this.torchbearer, since: this.activeAt });
      if (recorder.wantsSignals) this.signal(PIPELINE_EVENT.campfireStatus, { status: 'active', cycle });
      let errors = 0;
      // The final answer so far (see `isBetterAnswer`): kept as it comes, no list of answers.
      let finalCamper: Camper | null = null;
      let finalTorch: Torch | null = null;
      let previous: Torch | null = null;
      for (const camper of this.campers) {
        let torch: Torch | null;
        try {
          // Await only a promise: a plain function camper answers without one (a subclass
          // that overrides `answer` itself is still asked through it).
          // Frozen, as the torches in it: a camper reads what it is handed and answers with a new torch.
          const context: CamperContext = Object.freeze({ campfire: this.name, cycle, inputs, previous: this.strategy === 'refine' ? previous : null, partyBox: camper.partyBox, clock: this.clock });
          this.writing = null;
          const given = camper.answer === Camper.prototype.answer ? camper.respond(context) : camper.answer(context);
          // Checked every time it leaves a camper (a subclass's own `answer` included); a checked torch is frozen, so the check is free.
          torch = checkAnswer(isThenable(given) ? await given : given);
          if (torch && this.runtime?.reveal) await this.reveal(camper, torch, cycle);
        } catch (error) {
          errors += 1;
          this.failures += 1;
          this.record(PIPELINE_EVENT.camperError, { cycle, error: errorToJson(error) as unknown as JsonValue }, camper.name);
          torch = createErrorTorch(error, camper.name);
        }
        if (!torch) continue;
        if (isBetterAnswer(this.strategy, torch, finalTorch)) {
          finalCamper = camper;
          finalTorch = torch;
        }
        if (!isErrorTorch(torch)) previous = torch;
      }
      let result: CycleResult;
      if (finalCamper && finalTorch) {
        const grant = new TorchbearerGrant(this.name, finalCamper.name, this.output, cycle);
        this.activeGrant = grant;
        this.torchbearer = finalCamper.name;
        recorder.setStatus({ campfire: this.name, status: 'active', cycle, torchbearer: finalCamper.name, since: this.activeAt });
        finalCamper.receiveGrant(grant);
        try {
          const sent = await finalCamper.publish(finalTorch);
          result = { campfire: this.name, cycle, torch: sent.torch, torchbearer: finalCamper.name, messageId: sent.messageId, errors };
        } finally {
          finalCamper.revokeGrant();
          this.activeGrant = null;
        }
      } else {
        result = { campfire: this.name, cycle, torch: null, torchbearer: null, messageId: null, errors };
      }
      // A torch sent is the cycle's row; a cycle that sent none still records that it ran.
      if (!result.torch) this.record(PIPELINE_EVENT.cycleEnded, cycleRowData(cycle, this.activeAt, this.loggedInputs(inputs), null));
      this.currentInputs = [];
      // Failed: its final answer is an error torch (every camper failed).
      recorder.setStatus({ campfire: this.name, status: result.torch && isErrorTorch(result.torch) ? 'failed' : 'idle', cycle, torchbearer: this.torchbearer, since: this.clock.now() });
      return result;
    } catch (error) {
      this.recorder.setStatus({ campfire: this.name, status: 'failed', cycle: this.cycles, torchbearer: this.torchbearer, since: this.clock.now() });
      throw error;
    } finally {
      this.pendingCycles -= 1;
    }
  }

  /** Queues one event about this campfire (one object per event: this is the hot path). */
  private record(kind: string, data: JsonValue, camper: string | null = null, channel: string | null = null, messageId: string | null = null, ts = this.clock.now()): void {
    const event: RunEventInit = { kind, ts, campfire: this.name, camper, channel, messageId, data };
    this.recorder.record(event);
  }

  /** Tells live listeners something the log does not store (the row of the cycle has it). */
  private signal(kind: string, data: JsonValue): void {
    this.recorder.signal({ kind, ts: this.activeAt, campfire: this.name, data });
  }

  /** Where this campfire's events go: its pipeline's (or worker's) recorder, else its own. */
  private get recorder(): RunRecorder {
    return this.runtime?.recorder ?? this.ownRecorder;
  }

  /** The inputs as a cycle row lists them. */
  private loggedInputs(inputs: readonly ReceivedTorch[]): LoggedInput[] {
    // One literal with every field (an absent delivery is left out by JSON): cheaper than adding it after.
    return inputs.map((input) => ({ messageId: input.messageId, from: input.from, channel: input.channel, ts: input.receivedAt ?? this.activeAt, delivery: input.delivery }));
  }

  private messageBase = '';
  private messageCount = 0;

  /** Unique message ids without a random draw per torch: one `newId` per campfire, then a counter. */
  private nextMessageId(): string {
    if (!this.messageBase || this.messageCount >= 1_000_000) {
      this.messageBase = newId('msg');
      this.messageCount = 0;
    }
    this.messageCount += 1;
    return `${this.messageBase}.${this.messageCount}`;
  }

  /** Called for each appended event about this campfire. */
  notify(event: RunEvent): void {
    // Events of a logged run are read back from the log when shown; only the others are kept.
    if (!this.runtime?.recorder.log) this.history.keep(event);
    if (this.listeners.size === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        process.stderr.write(`campfires: an onEvent listener of campfire "${this.name}" failed: ${(error as Error)?.message ?? error}\n`);
      }
    }
  }

  /** The campfire's recent events: those of its last logged run, read back from the log, then any since. */
  recentEvents(): RunEvent[] {
    this.ownRecorder.flush();
    return this.history.events();
  }

  /** The campfire's recent torches as a torch-flow bundle. */
  async toMimeBundle(): Promise<MimeBundle> {
    const events = this.recentEvents();
    const run = {
      id: `campfire-${this.name}`,
      kind: 'pipeline',
      name: `campfire ${this.name}`,
      status: 'completed' as const,
      startedAt: events[0]?.ts ?? this.clock.now(),
      endedAt: null,
      meta: { campfires: [this.describe()], backend: this.backend },
    };
    return torchFlowBundle(torchFlowFromEvents(run, events));
  }

  /** Displays the campfire's recent torch flow in the notebook. */
  show(): Promise<void> {
    return display(this);
  }

  /** What kind of campers answer here: `tool`, a provider, or several joined by `+`. */
  get backend(): string {
    return [...new Set(this.campers.map((camper) => camper.backend))].join('+');
  }

  /** The shape written to the run's meta. */
  describe(): { name: string; campers: string[]; inputs: string[]; output: string | null } {
    return { name: this.name, campers: this.campers.map((camper) => camper.name), inputs: [...this.inputs], output: this.output };
  }

  /** One-line summary for notebooks. */
  [inspect.custom](): string {
    const inputs = this.inputs.length > 0 ? `[${this.inputs.join(', ')}]` : '(source)';
    return `Campfire ${this.name}: ${this.campers.length} camper${this.campers.length === 1 ? '' : 's'} (${this.strategy}), ${inputs} -> ${this.output ?? '(no channel)'}, ${this.cycles} cycles, ${this.sent} torches sent, ${this.failures} camper errors`;
  }
}
