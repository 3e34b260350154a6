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

/** What a campfire of a run is doing: `active` (mid-cycle), `idle`, `failed` (its last cycle failed), `interrupted` (it was active when its run's process died). */
export type CampfireState = 'active' | 'idle' | 'failed' | 'interrupted';

/** A campfire's status in a run, as the run log keeps it while the run is live. */
export interface CampfireStatus {
  campfire: string;
  status: CampfireState;
  /** The cycle it is in (active) or last ran; 0 before its first. */
  cycle: number;
  /** The camper holding the torchbearer grant now, else the last one that carried its torch; null before any. */
  torchbearer: string | null;
  /** When it entered this status (ms since the epoch); the run's start for a campfire that never ran. */
  since: number;
}

/** What a writer stores of a campfire's status. */
export interface CampfireStatusInit {
  campfire: string;
  status: Exclude<CampfireState, 'interrupted'>;
  cycle: number;
  torchbearer: string | null;
  since: number;
}

/** Filters for reading events back. */
export interface RunEventQuery {
  kinds?: string[];
  afterSeq?: number;
  campfire?: string;
  limit?: number;
}

/**
 * A run of status `running` whose owning process is gone reads as `interrupted` (and is
 * stored so): its process was killed, or its machine restarted.
 *
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
  /** Stores the status of some campfires of a live run (each replaces that campfire's last). */
  setCampfireStatus(runId: string, statuses: readonly CampfireStatusInit[]): void;
  /**
   * Which campfire of a run is active, idle or failed, and who its torchbearer is now:
   * every campfire the run's meta names, plus any with a stored status, in meta order.
   */
  campfireStatus(runId: string): CampfireStatus[];
  /** Says the run's owning process is alive (a run on another host is interrupted once this is old). */
  heartbeat(runId: string, ts?: number): void;
  close(): void;
}
