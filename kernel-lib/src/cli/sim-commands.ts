import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CampfiresError, ValidationError, parseDuration } from '../core';
import { fixturesRoot } from '../fixtures';
import { createOllamaModel, createOpenRouterModel, type LanguageModel } from '../llm';
import { DEFAULT_RUN_LOG_PATH, SqliteRunLog, type RunLog } from '../runlog';
import {
  Simulation,
  compareRuns,
  loadPersonas,
  loadSimulationConfig,
  narrateAction,
  narrateEnd,
  runPersonaExperiment,
  simulationConfigFrom,
  validateConfigFile,
  type ExperimentVariant,
  type Persona,
  type SimulationConfig,
} from '../simulation';
import { CliExit, EXIT, out, outJson } from './cli-output';

/** The model backends `cf sim` knows. */
const BACKENDS = ['offline', 'ollama', 'openrouter'] as const;
type Backend = (typeof BACKENDS)[number];

/** Settings of the model a council asks, from the command line. */
interface ModelFlags {
  model: Backend;
  timeout?: number;
  retryDelay?: number;
}

function backendOf(value: string): Backend {
  if ((BACKENDS as readonly string[]).includes(value)) return value as Backend;
  throw new InvalidArgumentError(`"${value}" is not a model backend; use ${BACKENDS.join(', ')}`);
}

/** A duration flag: `30s`, `2m`, `1h`, or milliseconds as `250ms`. */
function durationOf(flag: string): (value: string) => number {
  return (value) => {
    const ms = /^(\d+)ms$/.exec(value);
    if (ms) return Number(ms[1]);
    try {
      return parseDuration(value, flag);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

function seedOf(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 2_147_483_647) throw new InvalidArgumentError(`--seed must be a whole number from 0 to 2147483647 (got "${value}")`);
  return Number(value);
}

function forkTurnOf(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`--turn must be a whole number from 0 to the run's last turn (got "${value}")`);
  return Number(value);
}

/** `--replace NAME=FILE`, repeatable: the seat of NAME goes to the persona in FILE (YAML: one persona, or personas: [one]). */
function replacementOf(value: string, previous: [string, string][] = []): [string, string][] {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError(`--replace takes NAME=FILE, a council member's name and a YAML file with the persona taking the seat (got "${value}")`);
  return [...previous, [value.slice(0, at), value.slice(at + 1)]];
}

/** The persona in a YAML file: a persona mapping, or a personas file holding one. */
function personaFile(file: string): Persona {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ValidationError({ code: 'persona_file_invalid', message: `cannot read the persona in ${file}: ${(error as Error).message.split('\n')[0]}`, issues: [{ field: file, message: 'not a readable YAML file' }] });
  }
  const listed = (raw as { personas?: unknown })?.personas;
  if (Array.isArray(listed)) {
    if (listed.length !== 1) throw new ValidationError({ code: 'persona_file_invalid', message: `${file} lists ${listed.length} personas; --replace takes a file with one`, issues: [{ field: file, message: 'not one persona', given: listed.length, allowed: 1 }] });
    return listed[0] as Persona;
  }
  return raw as Persona;
}

function turnsOf(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`--turns must be a whole number of at least 1 (got "${value}")`);
  return Number(value);
}

/** The model a backend names; null for the offline persona-policy agents. */
function modelFor(flags: ModelFlags, config: SimulationConfig | null, runLog: SqliteRunLog): LanguageModel | null {
  if (flags.model === 'offline') return null;
  if (flags.model === 'ollama') return createOllamaModel({ model: process.env.CAMPFIRES_OLLAMA_MODEL ?? config?.simulation.model_name, timeoutMs: flags.timeout });
  return createOpenRouterModel({ counters: runLog, timeoutMs: flags.timeout });
}

/** The scenario with `--turns` in place of its `max_turns`. */
function withTurns(config: SimulationConfig, turns: number | undefined): SimulationConfig {
  if (turns === undefined) return config;
  return simulationConfigFrom(
    { scenario: { name: config.name, description: config.description }, simulation: { ...config.simulation, max_turns: turns }, world: config.world },
    { personas: config.personas },
    config.source,
  );
}

/** A scenario as given: a directory or settings file, else the name of a shipped one (`harvest`, `frontier`). */
function scenarioPath(given: string): string {
  if (existsSync(given) || !/^[A-Za-z0-9_-]+$/.test(given)) return given;
  const root = fixturesRoot();
  const shipped = root === null ? null : join(root, 'councils', given);
  return shipped !== null && existsSync(shipped) ? shipped : given;
}

