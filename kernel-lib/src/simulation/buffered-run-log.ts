import type { RunEvent, RunEventInit, RunEventQuery, RunInfo, RunLog } from '../runlog';
import type { JsonValue } from '../messages';

/**
 * A view of a run log whose appends join the simulation's pending events, so a model's
 * `model-attempt` events are committed in the same transaction as the action they led to.
 * Reads go to the real log; events returned by `append` get their `seq` when flushed (0 here).
 */
export class BufferedRunLog implements RunLog {
  constructor(
    private readonly inner: RunLog,
    /** Queues an event and returns it as queued, with its time. */
    private readonly enqueue: (event: RunEventInit) => RunEventInit,
  ) {}

  get path(): string {
    return this.inner.path;
  }

  append(runId: string, event: RunEventInit): RunEvent {
    const queued = this.enqueue(event);
    return { seq: 0, runId, ts: queued.ts ?? Date.now(), kind: event.kind, campfire: event.campfire ?? null, camper: event.camper ?? null, channel: event.channel ?? null, messageId: event.messageId ?? null, data: event.data ?? null };
  }

  appendMany(runId: string, events: RunEventInit[]): RunEvent[] {
    return events.map((event) => this.append(runId, event));
  }

  startRun(init: { kind: string; name: string; meta?: { [key: string]: JsonValue }; id?: string; ts?: number }): RunInfo {
    return this.inner.startRun(init);
  }

  endRun(runId: string, status: RunInfo['status'], ts?: number): RunInfo {
    return this.inner.endRun(runId, status, ts);
  }

  run(runId: string): RunInfo {
    return this.inner.run(runId);
  }

  runs(filter?: { kind?: string; name?: string }): RunInfo[] {
    return this.inner.runs(filter);
  }

  events(runId: string, query?: RunEventQuery): RunEvent[] {
    return this.inner.events(runId, query);
  }

  close(): void {
    // The simulation does not own the log it writes to.
  }
}
