import type { Clock } from '../core';
import type { CampfireStatusInit, RunEvent, RunEventInit, RunLog } from './run-log';

/** Called with every run-log event as it is appended. */
export type RunEventListener = (event: RunEvent) => void;

/** When a recorder writes what it holds. */
export interface RunRecorderOptions {
  /** Write once this many events wait (default 1024). */
  batchSize?: number;
  /** Write once the oldest waiting event has waited this long (default 20 ms); 0 writes each event as it comes. */
  flushAfterMs?: number;
  /**
   * Also write as soon as the engine waits for something (a model's answer): what it did
   * before the wait is then in the log while it waits (default false: pipelines gather
   * their torches into fewer transactions).
   */
  writeWhileWaiting?: boolean;
}

/**
 * The run log's one writer: every engine (pipelines, campfires, councils, and the model
 * layer through the engine that called it) hands it a run's events, and it appends them
 * in batches, one transaction per batch, and tells listeners about each event once it is
 * appended. A batch is written when `batchSize` events wait, or once the oldest has waited
 * `flushAfterMs` (checked when the next event comes, and by a timer when none comes), so a
 * process killed mid-run loses at most that much of the run; with `writeWhileWaiting`,
 * also as soon as the engine waits for something. Events keep the time they are
 * given (else the time they are recorded), not the time they are written. Without a log,
 * events get local sequence numbers. `signal` queues a live-only event: listeners get it
 * in order with the others, the log never stores it.
 * @example const recorder = new RunRecorder(runLog, run.id, systemClock, { flushAfterMs: 50 }); recorder.record({ kind: 'turn-end', data }); recorder.flush();
 */
export class RunRecorder {
  private buffer: RunEventInit[] = [];
  /** Campfire statuses set since the last write, the newest per campfire. */
  private statuses = new Map<string, CampfireStatusInit>();
  /** The live-only events in `buffer`. */
  private readonly signals = new Set<RunEventInit>();
  private lastSeq = 0;
  /** False when no listener shows live state, so `signal` can skip the work (a pipeline with no display or watcher). */
  liveSignals = true;
  /** The write to come when the engine waits, or when the oldest event has waited long enough. */
  private scheduled: { cancel(): void } | null = null;
  private readonly listeners = new Set<RunEventListener>();
  private localSeq = 0;
  private written = 0;
  /** When the oldest waiting event was queued (`performance.now()`). */
  private oldestQueuedAt = 0;
  /** A scheduled write that failed, thrown to the engine at its next record or flush. */
  private failure: { error: unknown } | null = null;

  private readonly batchSize: number;
  private readonly flushAfterMs: number;
  private readonly writeWhileWaiting: boolean;

  constructor(
    readonly log: RunLog | null,
    readonly runId: string,
    private readonly clock: Clock,
    options: RunRecorderOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 1024;
    this.flushAfterMs = options.flushAfterMs ?? 20;
    this.writeWhileWaiting = options.writeWhileWaiting ?? false;
  }

  /** How many events were appended so far. */
  get count(): number {
    return this.written;
  }

  /** True when `signal` would pass an event on: check it before building one. */
  get wantsSignals(): boolean {
    return this.liveSignals && this.listeners.size > 0;
  }

  /** Queues an event; it is appended (and listeners called) shortly, in order. */
  record(event: RunEventInit): void {
    if (event.ts === undefined) event.ts = this.clock.now();
    this.queue(event);
  }

  /** Queues several events in order, as `record` does each. */
  recordAll(events: readonly RunEventInit[]): void {
    for (const event of events) this.record(event);
  }

  /**
   * Queues a live-only event (such as "this campfire became active"): listeners get it in
   * order with the stored ones, carrying the seq of the stored event before it; the log
   * does not store it. Dropped at once when nobody listens or `liveSignals` is off.
   */
  signal(event: RunEventInit): void {
    if (!this.wantsSignals) return;
    if (event.ts === undefined) event.ts = this.clock.now();
    this.signals.add(event);
    this.queue(event);
  }

  /**
   * Sets a campfire's status (active, idle, failed; its torchbearer now). Written with the
   * next batch, or within `flushAfterMs` when no event follows: a campfire busy longer than
   * that (a model's answer) shows as active in the log while it works.
   */
  setStatus(status: CampfireStatusInit): void {
    if (!this.log) return;
    this.statuses.set(status.campfire, status);
    if (!this.scheduled && this.buffer.length === 0) this.scheduled = this.scheduleFlush();
  }

