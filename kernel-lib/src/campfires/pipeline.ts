import { inspect } from 'node:util';
import { z } from 'zod';
import { CampfiresError, systemClock, validate, type Clock } from '../core';
import { TORCH_TAG, torchOf, type JsonValue, type Torch } from '../messages';
import { MemoryChannelBus, type ChannelBus, type Subscription } from '../channels';
import { PartyBox } from '../partybox';
import { DEFAULT_RUN_LOG_PATH, PIPELINE_EVENT, RunRecorder, SqliteRunLog, type RunEvent, type RunEventListener, type RunInfo, type RunLog } from '../runlog';
import { display, inKernel, LiveDisplay, revealOptionSchema, revealSettingsOf, thinkingTail, type MimeBundle, type TorchFlowThinking } from '../display';
import { torchFlowBundle } from './torch-flow-bundle';
import { torchFlowFromEvents } from './torch-flow-from-events';
import type { Campfire, CycleResult } from './campfire';
import { isCheckedTorch, type CamperToken } from './camper';
import { checkPipelineGraph } from './pipeline-graph';
import { PipelineRun } from './pipeline-run';
import { planResume, type ResumePlan } from './resume-plan';

/** What a pipeline is wired from. */
export interface PipelineOptions {
  /** The run name in the log. Default `pipeline`. */
  name?: string;
  campfires?: Campfire[];
  /** Default: a new in-memory bus. */
  bus?: ChannelBus;
  /** Where events go; null keeps them in memory only. Default null (use `createPipeline` for `torch_log.db`). */
  runLog?: RunLog | null;
  /** Given to campers that have no Party Box of their own. */
  partyBox?: PartyBox | null;
  clock?: Clock;
}

const runOptionsSchema = z
  .object({
    cycles: z.number().int().min(1).max(10_000_000).optional(),
    maxCycles: z.number().int().min(1).max(10_000_000).default(1000),
    display: z.boolean().optional(),
    liveThrottleMs: z.number().int().min(0).max(60_000).default(250),
    tokens: z.boolean().optional(),
    reveal: revealOptionSchema.optional(),
  })
  .strict();

/**
 * How long to run: `cycles` rounds of the source campfires, or (without it) until a round
 * where no source has anything to say. `display` shows the torch flow live (default: inside
 * a notebook kernel), updated at most once per `liveThrottleMs` (default 250). `tokens`
 * (default true) shows what working campers write before their torch — model campers then
 * stream — in the live display and to `onToken` listeners. `reveal` (default off; `true` is
 * `{ steps: 4, stepMs: 150 }`) also shows answers that did not stream (deterministic campers,
 * scripted or cassette models) in steps before they are final; it slows the run by
 * `steps × stepMs` per answer, and only while someone watches.
 */
export type PipelineRunOptions = z.input<typeof runOptionsSchema>;

const KEPT_IN_MEMORY = 20_000;

/** How often a live run tells the log its process is alive. */
const HEARTBEAT_EVERY_MS = 30_000;

/** The backend shown when every camper is a deterministic tool: no model is called. */
export const OFFLINE_BACKEND = 'offline (deterministic tool campers)';

/**
 * Campfires wired by channel names. `run` lights the source campfires (those with no
 * inputs) once per cycle; every torch flows on to the campfires that listen to its
 * channel, and every event goes to the run log.
 * @example const run = await new Pipeline({ campfires: [scrape, sentiment] }).run({ cycles: 3 });
 */
export class Pipeline {
  readonly name: string;
  readonly bus: ChannelBus;
  readonly runLog: RunLog | null;
  private readonly partyBox: PartyBox | null;
  private readonly clock: Clock;
  private readonly list: Campfire[] = [];
  private readonly listeners = new Set<RunEventListener>();
  private readonly tokenListeners = new Set<(token: CamperToken) => void>();
  private readonly runs: PipelineRun[] = [];
  private running = false;

