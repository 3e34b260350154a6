import type { Clock } from '../core';
import type { RunEvent, RunEventInit, RunLog } from '../runlog';

/** Called with every run-log event as it is appended. */
export type RunEventListener = (event: RunEvent) => void;

/**
 * Writes a run's events to the run log in batches (one transaction per batch, flushed
 * `flushAfterMs` after the first queued event or every `batchSize` events) and tells
 * listeners about each event once it is appended. Without a log, events get local
 * sequence numbers. `signal` queues a live-only event: listeners get it in order with the
 * others, the log never stores it.
 */
export class RunRecorder {
  private buffer: RunEventInit[] = [];
  /** The live-only events in `buffer`. */
  private readonly signals = new Set<RunEventInit>();
  private lastSeq = 0;
  /** False when no listener shows live state, so `signal` can skip the work (a pipeline with no display or watcher). */
  liveSignals = true;
  private scheduled: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<RunEventListener>();
  private localSeq = 0;
  private written = 0;

  constructor(
    readonly log: RunLog | null,
    readonly runId: string,
    private readonly clock: Clock,
    private readonly batchSize = 1024,
    private readonly flushAfterMs = 20,
  ) {}

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

  private queue(event: RunEventInit): void {
    this.buffer.push(event);
    if (this.buffer.length >= this.batchSize) this.flush();
    else if (!this.scheduled) {
      this.scheduled = setTimeout(() => this.flush(), this.flushAfterMs);
      this.scheduled.unref?.();
    }
  }

  /** Appends everything queued now. */
  flush(): RunEvent[] {
    if (this.scheduled) clearTimeout(this.scheduled);
    this.scheduled = null;
    if (this.buffer.length === 0) return [];
    const batch = this.buffer;
    this.buffer = [];
    const stored = this.signals.size === 0 ? batch : batch.filter((event) => !this.signals.has(event));
    const events = stored.length === 0 ? [] : this.log ? this.log.appendMany(this.runId, stored) : stored.map((event) => this.local(event));
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