/** The run a user names: an id, or `latest` for the newest simulation run in the log. */
function runIdOf(runLog: RunLog, name: string): string {
  if (name !== 'latest') return name;
  const latest = runLog.runs({ kind: 'simulation' }).at(-1);
  if (!latest) throw new CliExit(EXIT.error, `error: ${runLog.path} holds no simulation run yet; start one with cf sim run <scenario-dir>`);
  return latest.id;
}

function openLog(path: string): SqliteRunLog {
  return SqliteRunLog.open(path);
}

/** Ends a run that stopped: its message and how to continue it, exit code 1. */
function stopped(error: unknown, log: string, model: Backend): never {
  if (error instanceof CampfiresError && error.code === 'simulation_interrupted') {
    const runId = String(error.details.runId);
    const message = error.message.replace(/ Continue with Simulation\.resume\(.*\)$/, '');
    throw new CliExit(EXIT.error, `error: ${message}\nContinue it with: cf sim resume ${runId} --log ${log} --model ${model}`);
  }
  throw error;
}

function modelOptions(command: Command, defaultModel?: Backend): Command {
  const model = new Option('--model <backend>', `who decides: ${BACKENDS.join(', ')}`).argParser(backendOf);
  if (defaultModel) model.default(defaultModel);
  return command
    .addOption(model)
    .option('--timeout <duration>', 'how long one model request may take (30s, 2m...; default 30s); a decision has 3 attempts', durationOf('--timeout'))
    .option('--retry-delay <duration>', 'the wait after a 5xx or a 429 without Retry-After, doubled after each (default 1s)', durationOf('--retry-delay'));
}

/** The variants file of `cf sim experiment`: a list of arms, each a persona set and/or model settings. */
const variantsFileSchema = z.strictObject({
  variants: z
    .array(
      z.strictObject({
        label: z.string().min(1),
        personas: z.string().min(1).optional(),
        model: z.enum(BACKENDS).optional(),
        temperature: z.number().min(0).max(2).optional(),
        simulation: z.record(z.string(), z.unknown()).optional(),
        world: z.record(z.string(), z.unknown()).optional(),
        repeats: z.number().int().min(1).max(100).optional(),
      }),
    )
    .min(1),
});

