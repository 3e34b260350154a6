import type { RunStatus } from '../display';
import type { JsonValue } from '../messages';

/** One run: a pipeline run, a simulation, a convention session, a model session. */
export interface RunInfo {
  id: string;
  /** What kind of run: `pipeline`, `simulation`, `conventions`, `model`... */
  kind: string;
  name: string;
  status: RunStatus;
  startedAt: number;
  endedAt: number | null;
  meta: { [key: string]: JsonValue };
}

/** One line of a run, in the order it happened (`seq` is global and increasing). */
export interface RunEvent {
  seq: number;
  runId: string;
  ts: number;
  /** noun-verb: `torch-sent`, `cycle-ended`, `camper-error` (pipelines, see `PIPELINE_EVENT`), `model-attempt`, `action-applied`, `turn-end`... */
  kind: string;
  campfire: string | null;
  camper: string | null;
  channel: string | null;
  messageId: string | null;
  data: JsonValue;
}

/** What a writer gives for an event; `seq` and `runId` are assigned. */
export interface RunEventInit {
  kind: string;
  ts?: number;
  campfire?: string | null;
  camper?: string | null;
  channel?: string | null;
  messageId?: string | null;
  data?: JsonValue;
}

/** Filters for reading events back. */
export interface RunEventQuery {
  kinds?: string[];
  afterSeq?: number;
  campfire?: string;
  limit?: number;
}

/**
 * The run log: an append-only record of every run, replayable in order: runs and events
 * only (rate-limit counts live in a `CounterStore`). The embedded (and only) adapter is
 * SQLite; several processes may append to one file.
 */
export interface RunLog {
  readonly path: string;
  startRun(init: { kind: string; name: string; meta?: { [key: string]: JsonValue }; id?: string; ts?: number }): RunInfo;
  endRun(runId: string, status: RunInfo['status'], ts?: number): RunInfo;
  append(runId: string, event: RunEventInit): RunEvent;
  /** Appends several events in one transaction. */
  appendMany(runId: string, events: RunEventInit[]): RunEvent[];
  run(runId: string): RunInfo;
  runs(filter?: { kind?: string; name?: string }): RunInfo[];
  events(runId: string, query?: RunEventQuery): RunEvent[];
  close(): void;
}
