import { CampfiresError, NotFoundError, ValidationError } from '../core';
import { createTorch, type JsonValue, type Torch, type TorchInput } from '../messages';
import { loggedCycle, loggedInputs, PIPELINE_EVENT, type RunEvent, type RunInfo, type RunLog } from '../runlog';

/** The part of a pipeline run's record that ends with a completed round. */
export interface CompleteRounds {
  /** The events up to and including the last `round-ended` row (all of them when the run completed). */
  events: RunEvent[];
  /** The last round whose record is complete; 0 when none is. */
  round: number;
  /** True when that round was the quiet one that ends a run without a cycle count. */
  quiet: boolean;
  /** Events after the last complete round (a round cut off mid-way), left out of `events`. */
  cutOff: number;
}

function objectOf(value: JsonValue): { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

/**
 * The complete rounds of a pipeline run. A completed run, or one recorded before rounds
 * were marked, is complete as it stands; any other run ends at its last `round-ended` row.
 */
export function completeRounds(run: RunInfo, events: readonly RunEvent[]): CompleteRounds {
  const ownEvents = events.filter((event) => event.kind !== PIPELINE_EVENT.runResumed);
  let last = -1;
  for (let index = ownEvents.length - 1; index >= 0; index -= 1) {
    if ((ownEvents[index] as RunEvent).kind === PIPELINE_EVENT.roundEnded) {
      last = index;
      break;
    }
  }
  const marked = last >= 0 || run.meta.rounds !== undefined;
  if (run.status === 'completed' || !marked) {
    const round = last >= 0 ? Number(objectOf((ownEvents[last] as RunEvent).data).round) || 0 : 0;
    return { events: ownEvents, round, quiet: false, cutOff: 0 };
  }
  const data = last >= 0 ? objectOf((ownEvents[last] as RunEvent).data) : {};
  return { events: ownEvents.slice(0, last + 1), round: typeof data.round === 'number' ? data.round : 0, quiet: data.quiet === true, cutOff: ownEvents.length - last - 1 };
}

/** A campfire's state at the end of the complete rounds. */
export interface CampfireResumeState {
  cycles: number;
  sent: number;
  failures: number;
  last: Torch | null;
  torchbearer: string | null;
}

/** What `Pipeline.resume` needs of the run it continues. */
export interface ResumePlan {
  run: RunInfo;
  round: number;
  quiet: boolean;
  events: RunEvent[];
  /** Handoffs in the complete rounds: the next delivery is numbered after them. */
  handoffs: number;
  /** The run's round limit as recorded: `{ cycles }` or `{ maxCycles }`. */
  rounds: { [key: string]: JsonValue };
  campfires: Map<string, CampfireResumeState>;
}

interface Wiring {
  name: string;
  inputs: string[];
  output: string | null;
}

function wiringOf(meta: RunInfo['meta']): Wiring[] {
  const campfires = Array.isArray(meta.campfires) ? meta.campfires : [];
  return campfires.map((item) => {
    const described = objectOf(item);
    return { name: String(described.name), inputs: Array.isArray(described.inputs) ? described.inputs.map(String) : [], output: typeof described.output === 'string' ? described.output : null };
  });
}

const wiringText = (wiring: Wiring): string => `${wiring.name} [${wiring.inputs.join(', ')}] -> ${wiring.output ?? '(none)'}`;

/** Reads a run for `Pipeline.resume`, refusing one that cannot be continued by a pipeline wired as `current`. */
export function planResume(log: RunLog, runId: string, current: readonly Wiring[]): ResumePlan {
  let run: RunInfo;
  if (runId === 'latest') {
    const runs = log.runs({ kind: 'pipeline' });
    const latest = runs[runs.length - 1];
    if (!latest) throw new NotFoundError({ code: 'run_not_found', message: `run log ${log.path} holds no pipeline run to resume`, details: { path: log.path } });
    run = latest;
  } else {
    run = log.run(runId);
  }
  const refuse = (code: string, message: string): CampfiresError => new CampfiresError({ code, message, details: { runId: run.id, status: run.status } });
  if (run.kind !== 'pipeline') throw refuse('pipeline_resume_invalid', `run ${run.id} is a ${run.kind} run, not a pipeline run; only pipeline runs resume with Pipeline.resume`);
  if (run.status === 'completed') throw refuse('run_already_completed', `run ${run.id} completed; there is nothing to resume (replay it instead)`);
  if (run.status === 'running') throw refuse('run_still_running', `run ${run.id} is still running in a live process; resume it once that process has stopped`);
  if (typeof run.meta.rounds !== 'object' || run.meta.rounds === null) {
    throw refuse('pipeline_resume_invalid', `run ${run.id} was recorded without round records (an older version); it can be replayed but not resumed`);
  }
  const recorded = wiringOf(run.meta).map(wiringText).sort();
  const wired = current.map(wiringText).sort();
  if (JSON.stringify(recorded) !== JSON.stringify(wired)) {
    throw new ValidationError({
      code: 'pipeline_resume_invalid',
      message: `run ${run.id} was wired as ${recorded.join('; ')}, but this pipeline is ${wired.join('; ') || 'empty'}; resume it with the same campfires and channels`,
      issues: [{ field: 'campfires', message: 'wiring differs from the run', given: wired, allowed: recorded }],
    });
  }
  const events = log.events(run.id);
  const resumedAs = events.find((event) => event.kind === PIPELINE_EVENT.runResumed);
  if (resumedAs) throw refuse('run_already_resumed', `run ${run.id} was already resumed as ${String(objectOf(resumedAs.data).as)}; resume or replay that run instead`);
  const rounds = completeRounds(run, events);
  const campfires = new Map<string, CampfireResumeState>();
  let handoffs = 0;
  for (const event of rounds.events) {
    if (!event.campfire) continue;
    const state = campfires.get(event.campfire) ?? { cycles: 0, sent: 0, failures: 0, last: null, torchbearer: null };
    if (event.kind === PIPELINE_EVENT.torchSent || event.kind === PIPELINE_EVENT.cycleEnded) {
      state.cycles = Math.max(state.cycles, loggedCycle(event) ?? 0);
      for (const input of loggedInputs(event)) handoffs = Math.max(handoffs + (input.delivery === undefined ? 1 : 0), input.delivery ?? 0);
    }
    if (event.kind === PIPELINE_EVENT.torchSent) {
      state.sent += 1;
      const torch = objectOf(event.data).torch;
      if (torch !== undefined && torch !== null) state.last = createTorch(torch as unknown as TorchInput);
      state.torchbearer = event.camper;
    } else if (event.kind === PIPELINE_EVENT.camperError) {
      state.failures += 1;
    }
    campfires.set(event.campfire, state);
  }
  return { run, round: rounds.round, quiet: rounds.quiet, events: rounds.events, handoffs, rounds: run.meta.rounds as { [key: string]: JsonValue }, campfires };
}
