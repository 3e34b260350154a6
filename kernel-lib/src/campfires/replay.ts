import { inspect } from 'node:util';
import { z } from 'zod';
import { NotFoundError, validate } from '../core';
import { createTorch, type JsonValue, type Torch, type TorchInput } from '../messages';
import type { ChannelBus } from '../channels';
import { loggedCycle, loggedHandoffs, PIPELINE_EVENT, type RunEvent, type RunInfo, type RunLog } from '../runlog';
import { display, type MimeBundle } from '../display';
import { torchFlowBundle } from './torch-flow-bundle';
import { torchFlowFromEvents } from './torch-flow-from-events';
import { Camper, type CamperAnswer, type CamperContext } from './camper';
import { Campfire } from './campfire';
import { Pipeline } from './pipeline';
import type { PipelineRun } from './pipeline-run';
import { completeRounds, type CompleteRounds } from './resume-plan';

/** One torch as the log recorded its sending. */
export interface RecordedTorch {
  seq: number;
  ts: number;
  campfire: string;
  torchbearer: string;
  channel: string | null;
  messageId: string;
  cycle: number;
  torch: Torch;
}

/** One handoff: a torch received by a campfire from another, in log order. */
export interface Handoff {
  seq: number;
  ts: number;
  from: string;
  to: string;
  channel: string;
  torchbearer: string;
  cycle: number;
  messageId: string;
  claim: string;
}

const metaSchema = z.object({
  campfires: z.array(z.object({ name: z.string(), campers: z.array(z.string()), inputs: z.array(z.string()), output: z.string().nullable() })),
  backend: z.string(),
});
const sentSchema = z.object({ cycle: z.number().int(), torch: z.unknown() });

/** One tool call as the log recorded it (a `tool-call` row). */
export interface RecordedToolCall {
  seq: number;
  campfire: string;
  camper: string;
  cycle: number;
  tool: string;
  server: string;
  arguments: Record<string, JsonValue>;
  status: string;
  result: string;
  /** The whole row's data, as recorded. */
  data: Record<string, JsonValue>;
}

/** A model request a camper made in a cycle, as its `model-attempt` row holds it. */
interface RecordedModelAttempt {
  campfire: string;
  camper: string;
  cycle: number;
  data: Record<string, JsonValue>;
}

/** The model requests the log holds with the cycle they were made in (older rows name none and are left out). */
function recordedModelAttempts(events: readonly RunEvent[]): RecordedModelAttempt[] {
  const found: RecordedModelAttempt[] = [];
  for (const event of events) {
    if (event.kind !== PIPELINE_EVENT.modelAttempt || !event.campfire || !event.camper) continue;
    const data = event.data;
    if (data === null || typeof data !== 'object' || Array.isArray(data) || typeof data.cycle !== 'number') continue;
    found.push({ campfire: event.campfire, camper: event.camper, cycle: data.cycle, data });
  }
  return found;
}

/**
 * A camper that answers with what the log says its campfire's torchbearer sent in each
 * cycle; it calls nothing. The tool calls and model requests the log holds for its turns
 * are written into the new run as they were (marked `replayed`): the results and answers
 * are read, no tool or model is called.
 */
class RecordedCamper extends Camper {
  override readonly backend = 'replay';
  constructor(
    name: string,
    private readonly byCycle: Map<number, Torch>,
    private readonly toolCalls: readonly RecordedToolCall[] = [],
    private readonly modelAttempts: readonly RecordedModelAttempt[] = [],
  ) {
    super(name);
  }
  override overridePrompt(_prompt: string, context: CamperContext): CamperAnswer {
    const attempts = this.modelAttempts.filter((attempt) => attempt.cycle === context.cycle);
    if (attempts.length > 0) this.recordEvents(attempts.map((attempt) => ({ kind: PIPELINE_EVENT.modelAttempt, data: { ...attempt.data, replayed: true } })));
    for (const call of this.toolCalls) if (call.cycle === context.cycle) this.recordEvent(PIPELINE_EVENT.toolCall, { ...call.data, replayed: true });
    const torch = this.byCycle.get(context.cycle);
    return torch ? (torch as TorchInput) : null;
  }
}

/**
 * A pipeline run read back from the run log in order: its torches, its handoffs, and
 * `drive()` to run the same wiring again from the recorded torches without calling any camper.
 * @example const replay = replayRun(SqliteRunLog.open('torch_log.db'), 'latest'); replay.handoffs();
 */