function readVariants(file: string, flags: ModelFlags, runLog: SqliteRunLog, config: SimulationConfig): ExperimentVariant[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ValidationError({ code: 'variants_file_missing', message: `cannot read ${file}: ${(error as Error).message}`, issues: [{ field: file, message: 'file not readable' }] });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new ValidationError({ code: 'variants_file_invalid', message: `${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, issues: [{ field: file, message: 'not valid YAML' }] });
  }
  const parsed = validateConfigFile(variantsFileSchema, raw, file);
  return parsed.variants.map((variant) => ({
    label: variant.label,
    personas: variant.personas === undefined ? undefined : resolve(dirname(file), variant.personas),
    model: modelFor({ ...flags, model: variant.model ?? flags.model }, config, runLog),
    temperature: variant.temperature,
    simulation: variant.simulation,
    world: variant.world,
    repeats: variant.repeats,
  }));
}

/** The variants of a queued experiment: a model is named, and built by the worker that runs it. */
function readQueuedVariants(file: string, runLog: SqliteRunLog, config: SimulationConfig): ExperimentVariant[] {
  return readVariants(file, { model: 'offline' }, runLog, config).map((variant, index) => {
    const named = readVariantModels(file)[index];
    return { ...variant, model: named === 'ollama' || named === 'openrouter' ? named : null };
  });
}

function readVariantModels(file: string): (string | undefined)[] {
  const parsed = validateConfigFile(variantsFileSchema, parseYaml(readFileSync(file, 'utf8')) ?? {}, file);
  return parsed.variants.map((variant) => variant.model);
}

/** `cf sim run|resume|replay|fork|compare|experiment`: a council from the command line. */
export function addSimCommands(program: Command): void {
  const sim = program.command('sim').description('run, resume, replay and compare council simulations');

  modelOptions(
    sim
      .command('run')
      .argument('<scenario-dir>', 'a scenario directory (settings.yaml and its personas file), e.g. fixtures/councils/harvest, or the name of a shipped one: harvest, frontier')
      .description('run a council to its end, printing what each member does')
      .option('--turns <n>', 'turns to play (default: the scenario\'s max_turns)', turnsOf)
      .option('--log <path>', 'run log file', DEFAULT_RUN_LOG_PATH)
      .option('--debug-log <file>', 'JSONL debug file: prompts, raw answers, each decision\'s budget, state after each action')
      .option('--seed <n>', 'the run\'s seed: sent to the model, used by persona-policy agents to break ties, recorded in the run log', seedOf)
      .option('--json', 'print the actions as JSON lines instead of the narrative'),
    'offline',
  ).action(async (dir: string, options: ModelFlags & { turns?: number; log: string; debugLog?: string; json?: boolean; seed?: number }) => {
    const config = withTurns(loadSimulationConfig(scenarioPath(dir)), options.turns);
    const runLog = openLog(options.log);
    try {
      const model = modelFor(options, config, runLog);
      const print = options.json ? null : (line: string) => out(line);
      const simulation = Simulation.fromSettings(config, { model, runLog, debugLogPath: options.debugLog, narrate: print, live: false, timeoutMs: options.timeout, retryDelayMs: options.retryDelay, seed: options.seed });
      const named = options.model === 'ollama' && !process.env.CAMPFIRES_OLLAMA_MODEL ? ' (model_name from the scenario settings)' : '';
      const seed = options.seed === undefined ? '' : `, seed ${options.seed}`;
      if (print) print(`${config.name}: ${config.personas.length} members, ${model ? `${model.provider}:${model.modelId}${named}` : 'offline persona-policy agents'}, up to ${config.simulation.max_turns} turns${seed}`);
      await simulation.run().catch((error: unknown) => stopped(error, options.log, options.model));
      if (options.json) for (const record of simulation.transcript.actions) out(JSON.stringify(record));
      else out(`Run ${simulation.runId} written to ${options.log}; replay it with: cf sim replay ${simulation.runId} --log ${options.log}`);
    } finally {
      runLog.close();
    }
  });

  modelOptions(
    sim
      .command('resume')
      .argument('<run>', 'the run id (or "latest")')
      .description('continue a run that stopped, from its last completed action (recorded decisions are not asked again)')
      .option('--log <path>', 'run log file', DEFAULT_RUN_LOG_PATH)
      .option('--debug-log <file>', 'JSONL debug file for the rest of the run'),
  ).action(async (name: string, options: Partial<ModelFlags> & { log: string; debugLog?: string }) => {
    const runLog = openLog(options.log);
    try {
      const runId = runIdOf(runLog, name);
      const policies = ((runLog.run(runId).meta as { agents?: { policy?: string }[] }).agents ?? []).map((agent) => String(agent.policy ?? ''));
      const backend: Backend = options.model ?? (policies.some((policy) => policy.startsWith('llm ollama')) ? 'ollama' : policies.some((policy) => policy.startsWith('llm openrouter')) ? 'openrouter' : 'offline');
      const model = modelFor({ model: backend, timeout: options.timeout }, null, runLog);
      const simulation = await Simulation.resume(runLog, runId, {
        model,
        debugLogPath: options.debugLog,
        narrate: (line) => out(line),
        live: false,
        timeoutMs: options.timeout,
        retryDelayMs: options.retryDelay,
      }).catch((error: unknown) => stopped(error, options.log, backend));
      out(`Run ${runId} is ${simulation.status} in ${options.log}: ${simulation.transcript.actions.length} actions`);
    } finally {
      runLog.close();
    }
  });

  sim
    .command('replay')
    .argument('<run>', 'the run id (or "latest")')
    .description('print a recorded run\'s narrative from the run log, without calling any model')
    .option('--log <path>', 'run log file', DEFAULT_RUN_LOG_PATH)
    .option('--turn <n>', 'only this turn, with the state before and after', turnsOf)
    .action(async (name: string, options: { log: string; turn?: number }) => {
      const runLog = openLog(options.log);
      try {
        const simulation = Simulation.fromRunLog(runLog, runIdOf(runLog, name));
        if (options.turn !== undefined) {
          out(simulation.replay(options.turn).toString());
          return;
        }
        out(`${simulation.toString()}`);
        for (const record of simulation.transcript.actions) out(narrateAction(record));
        const end = simulation.transcript.end;
        out(end ? narrateEnd(simulation.config.name, end) : `${simulation.config.name}: the run stopped before its end (${simulation.status}); continue it with cf sim resume ${simulation.runId} --log ${options.log}`);
      } finally {
        runLog.close();
      }
    });

  modelOptions(
    sim
      .command('fork')
      .argument('<run>', 'the run id to branch from (or "latest")')
      .description('start a new run from a recorded run\'s state after a turn: a what-if with other members, settings, seed or model')
      .requiredOption('--turn <n>', 'the turn after which the new run branches (0: from the start)', forkTurnOf)
      .option('--log <path>', 'run log file', DEFAULT_RUN_LOG_PATH)
      .option('--replace <name=file>', 'give NAME\'s seat to the persona in FILE (YAML); repeatable', replacementOf)
      .option('--personas <file>', 'a personas file: the whole council from the fork on')
      .option('--turns <n>', 'max_turns of the branch (default: the run\'s)', turnsOf)
      .option('--seed <n>', 'the branch\'s seed (default: the run\'s)', seedOf)
      .option('--label <text>', 'a few words for the branch in tables and charts (default: what it changes)')
      .option('--debug-log <file>', 'JSONL debug file for the branch')
      .option('--json', 'print the branch\'s actions as JSON lines instead of the narrative'),
  ).action(async (name: string, options: Partial<ModelFlags> & { turn: number; log: string; replace?: [string, string][]; personas?: string; turns?: number; seed?: number; label?: string; debugLog?: string; json?: boolean }) => {
    const runLog = openLog(options.log);
    try {
      const runId = runIdOf(runLog, name);
      const parent = Simulation.fromRunLog(runLog, runId);
      const recordedModel = parent.agents.some((agent) => agent.policy.startsWith('llm ollama')) ? 'ollama' : parent.agents.some((agent) => agent.policy.startsWith('llm openrouter')) ? 'openrouter' : 'offline';
      const backend: Backend = options.model ?? recordedModel;
      if (options.replace && options.personas) throw new CliExit(EXIT.error, 'error: use --replace NAME=FILE or --personas FILE, not both');
      const personas = options.personas ? loadPersonas(options.personas) : options.replace ? Object.fromEntries(options.replace.map(([member, file]) => [member, personaFile(file)])) : undefined;
      const print = options.json ? null : (line: string) => out(line);
      const fork = await parent
        .fork(options.turn, {
          personas,
          model: options.model === undefined && backend === 'offline' ? undefined : modelFor({ model: backend, timeout: options.timeout }, parent.config, runLog),
          settings: options.turns === undefined ? undefined : { max_turns: options.turns },
          seed: options.seed,
          label: options.label,
          debugLogPath: options.debugLog,
          narrate: print,
          live: false,
          timeoutMs: options.timeout,
          retryDelayMs: options.retryDelay,
        })
        .catch((error: unknown) => stopped(error, options.log, backend));
      if (options.json) for (const record of fork.transcript.actions.filter((entry) => entry.turn > options.turn)) out(JSON.stringify(record));
      else out(`Run ${fork.runId} (fork of ${runId} after turn ${options.turn}) written to ${options.log}; compare them with: cf sim compare ${runId} ${fork.runId} --log ${options.log}`);
    } finally {
      runLog.close();
    }
  });

  sim
    .command('compare')
    .argument('<runs...>', 'two or more run ids (a run and its forks), or "latest"')
    .description('print the world of several runs side by side per turn, from the history they share')
    .option('--log <path>', 'run log file', DEFAULT_RUN_LOG_PATH)
    .action(async (names: string[], options: { log: string }) => {
      const runLog = openLog(options.log);
      try {
        out(compareRuns(names.map((name) => Simulation.fromRunLog(runLog, runIdOf(runLog, name)))).toString());
      } finally {
        runLog.close();
      }
    });

  modelOptions(
    sim
      .command('experiment')
      .argument('<scenario-dir>', 'a scenario directory, e.g. fixtures/councils/harvest, or the name of a shipped one')
      .requiredOption('--variants <file>', 'YAML: variants: [{ label, personas?, model?, temperature?, simulation?, world?, repeats? }]')
      .description('run a scenario over several persona sets or model settings and compare the outcomes')
      .option('--log <path>', 'run log file', DEFAULT_RUN_LOG_PATH)
      .option('--concurrency <n>', 'runs at a time (default 2)', turnsOf)
      .option('--seed <n>', 'the experiment seed each repeat\'s seed is derived from (default 0)', seedOf)
      .option('--queue <redis-url>', 'run each repeat as a job on this Redis (BullMQ), done by `cf worker` processes; a variant without a model uses the worker\'s --model')
      .option('--json', 'print the outcomes as JSON'),
    'offline',
  ).action(async (dir: string, options: ModelFlags & { variants: string; log: string; concurrency?: number; json?: boolean; seed?: number; queue?: string }) => {
    const config = loadSimulationConfig(scenarioPath(dir));
    const runLog = openLog(options.log);
    try {
      const variants = options.queue === undefined ? readVariants(options.variants, options, runLog, config) : readQueuedVariants(options.variants, runLog, config);
      const experiment = await runPersonaExperiment({ scenario: config, variants, concurrency: options.concurrency, runLog, seed: options.seed, ...(options.queue !== undefined ? { queue: options.queue } : {}) });
      if (options.json) outJson(experiment.outcomes);
      else out(`${experiment.toString()}\n\n${experiment.summary().toString()}`);
      if (experiment.outcomes.some((outcome) => outcome.error !== null)) {
        throw new CliExit(EXIT.error, experiment.outcomes.filter((outcome) => outcome.error).map((outcome) => `error: ${outcome.variant} #${outcome.repeat}: ${outcome.error}`).join('\n'));
      }
    } finally {
      runLog.close();
    }
  });
}