  constructor(options: PipelineOptions = {}) {
    this.name = options.name ?? 'pipeline';
    this.bus = options.bus ?? new MemoryChannelBus();
    this.runLog = options.runLog ?? null;
    this.partyBox = options.partyBox ?? null;
    this.clock = options.clock ?? systemClock;
    this.add(...(options.campfires ?? []));
  }

  /** Adds campfires; refuses a duplicate name or wiring with a loop. */
  add(...campfires: Campfire[]): this {
    checkPipelineGraph([...this.list, ...campfires]);
    this.list.push(...campfires);
    for (const campfire of campfires) for (const camper of campfire.campers) camper.partyBox ??= this.partyBox;
    return this;
  }

  /** The campfires in the order they were added. */
  get campfires(): readonly Campfire[] {
    return this.list;
  }

  /** The campfire called `name`, if there is one. */
  campfire(name: string): Campfire | undefined {
    return this.list.find((campfire) => campfire.name === name);
  }

  /** Runs from earlier `run` calls, oldest first. */
  get history(): readonly PipelineRun[] {
    return this.runs;
  }

  /** Calls `listener` for every run-log event of every run, as it is appended; returns the unsubscribe function. */
  onEvent(listener: RunEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Calls `listener` with every piece of text a camper writes before its torch, in every run
   * from now on: a model camper's tokens as they stream in (its model is asked to stream
   * while anyone listens), and with `reveal` the steps of answers that did not stream.
   * Returns the unsubscribe function. Nothing of it is stored in the run log.
   * @example pipeline.onToken((token) => process.stdout.write(token.chunk));
   */
  onToken(listener: (token: CamperToken) => void): () => void {
    this.tokenListeners.add(listener);
    return () => {
      this.tokenListeners.delete(listener);
    };
  }

  /** Runs the pipeline; in a notebook kernel it shows the torch flow growing as torches pass, and what working campers write. */
  async run(options: PipelineRunOptions = {}): Promise<PipelineRun> {
    const settings = validate(runOptionsSchema, options, { what: 'pipeline run options', code: 'pipeline_run_invalid', field: 'options' });
    this.claim();
    const rounds: { [key: string]: JsonValue } = settings.cycles === undefined ? { maxCycles: settings.maxCycles } : { cycles: settings.cycles };
    return this.execute(settings, { rounds }, null);
  }

  /**
   * Continues a logged run whose process died (or that failed) from its last completed
   * round: a new run in the same log takes over the completed rounds' records (no camper is
   * called for them), each campfire takes up its cycle count and last torch, and the rounds
   * left are run. With campers that answer from their context (cycle, inputs), the final
   * torches equal an uninterrupted run's. The old run stays `interrupted`, with a
   * `run-resumed` event naming the new one. `runId` may be `latest`.
   * @example const run = await pipeline.resume('run_abc'); // pipeline built as before, on the same run log
   */
  async resume(runId: string, options: Omit<PipelineRunOptions, 'cycles' | 'maxCycles'> = {}): Promise<PipelineRun> {
    const settings = validate(runOptionsSchema, options, { what: 'pipeline resume options', code: 'pipeline_run_invalid', field: 'options' });
    const log = this.runLog;
    if (!log) throw new CampfiresError({ code: 'pipeline_resume_invalid', message: `pipeline "${this.name}" has no run log to resume from; build it with runLog set to the log of the run`, details: { pipeline: this.name } });
    const plan = planResume(log, runId, this.list.map((campfire) => campfire.describe()));
    this.claim();
    try {
      for (const campfire of this.list) campfire.restoreState(plan.campfires.get(campfire.name) ?? { cycles: 0, sent: 0, failures: 0, last: null, torchbearer: null });
    } catch (error) {
      this.running = false;
      throw error;
    }
    const limit = plan.rounds;
    const resumedSettings = { ...settings, ...(typeof limit.cycles === 'number' ? { cycles: limit.cycles } : { maxCycles: typeof limit.maxCycles === 'number' ? limit.maxCycles : settings.maxCycles }) };
    return this.execute(resumedSettings, { rounds: limit, resumeOf: plan.run.id, resumedAfterRound: plan.round }, plan);
  }