export class Replay {
  readonly meta: z.infer<typeof metaSchema>;
  /** The rounds whose record is complete: all of a completed run; of an interrupted one, those before the round it was cut off in. */
  readonly complete: CompleteRounds;

  constructor(
    readonly run: RunInfo,
    readonly events: readonly RunEvent[],
  ) {
    this.meta = validate(metaSchema, run.meta, { what: `run ${run.id} meta (not a pipeline run?)`, code: 'replay_invalid', field: 'meta' });
    this.complete = completeRounds(run, events);
  }

  /**
   * Where the record of a run that did not complete ends, in a sentence; null for a
   * completed run (or one still running in a live process).
   */
  recordEnd(): string | null {
    if (this.run.status === 'completed' || this.run.status === 'running') return null;
    const limit = objectOfMeta(this.run.meta.rounds).cycles;
    const of = typeof limit === 'number' ? ` of ${limit}` : '';
    const how = this.run.status === 'interrupted' ? 'its process stopped' : 'it failed';
    const where = this.complete.round === 0 ? 'before its first round was complete' : `after round ${this.complete.round}${of}`;
    const cut = this.complete.cutOff > 0 ? `; the ${this.complete.cutOff} row${this.complete.cutOff === 1 ? '' : 's'} of round ${this.complete.round + 1} it had written are left out` : '';
    return `The record of ${this.run.id} ends ${where} (${this.run.status}: ${how})${cut}.`;
  }

  /** Every torch sent in the complete rounds, in order. */
  torches(): RecordedTorch[] {
    return this.complete.events
      .filter((event) => event.kind === PIPELINE_EVENT.torchSent && event.campfire && event.messageId)
      .map((event) => {
        const data = validate(sentSchema, event.data, { what: `run log event ${event.seq}`, code: 'replay_invalid', field: 'data' });
        return {
          seq: event.seq,
          ts: event.ts,
          campfire: event.campfire as string,
          torchbearer: event.camper ?? (event.campfire as string),
          channel: event.channel,
          messageId: event.messageId as string,
          cycle: data.cycle,
          torch: createTorch(data.torch as TorchInput),
        };
      });
  }

  /** Every tool call a camper made, in order, with its recorded result (a replay reads these; it never calls a tool). */
  toolCalls(): RecordedToolCall[] {
    const found: RecordedToolCall[] = [];
    for (const event of this.events) {
      if (event.kind !== PIPELINE_EVENT.toolCall || !event.campfire || !event.camper) continue;
      const data = event.data as Record<string, JsonValue> | null;
      if (data === null || typeof data !== 'object' || Array.isArray(data) || typeof data.cycle !== 'number') continue;
      const args = data.arguments;
      found.push({
        seq: event.seq,
        campfire: event.campfire,
        camper: event.camper,
        cycle: data.cycle,
        tool: String(data.tool ?? ''),
        server: String(data.server ?? ''),
        arguments: args !== null && typeof args === 'object' && !Array.isArray(args) ? args : {},
        status: String(data.status ?? ''),
        result: String(data.result ?? ''),
        data,
      });
    }
    return found;
  }

  /** Every handoff (torch received), in order, with the torch's sender, torchbearer and claim. */
  handoffs(): Handoff[] {
    const sent = new Map(this.torches().map((torch) => [torch.messageId, torch]));
    return loggedHandoffs(this.complete.events).map((handoff) => {
      const torch = sent.get(handoff.messageId);
      return {
        ...handoff,
        torchbearer: torch?.torchbearer ?? handoff.from,
        cycle: torch?.cycle ?? 0,
        claim: torch?.torch.claim ?? '',
      };
    });
  }

  /** One line per handoff, for consoles: `#12 scrape/headline-reader -> sentiment on headlines (cycle 1): "..."`. */
  lines(): string[] {
    return this.handoffs().map(
      (handoff) => `#${handoff.seq} ${handoff.from}/${handoff.torchbearer} -> ${handoff.to} on ${handoff.channel} (cycle ${handoff.cycle}): "${handoff.claim}"`,
    );
  }

