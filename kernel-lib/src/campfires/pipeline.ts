import { inspect } from 'node:util';
import { z } from 'zod';
import { CampfiresError, systemClock, validate, type Clock } from '../core';
import { TORCH_TAG, torchOf, type JsonValue, type Torch } from '../messages';
import { MemoryChannelBus, type ChannelBus, type Subscription } from '../channels';
import { PartyBox } from '../partybox';
import { DEFAULT_RUN_LOG_PATH, PIPELINE_EVENT, RunRecorder, SqliteRunLog, type RunEvent, type RunEventListener, type RunInfo, type RunLog } from '../runlog';
import { display, inKernel, LiveDisplay, type MimeBundle } from '../display';
import { torchFlowBundle } from './torch-flow-bundle';
import { torchFlowFromEvents } from './torch-flow-from-events';
import type { Campfire, CycleResult } from './campfire';
import { isCheckedTorch } from './camper';
import { checkPipelineGraph } from './pipeline-graph';
import { PipelineRun } from './pipeline-run';

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
  })
  .strict();

/** How long to run: `cycles` rounds of the source campfires, or (without it) until a round where no source has anything to say. */
export type PipelineRunOptions = z.input<typeof runOptionsSchema>;

const KEPT_IN_MEMORY = 20_000;

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

  /** Runs the pipeline; in a notebook kernel it shows the torch flow growing as torches pass. */
  async run(options: PipelineRunOptions = {}): Promise<PipelineRun> {
    const settings = validate(runOptionsSchema, options, { what: 'pipeline run options', code: 'pipeline_run_invalid', field: 'options' });
    if (this.running) {
      throw new CampfiresError({ code: 'pipeline_busy', message: `pipeline "${this.name}" is already running; await the first run before starting another`, details: { pipeline: this.name } });
    }
    this.running = true;
    const started = this.clock.now();
    const meta = { campfires: this.list.map((campfire) => campfire.describe()), backend: this.backend } as unknown as { [key: string]: JsonValue };
    const run: RunInfo = this.runLog
      ? this.runLog.startRun({ kind: 'pipeline', name: this.name, meta, ts: started })
      : { id: `run_memory_${this.runs.length + 1}`, kind: 'pipeline', name: this.name, status: 'running', startedAt: started, endedAt: null, meta };
    const kept: RunEvent[] = [];
    const counts = { torchesSent: 0, handoffs: 0, camperErrors: 0 };
    const byName = new Map(this.list.map((campfire) => [campfire.name, campfire]));
    const live = (settings.display ?? inKernel()) ? new LiveDisplay({ throttleMs: settings.liveThrottleMs }) : null;
    const recorder = new RunRecorder(this.runLog, run.id, this.clock);
    // "Campfire active" is live-only; without a display or a watcher nobody would see it.
    recorder.liveSignals = live !== null || this.listeners.size > 0 || this.list.some((campfire) => campfire.watched);
    recorder.listen((event) => {
      if (event.kind === PIPELINE_EVENT.torchSent) counts.torchesSent += 1;
      else if (event.kind === PIPELINE_EVENT.camperError) counts.camperErrors += 1;
      if (kept.length < KEPT_IN_MEMORY && (!this.runLog || live)) kept.push(event);
      if (event.campfire) byName.get(event.campfire)?.notify(event);
      for (const listener of this.listeners) listener(event);
      live?.update(() => torchFlowBundle(torchFlowFromEvents(run, kept)));
    });
    const subscriptions: Subscription[] = [];
    let cycles = 0;
    let status: RunInfo['status'] = 'completed';
    try {
      for (const campfire of this.list) {
        campfire.attach({ bus: this.bus, recorder });
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
      while (sources.length > 0 && cycles < limit) {
        cycles += 1;
        const results: CycleResult[] = await Promise.all(sources.map((source) => source.cycle()));
        await this.settle();
        if (settings.cycles === undefined && results.every((result) => result.torch === null)) break;
      }
      await this.settle();
    } catch (error) {
      status = 'failed';
      throw error;
    } finally {
      for (const subscription of subscriptions) await subscription.unsubscribe();
      recorder.flush();
      for (const campfire of this.list) campfire.attach(null);
      const ended = this.clock.now();
      const finished: RunInfo = this.runLog ? this.runLog.endRun(run.id, status, ended) : { ...run, status, endedAt: ended };
      Object.assign(run, finished);
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