  /**
   * `resume` for a pipeline built from `options` on `runLog`: the same campfires (names and
   * channels) the run had, with campers that answer as before.
   * @example await Pipeline.resume(SqliteRunLog.open('torch_log.db'), 'latest', { name: 'live-alert', campfires });
   */
  static resume(runLog: RunLog, runId: string, options: Omit<PipelineOptions, 'runLog'> & Omit<PipelineRunOptions, 'cycles' | 'maxCycles'> = {}): Promise<PipelineRun> {
    const { display: show, liveThrottleMs, tokens, reveal, ...built } = options;
    const settings = Object.fromEntries(Object.entries({ display: show, liveThrottleMs, tokens, reveal }).filter(([, value]) => value !== undefined));
    return new Pipeline({ ...built, runLog }).resume(runId, settings);
  }

  private claim(): void {
    if (this.running) {
      throw new CampfiresError({ code: 'pipeline_busy', message: `pipeline "${this.name}" is already running; await the first run before starting another`, details: { pipeline: this.name } });
    }
    this.running = true;
  }

  private async execute(settings: z.output<typeof runOptionsSchema>, extraMeta: { [key: string]: JsonValue }, resumed: ResumePlan | null): Promise<PipelineRun> {
    const started = this.clock.now();
    const meta = { campfires: this.list.map((campfire) => campfire.describe()), backend: this.backend, ...extraMeta } as unknown as { [key: string]: JsonValue };
    let run: RunInfo;
    try {
      run = this.runLog
        ? this.runLog.startRun({ kind: 'pipeline', name: this.name, meta, ts: started })
        : { id: `run_memory_${this.runs.length + 1}`, kind: 'pipeline', name: this.name, status: 'running', startedAt: started, endedAt: null, meta };
    } catch (error) {
      this.running = false;
      throw error;
    }
    const kept: RunEvent[] = [];
    const counts = { torchesSent: 0, handoffs: 0, camperErrors: 0 };
    const byName = new Map(this.list.map((campfire) => [campfire.name, campfire]));
    const live = (settings.display ?? inKernel()) ? new LiveDisplay({ throttleMs: settings.liveThrottleMs }) : null;
    const recorder = new RunRecorder(this.runLog, run.id, this.clock);
    // "Campfire active" is live-only; without a display or a watcher nobody would see it.
    recorder.liveSignals = live !== null || this.listeners.size > 0 || this.list.some((campfire) => campfire.watched);
    // What working campers are writing now, one row per campfire: live only, never stored.
    const thinking = new Map<string, TorchFlowThinking>();
    const render = (): Promise<MimeBundle> => {
      const payload = torchFlowFromEvents(run, kept);
      if (thinking.size > 0 && payload.status === 'running') payload.thinking = [...thinking.values()];
      return torchFlowBundle(payload);
    };
    const tokens = settings.tokens !== false && (live !== null || this.tokenListeners.size > 0) ? this.tokenSink(thinking, live, render) : null;
    const reveal = tokens ? revealSettingsOf(settings.reveal) : null;
    recorder.listen((event) => {
      if (event.kind === PIPELINE_EVENT.torchSent) counts.torchesSent += 1;
      else if (event.kind === PIPELINE_EVENT.camperError) counts.camperErrors += 1;
      if (kept.length < KEPT_IN_MEMORY && (!this.runLog || live)) kept.push(event);
      if (event.campfire) byName.get(event.campfire)?.notify(event);
      if (thinking.size > 0 && event.campfire) clearThinking(thinking, event);
      for (const listener of this.listeners) listener(event);
      live?.update(render);
    });
    // Says this process is alive while the run lasts (a reader on another host goes by it).
    const heartbeat = this.runLog ? setInterval(() => this.heartbeat(run.id), HEARTBEAT_EVERY_MS) : null;
    heartbeat?.unref();
    const subscriptions: Subscription[] = [];
    let cycles = 0;
    let status: RunInfo['status'] = 'completed';
    try {
      if (resumed && this.runLog) {
        // The completed rounds, as the new run's own record: the same rows, no camper called.
        recorder.recordAll(resumed.events.map(({ kind, ts, campfire, camper, channel, messageId, data }) => ({ kind, ts, campfire, camper, channel, messageId, data })));
        recorder.flush();
        this.runLog.append(resumed.run.id, { kind: PIPELINE_EVENT.runResumed, data: { as: run.id, afterRound: resumed.round } });
        counts.handoffs = resumed.handoffs;
        cycles = resumed.round;
      }
      for (const campfire of this.list) {
        campfire.attach({ bus: this.bus, recorder, tokens, reveal });
        for (const channel of campfire.inputs) {
          subscriptions.push(
            await this.bus.subscribe(channel, campfire.name, async (message) => {
              const torch = isCheckedTorch(message.payload) && message.tags.includes(TORCH_TAG) ? message.payload : torchOf(message);
              // The handoff is stored in the receiving cycle's row (its inputs), not a row of its own.
              counts.handoffs += 1;
              await campfire.cycle([{ channel: message.channel, from: message.sender, messageId: message.id, torch, receivedAt: this.clock.now(), delivery: counts.handoffs }]);
            }),
          );
        }
      }
      const sources = this.list.filter((campfire) => campfire.isSource);
      const limit = settings.cycles ?? settings.maxCycles;
      let quiet = resumed?.quiet ?? false;
      while (!quiet && sources.length > 0 && cycles < limit) {
        cycles += 1;
        const results: CycleResult[] = await Promise.all(sources.map((source) => source.cycle()));
        await this.settle();
        quiet = settings.cycles === undefined && results.every((result) => result.torch === null);
        // The round's record is complete: a resume starts after the last round that says so.
        recorder.record({ kind: PIPELINE_EVENT.roundEnded, data: quiet ? { round: cycles, quiet } : { round: cycles } });
      }
      await this.settle();
    } catch (error) {
      status = 'failed';
      throw error;
    } finally {
      if (heartbeat) clearInterval(heartbeat);
      for (const subscription of subscriptions) await subscription.unsubscribe();
      recorder.flush();
      for (const campfire of this.list) campfire.attach(null);
      const ended = this.clock.now();
      const finished: RunInfo = this.runLog ? this.runLog.endRun(run.id, status, ended) : { ...run, status, endedAt: ended };
      Object.assign(run, finished);
      // The last update is the final state: the run's status, every torch, no text being written.
      thinking.clear();
      live?.update(render);
      await live?.close();
      this.running = false;
      const listened = new Set(this.list.flatMap((campfire) => campfire.inputs));
      const finals: Record<string, Torch> = {};
      for (const campfire of this.list) {
        if (campfire.lastTorch && (campfire.output === null || !listened.has(campfire.output))) finals[campfire.name] = campfire.lastTorch;
      }
      // Live-only signals are for the display; the run's events are what a log would hold.
      const events = kept.filter((event) => event.kind !== PIPELINE_EVENT.campfireStatus);
      this.runs.push(new PipelineRun({ run: finished, cycles, ...counts, durationMs: ended - started, finals }, this.runLog, events));
    }
    return this.runs[this.runs.length - 1] as PipelineRun;
  }

