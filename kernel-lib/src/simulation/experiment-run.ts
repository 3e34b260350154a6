/** One run of an experiment's variant, as run here or by a `cf worker`: its spec, its run, its outcome. */
import type { LanguageModel } from '../llm';
import type { RunLog } from '../runlog';
import type { SimulationConfig } from './simulation-config';
import type { SimulationEnd } from './simulation-record';
import { Simulation, type ModelBackendName } from './simulation';
import { councilWorld, type WorldDefinition } from './world';

/** One repeat of one variant: everything a process needs to run it (plain data, except a model object). */
export interface CouncilRepeat {
  variant: string;
  variantIndex: number;
  repeat: number;
  seed: number;
  config: SimulationConfig;
  /** A model, a backend name, or null for the offline persona-policy agents. */
  model: LanguageModel | ModelBackendName | null;
  temperature?: number;
}

/** The outcome of one run of a variant. */
export interface ExperimentOutcome {
  variant: string;
  repeat: number;
  /** The seed of this run (derived from the experiment seed and the repeat), recorded in its run-log meta. */
  seed: number;
  backend: string;
  runId: string | null;
  status: string;
  end: SimulationEnd | null;
  /** Actions applied per persona and action type (every action the world declares). */
  actionMix: Record<string, Record<string, number>>;
  error: string | null;
}

/** Runs `jobs` with at most `limit` in flight, keeping their order in the results. */
export async function pool<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next;
      next += 1;
      results[index] = await (jobs[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, jobs.length)) }, worker));
  return results;
}


/** The outcome of a finished (or stopped) simulation of one repeat. */
export function outcomeOf(spec: CouncilRepeat, sim: Simulation, world: WorldDefinition, error: string | null): ExperimentOutcome {
  const actionMix: Record<string, Record<string, number>> = {};
  for (const persona of spec.config.personas) actionMix[persona.name] = Object.fromEntries(world.actions.map((action) => [action.type, 0]));
  for (const record of sim.transcript.actions) {
    const mix = actionMix[record.agent] as Record<string, number>;
    mix[record.action.type] = (mix[record.action.type] ?? 0) + 1;
  }
  return { variant: spec.variant, repeat: spec.repeat, seed: spec.seed, backend: sim.backend, runId: sim.runId, status: sim.status, end: sim.transcript.end, actionMix, error };
}

/** Runs one repeat to its end in this process; a run that stops early is an outcome with its error. */
export async function runCouncilRepeat(spec: CouncilRepeat, options: { runLog: RunLog; world?: WorldDefinition; model?: LanguageModel | ModelBackendName | null }): Promise<ExperimentOutcome> {
  const world = options.world ?? councilWorld;
  const model = options.model !== undefined ? options.model : spec.model;
  const sim = Simulation.fromSettings(spec.config, { model, temperature: spec.temperature, runLog: options.runLog, narrate: null, live: false, seed: spec.seed, world });
  let error: string | null = null;
  try {
    await sim.run();
  } catch (failure) {
    error = (failure as Error).message;
  }
  return outcomeOf(spec, sim, world, error);
}
