import { inspect } from 'node:util';
import { systemClock, type Clock } from '../core';
import { createMessage, torchOf, TORCH_TAG, type JsonValue, type Message, type Torch } from '../messages';
import type { ChannelBus, Subscription } from '../channels';
import { loggedAntecedents, PIPELINE_EVENT, RunRecorder, type RunInfo, type RunLog } from '../runlog';
import type { Campfire, CycleResult } from './campfire';
import { Pipeline } from './pipeline';

/** What a `CampfireWorker` needs: the campfire, and the bus and run log it shares with the other processes of the run. */
export interface CampfireWorkerOptions {
  campfire: Campfire;
  /** A bus that spans processes, such as a `RedisChannelBus`. */
  bus: ChannelBus;
  /** The run log file every process of the run appends to. */
  runLog: RunLog;
  /** The run started by `startSharedRun`. */
  runId: string;
  /** Waits this long after a torch arrives before the campfire answers (for watching a demo; default 0). */
  paceMs?: number;
  clock?: Clock;
}

/**
 * Starts a pipeline run in a shared run log for campfires that will run in separate
 * processes (each under a `CampfireWorker`); the meta is the one `Pipeline.run` writes.
 */
export function startSharedRun(runLog: RunLog, name: string, campfires: Campfire[], clock: Clock = systemClock): RunInfo {
  const backend = new Pipeline({ campfires: [...campfires] }).backend;
  const meta = { campfires: campfires.map((campfire) => campfire.describe()), backend } as unknown as { [key: string]: JsonValue };
  return runLog.startRun({ kind: 'pipeline', name, meta, ts: clock.now() });
}

/**
 * Runs one campfire of a shared pipeline run in this process: it listens on the
 * campfire's input channels of a cross-process bus and writes the same run-log events
 * a `Pipeline` writes. Events are written before the torch leaves, and a torch that
 * comes back because an earlier process died while handling it is finished from the
 * run log: a handoff already recorded is not recorded again, and a torch already sent
 * is sent again under its own id (which receivers drop as a duplicate) instead of
 * running the cycle twice.
 * @example const worker = await new CampfireWorker({ campfire, bus, runLog, runId }).start();
 */
export class CampfireWorker {
  readonly campfire: Campfire;
  readonly runId: string;
  private readonly bus: ChannelBus;
  private readonly runLog: RunLog;
  private readonly recorder: RunRecorder;
  private readonly paceMs: number;
  private readonly clock: Clock;
  private subscriptions: Subscription[] = [];
  private handled = 0;
  private recovered = 0;

  constructor(options: CampfireWorkerOptions) {
    this.campfire = options.campfire;
    this.runId = options.runId;
    this.bus = options.bus;
    this.runLog = options.runLog;
    this.paceMs = options.paceMs ?? 0;
    this.clock = options.clock ?? systemClock;
    this.recorder = new RunRecorder(options.runLog, options.runId, this.clock);
    this.recorder.listen((event) => this.campfire.notify(event));
  }

  /** Attaches the campfire and subscribes it to its inputs (as the campfire's name, so its processes share the work). */
  async start(): Promise<this> {
    const { bus, recorder } = this;
    // The run log is written before a torch leaves, so a process killed after sending leaves a record of it.
    const flushing: ChannelBus = {
      publish: async (message) => {
        recorder.flush();
        await bus.publish(message);
      },
      subscribe: (channel, subscriber, handler) => bus.subscribe(channel, subscriber, handler),
      drain: () => bus.drain(),
      close: () => bus.close(),
    };
    this.campfire.attach({ bus: flushing, recorder });
    for (const channel of this.campfire.inputs) {
      this.subscriptions.push(await this.bus.subscribe(channel, this.campfire.name, (message) => this.handle(message)));
    }
    return this;
  }

  /** Runs one cycle of a source campfire (one with no inputs). */
  async light(): Promise<CycleResult> {
    const result = await this.campfire.cycle();
    this.recorder.flush();
    return result;
  }

  /** Stops listening; entries not yet handled stay with the campfire's other processes or its next start. */
  async stop(): Promise<void> {
    for (const subscription of this.subscriptions.splice(0)) await subscription.unsubscribe();
    await this.campfire.idle();
    this.recorder.flush();
    this.campfire.attach(null);
  }

  /** Torches handled here, and how many of them were finished for a process that died. */
  get stats(): { handled: number; recovered: number } {
    return { handled: this.handled, recovered: this.recovered };
  }

  private async handle(message: Message): Promise<void> {
    const torch = torchOf(message);
    const earlier = this.earlierAttempt(message.id);
    this.handled += 1;
    if (earlier.done) {
      this.recovered += 1;
      if (earlier.sent) await this.bus.publish(earlier.sent);
      return;
    }
    if (earlier.received) this.recovered += 1;
    else {
      // Stored before the work starts, so a process that dies mid-cycle leaves the receipt behind.
      this.recorder.record({ kind: PIPELINE_EVENT.torchReceived, campfire: this.campfire.name, channel: message.channel, messageId: message.id, data: { from: message.sender } });
      this.recorder.flush();
    }
    const receivedAt = this.clock.now();
    if (this.paceMs > 0) await new Promise((resolve) => setTimeout(resolve, this.paceMs));
    await this.campfire.cycle([{ channel: message.channel, from: message.sender, messageId: message.id, torch, receivedAt }]);
    this.recorder.flush();
  }

  /** What the run log says this campfire already did with message `id`. */
  private earlierAttempt(id: string): { received: boolean; done: boolean; sent: Message | null } {
    const events = this.runLog.events(this.runId, { campfire: this.campfire.name, kinds: [PIPELINE_EVENT.torchReceived, PIPELINE_EVENT.torchSent, PIPELINE_EVENT.cycleEnded] });
    const received = events.some((event) => event.kind === PIPELINE_EVENT.torchReceived && event.messageId === id);
    if (!received) return { received, done: false, sent: null };
    for (const event of events) {
      if (event.kind === PIPELINE_EVENT.torchReceived) continue;
      const antecedents = loggedAntecedents(event);
      if (!antecedents.includes(id)) continue;
      const torch = (event.data as { torch?: Torch | null } | null)?.torch;
      // The cycle ran to its end: it sent nothing, or kept its torch, or sent it (sent again under its own id).
      if (!torch || !event.channel || !event.messageId) return { received, done: true, sent: null };
      const sent = createMessage({
        id: event.messageId,
        channel: event.channel,
        sender: this.campfire.name,
        tags: [TORCH_TAG],
        payload: torch as unknown as JsonValue,
        antecedents,
        ts: event.ts,
      });
      return { received, done: true, sent };
    }
    return { received, done: false, sent: null };
  }

  /** One-line summary for notebooks. */
  [inspect.custom](): string {
    return `CampfireWorker ${this.campfire.name} in run ${this.runId}: ${this.handled} torches handled, ${this.recovered} finished for a process that died`;
  }
}