  /** Where campers' tokens go in a run: the campfire's row of the live display, and `onToken` listeners. */
  private tokenSink(thinking: Map<string, TorchFlowThinking>, live: LiveDisplay | null, render: () => Promise<MimeBundle>): (token: CamperToken) => Promise<void> | undefined {
    return (token) => {
      thinking.set(token.campfire, { campfire: token.campfire, camper: token.camper, cycle: token.cycle, text: thinkingTail(token.text), revealed: token.revealed });
      live?.update(render);
      for (const listener of this.tokenListeners) {
        try {
          listener(token);
        } catch (error) {
          process.stderr.write(`campfires: an onToken listener failed: ${(error as Error)?.message ?? error}\n`);
        }
      }
      // A revealed step waits until the display has shown it, so none is skipped.
      return token.revealed && live ? live.whenShown() : undefined;
    };
  }

  private heartbeat(runId: string): void {
    try {
      this.runLog?.heartbeat(runId);
    } catch {
      // A busy or closed log: the next beat tries again; the run itself reports real failures.
    }
  }

  /** What kind of campers answer here: `tool`, a provider, or several joined by `+`. */
  get backend(): string {
    const backends = [...new Set(this.list.flatMap((campfire) => campfire.campers.map((camper) => camper.backend)))];
    if (backends.length === 1 && backends[0] === 'tool') return OFFLINE_BACKEND;
    return backends.join('+') || 'none';
  }