  private queue(event: RunEventInit): void {
    this.throwFailure();
    this.buffer.push(event);
    if (this.buffer.length === 1) this.oldestQueuedAt = performance.now();
    if (this.buffer.length >= this.batchSize || performance.now() - this.oldestQueuedAt >= this.flushAfterMs) this.flush();
    else if (!this.scheduled) this.scheduled = this.scheduleFlush();
  }

  private scheduleFlush(): { cancel(): void } {
    if (this.writeWhileWaiting) {
      // Runs once the engine's current step is done and it waits; a step that never waits is covered by the age check.
      const immediate = setImmediate(() => this.flushLater());
      return { cancel: () => clearImmediate(immediate) };
    }
    const timer = setTimeout(() => this.flushLater(), this.flushAfterMs);
    timer.unref?.();
    return { cancel: () => clearTimeout(timer) };
  }

  /** A scheduled flush: nobody waits on it, so a failure is kept for the engine's next step. */
  private flushLater(): void {
    try {
      this.flush();
    } catch (error) {
      this.failure ??= { error };
    }
  }

  private throwFailure(): void {
    const failure = this.failure;
    this.failure = null;
    if (failure) throw failure.error;
  }

  /** Appends everything queued now (throws a scheduled write that failed first). */
  flush(): RunEvent[] {
    this.throwFailure();
    this.scheduled?.cancel();
    this.scheduled = null;
    if (this.buffer.length === 0) {
      this.writeStatuses();
      return [];
    }
    const batch = this.buffer;
    this.buffer = [];
    const stored = this.signals.size === 0 ? batch : batch.filter((event) => !this.signals.has(event));
    let events: RunEvent[];
    try {
      events = stored.length === 0 ? [] : this.log ? this.log.appendMany(this.runId, stored) : stored.map((event) => this.local(event));
    } catch (error) {
      // Nothing of the batch was written (one transaction): it is written with the next batch.
      this.buffer = batch.concat(this.buffer);
      throw error;
    }
    this.writeStatuses();
    this.written += events.length;
    const told = stored === batch ? events : this.interleave(batch, events);
    this.signals.clear();
    if (events.length > 0) this.lastSeq = (events[events.length - 1] as RunEvent).seq;
    if (this.listeners.size > 0) {
      const listeners = [...this.listeners];
      for (const event of told) {
        for (let index = 0; index < listeners.length; index += 1) {
          try {
            (listeners[index] as RunEventListener)(event);
          } catch (error) {
            process.stderr.write(`campfires: an onEvent listener failed: ${(error as Error)?.message ?? error}\n`);
          }
        }
      }
    }
    return events;
  }

  /** Writes the statuses set since the last write (after the events before them, so the log never shows a cycle ended before its row). */
  private writeStatuses(): void {
    if (this.statuses.size === 0 || !this.log) return;
    const statuses = [...this.statuses.values()];
    this.statuses = new Map();
    try {
      this.log.setCampfireStatus(this.runId, statuses);
    } catch (error) {
      for (const status of statuses) if (!this.statuses.has(status.campfire)) this.statuses.set(status.campfire, status);
      throw error;
    }
  }

  /** Calls `listener` for every event appended from now on; returns the unsubscribe function. */
  listen(listener: RunEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** The batch in order: stored events as appended, signals with the seq of the stored event before them. */
  private interleave(batch: RunEventInit[], stored: RunEvent[]): RunEvent[] {
    const told: RunEvent[] = [];
    let next = 0;
    let seq = this.lastSeq;
    for (const event of batch) {
      if (this.signals.has(event)) told.push(this.asEvent(event, seq));
      else {
        const appended = stored[next++] as RunEvent;
        seq = appended.seq;
        told.push(appended);
      }
    }
    return told;
  }

  private local(event: RunEventInit): RunEvent {
    this.localSeq += 1;
    return this.asEvent(event, this.localSeq);
  }

  private asEvent(event: RunEventInit, seq: number): RunEvent {
    return {
      seq,
      runId: this.runId,
      ts: event.ts ?? this.clock.now(),
      kind: event.kind,
      campfire: event.campfire ?? null,
      camper: event.camper ?? null,
      channel: event.channel ?? null,
      messageId: event.messageId ?? null,
      data: event.data ?? null,
    };
  }
}