  /**
   * Runs the recorded wiring again: each campfire's recorded torchbearer hands in the torch
   * the log says it sent in that cycle, and torches flow over the bus as before. No camper
   * is called. The new run is written to `runLog` with `replayOf` in its meta.
   */
  async drive(options: { runLog?: RunLog | null; bus?: ChannelBus; name?: string } = {}): Promise<PipelineRun> {
    const byCampfire = new Map<string, Map<string, Map<number, Torch>>>();
    for (const torch of this.torches()) {
      const campers = byCampfire.get(torch.campfire) ?? new Map<string, Map<number, Torch>>();
      const cycles = campers.get(torch.torchbearer) ?? new Map<number, Torch>();
      cycles.set(torch.cycle, torch.torch);
      campers.set(torch.torchbearer, cycles);
      byCampfire.set(torch.campfire, campers);
    }
    const toolCalls = this.toolCalls();
    const modelAttempts = recordedModelAttempts(this.events);
    const campfires = this.meta.campfires.map((described) => {
      const recorded = byCampfire.get(described.name) ?? new Map<string, Map<number, Torch>>();
      const names = [...new Set([...described.campers, ...recorded.keys()])];
      const ofCamper = <T extends { campfire: string; camper: string }>(list: readonly T[], name: string): T[] => list.filter((entry) => entry.campfire === described.name && entry.camper === name);
      return new Campfire({
        name: described.name,
        inputs: described.inputs,
        output: described.output,
        campers: names.map((name) => new RecordedCamper(name, recorded.get(name) ?? new Map(), ofCamper(toolCalls, name), ofCamper(modelAttempts, name))),
      });
    });
    const sourceNames = new Set(this.meta.campfires.filter((campfire) => campfire.inputs.length === 0).map((campfire) => campfire.name));
    let cycles = 0;
    // The rounds run: the highest cycle any source campfire recorded (cycle rows, or status rows in older logs).
    const cycleKinds: string[] = [PIPELINE_EVENT.torchSent, PIPELINE_EVENT.cycleEnded, PIPELINE_EVENT.campfireStatus];
    for (const event of this.complete.events) {
      if (!cycleKinds.includes(event.kind) || !event.campfire || !sourceNames.has(event.campfire)) continue;
      cycles = Math.max(cycles, loggedCycle(event) ?? 0);
    }
    const pipeline = new Pipeline({ name: options.name ?? `${this.run.name} (replay)`, campfires, runLog: options.runLog ?? null, ...(options.bus ? { bus: options.bus } : {}) });
    return pipeline.run({ ...(cycles > 0 ? { cycles } : { maxCycles: 1 }), display: false });
  }

  /** The recorded run as a torch-flow bundle. */
  toMimeBundle(): Promise<MimeBundle> {
    return torchFlowBundle(torchFlowFromEvents(this.run, [...this.events]));
  }

  /** Displays the recorded torch flow in the notebook. */
  show(): Promise<void> {
    return display(this);
  }

  /** One-line summary for notebooks. */
  [inspect.custom](): string {
    const end = this.recordEnd();
    return `Replay of ${this.run.id} (${this.run.name}, ${this.run.status}): ${this.meta.campfires.length} campfires, ${this.torches().length} torches, ${this.handoffs().length} handoffs${end ? `. ${end}` : ''}`;
  }
}

function objectOfMeta(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The id of the newest pipeline run in the log; `NotFoundError` when there is none. */
export function latestPipelineRun(log: RunLog): RunInfo {
  const runs = log.runs({ kind: 'pipeline' });
  const latest = runs[runs.length - 1];
  if (!latest) throw new NotFoundError({ code: 'run_not_found', message: `run log ${log.path} holds no pipeline run yet`, details: { path: log.path } });
  return latest;
}

/** Reads a pipeline run (by id, or `latest`) back from the log, in order, for replay. */
export function replayRun(log: RunLog, runId: string): Replay {
  const run = runId === 'latest' ? latestPipelineRun(log) : log.run(runId);
  return new Replay(run, log.events(run.id));
}

/** Handoffs without ids, sequence numbers and times: what must match between a run and its replay. */
export function comparableHandoffs(handoffs: readonly Handoff[]): { from: string; to: string; channel: string; torchbearer: string; cycle: number; claim: string }[] {
  return handoffs.map(({ from, to, channel, torchbearer, cycle, claim }) => ({ from, to, channel, torchbearer, cycle, claim }));
}