  /** Waits until no torch is in flight and no campfire is mid-cycle. */
  private async settle(): Promise<void> {
    // A bus handler awaits the campfire's cycle, and a cycle publishes before it ends, so a
    // drained bus means the cascade is over; the loop covers buses that drain differently.
    // Runs once per round: plain loops, and only busy campfires are awaited.
    for (;;) {
      const before = this.totalCycles();
      await this.bus.drain();
      for (const campfire of this.list) if (campfire.busy) await campfire.idle();
      if (this.totalCycles() === before) return;
    }
  }

  private totalCycles(): number {
    let total = 0;
    for (const campfire of this.list) total += campfire.cycleCount;
    return total;
  }

  /** The last run's torch flow (or the wiring alone before any run). */
  async toMimeBundle(): Promise<MimeBundle> {
    const last = this.runs[this.runs.length - 1];
    if (last) return last.toMimeBundle();
    const meta = { campfires: this.list.map((campfire) => campfire.describe()), backend: this.backend } as unknown as { [key: string]: JsonValue };
    return torchFlowBundle(torchFlowFromEvents({ id: 'not-run', kind: 'pipeline', name: this.name, status: 'running', startedAt: 0, endedAt: null, meta }, []));
  }

  /** Displays the pipeline's torch flow in the notebook. */
  show(): Promise<void> {
    return display(this);
  }

  /** One-line summary for notebooks. */
  [inspect.custom](): string {
    const sources = this.list.filter((campfire) => campfire.isSource).length;
    const log = this.runLog ? `log ${this.runLog.path}` : 'no run log';
    return `Pipeline ${this.name}: ${this.list.length} campfires (${sources} source${sources === 1 ? '' : 's'}), ${this.runs.length} run${this.runs.length === 1 ? '' : 's'}, ${log}`;
  }
}

/** The torch (or the end) of a campfire's cycle, or a camper's failure, replaces what was being written for it. */
function clearThinking(thinking: Map<string, TorchFlowThinking>, event: RunEvent): void {
  const campfire = event.campfire as string;
  const row = thinking.get(campfire);
  if (!row) return;
  if (event.kind === PIPELINE_EVENT.camperError) {
    if (row.camper === event.camper) thinking.delete(campfire);
    return;
  }
  if (event.kind !== PIPELINE_EVENT.torchSent && event.kind !== PIPELINE_EVENT.cycleEnded) return;
  // A later cycle's text, written before this event was told, stays.
  const cycle = (event.data as { cycle?: unknown } | null)?.cycle;
  if (typeof cycle !== 'number' || row.cycle <= cycle) thinking.delete(campfire);
}

/**
 * A pipeline with the embedded defaults wired in: an in-memory bus, the run log in
 * `torch_log.db` (or the path given) and a Party Box in `./party_box`.
 * @example const pipeline = createPipeline({ name: 'live-alert', campfires });
 */
export function createPipeline(options: Omit<PipelineOptions, 'runLog' | 'partyBox'> & { runLog?: RunLog | string | null; partyBox?: PartyBox | string | null } = {}): Pipeline {
  const runLog = options.runLog === undefined || typeof options.runLog === 'string' ? SqliteRunLog.open(options.runLog ?? DEFAULT_RUN_LOG_PATH) : options.runLog;
  const partyBox = options.partyBox === undefined || typeof options.partyBox === 'string' ? PartyBox.local(options.partyBox ?? './party_box', { clock: options.clock }) : options.partyBox;
  return new Pipeline({ ...options, runLog, partyBox });
}
