import { z } from 'zod';
import { validate } from '../core';
import { jsonValueSchema } from '../messages';
import type { RunEvent, RunInfo } from '../runlog';
import { actionSchema, councilStateSchema, type Action, type CouncilState } from './models';

/** Run-log event kinds a simulation writes (model calls add `model-attempt`). */
export const SIMULATION_EVENT_KINDS = ['action-applied', 'turn-end', 'simulation-end', 'simulation-interrupted'] as const;

/** Schema of one action as the run log and the debug file keep it. */
export const actionRecordSchema = z.object({
  turn: z.number().int(),
  index: z.number().int(),
  agent: z.string(),
  policy: z.string(),
  proposed: actionSchema,
  action: actionSchema,
  valid: z.boolean(),
  invalidReason: z.string().nullable(),
  success: z.boolean(),
  message: z.string(),
  fallback: z.boolean(),
  state: councilStateSchema,
  trace: z.object({
    prompt: z.string().optional(),
    attempts: z.array(jsonValueSchema).optional(),
    errors: z.array(z.string()).optional(),
    fallback: z.boolean(),
    modelFailure: z.string().optional(),
  }),
});
/** One action: what the agent proposed, what the world applied, and the state after it. */
export type ActionRecord = z.infer<typeof actionRecordSchema>;

/** Schema of the end of a turn. */
export const turnRecordSchema = z.object({
  turn: z.number().int(),
  state: councilStateSchema,
  allPass: z.boolean(),
  allPassStreak: z.number().int(),
});
/** The world at the end of one turn. */
export type TurnRecord = z.infer<typeof turnRecordSchema>;

/** Schema of how a run ended. */
export const simulationEndSchema = z.object({
  reason: z.string(),
  state: councilStateSchema,
  turns: z.number().int(),
});
/** How a run ended. */
export type SimulationEnd = z.infer<typeof simulationEndSchema>;

/** Everything a run produced, in order. */
export interface SimulationTranscript {
  actions: ActionRecord[];
  turns: TurnRecord[];
  end: SimulationEnd | null;
}

/** Reads a simulation's actions, turns and end back from its run-log events, validating each. */
export function transcriptFromEvents(events: readonly RunEvent[]): SimulationTranscript {
  const transcript: SimulationTranscript = { actions: [], turns: [], end: null };
  for (const event of events) {
    const what = { what: `run log event ${event.seq} (${event.kind})`, code: 'simulation_log_invalid' };
    if (event.kind === 'action-applied') transcript.actions.push(validate(actionRecordSchema, event.data, what));
    else if (event.kind === 'turn-end') transcript.turns.push(validate(turnRecordSchema, event.data, what));
    else if (event.kind === 'simulation-end') transcript.end = validate(simulationEndSchema, event.data, what);
  }
  return transcript;
}

/** The action an agent proposed, as a decision to feed back on replay. */
export function recordedDecision(record: ActionRecord): { action: Action; trace: ActionRecord['trace'] } {
  return { action: record.proposed, trace: record.trace };
}

/** The state after the last completed action, or the initial state. */
export function lastState(transcript: SimulationTranscript, initial: CouncilState): CouncilState {
  return transcript.actions[transcript.actions.length - 1]?.state ?? initial;
}

/** Schema of where a forked run branches: its parent run, the turn after which it branches, the state then, and what it changed. */
export const forkMetaSchema = z.object({
  parentRunId: z.string(),
  turn: z.number().int().min(0),
  state: councilStateSchema,
  label: z.string(),
});
/** Where a forked run branches from (`meta.fork` of its run). */
export type ForkMeta = z.infer<typeof forkMetaSchema>;

/** The fork a run's meta records, or null for a run that is not a fork. */
export function forkOf(run: RunInfo): ForkMeta | null {
  const fork = run.meta.fork;
  if (fork === undefined || fork === null) return null;
  return validate(forkMetaSchema, fork, { what: `meta.fork of run ${run.id}`, code: 'simulation_log_invalid' });
}
