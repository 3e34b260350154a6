import type { Clock } from '../core';
import type { RunEvent, RunEventInit, RunLog } from '../runlog';

/** Called with every run-log event as it is appended. */
export type RunEventListener = (event: RunEvent) => void;

/**
 * Writes a run's events to the run log in batches (one transaction per batch, flushed
 * `flushAfterMs` after the first queued event or every `batchSize` events) and tells
 * listeners about each event once it is appended. Without a log, events get local
 * sequence numbers.
 */
export class RunRecorder {
  private buffer: RunEventInit[] = [];
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

  /** Queues an event; it is appended (and listeners called) shortly, in order. */
  record(event: RunEventInit): void {
    if (event.ts === undefined) event.ts = this.clock.now();
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
    const events = this.log ? this.log.appendMany(this.runId, batch) : batch.map((event) => this.local(event));
    this.written += events.length;
    if (this.listeners.size > 0) {
      for (const event of events) {
        for (const listener of this.listeners) {
          try {
            listener(event);
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

  private local(event: RunEventInit): RunEvent {
    this.localSeq += 1;
    return {
      seq: this.localSeq,
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
