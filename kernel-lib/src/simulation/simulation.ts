import { inspect } from 'node:util';
import { CampfiresError, ValidationError, isolateText, keptText, type Clock } from '../core';
import { createOllamaModel, createOpenRouterModel, type LanguageModel } from '../llm';
import { LiveDisplay, displayBundle, inKernel, revealSettings, thinkingTail, type MimeBundle, type RevealOption, type SimulationPayload, type SimulationThinking } from '../display';
import { simulationBundle } from './simulation-bundle';
import { DEFAULT_RUN_LOG_PATH, SqliteRunLog, type RunEvent, type RunInfo, type RunLog } from '../runlog';
import { BaseCouncilAgent, type AgentToken, type CouncilAgent } from './council-agent';
import { LLMAgent } from './llm-agent';
import { PERSONA_POLICY_LABEL, PersonaPolicyAgent } from './persona-policy-agent';
import { loadSimulationConfig, simulationConfigFrom, type SimulationConfig } from './simulation-config';
import { SimulationController, initialWorldState } from './simulation-controller';
import { SIMULATION_EVENT_KINDS, forkOf, transcriptFromEvents, type ForkMeta, type SimulationTranscript } from './simulation-record';
import { checkForkLabel, checkForkTurn, checkForkWorld, forkConfig, forkLabel, forkPersonas, type ForkSettings } from './simulation-fork';
import { SimulationTimeline, TurnReplay, timelineRows } from './simulation-views';
import type { Action, CouncilState, Persona } from './models';
import { councilWorld, type CouncilWorld, type WorldActionInfo, type WorldDefinition } from './world';

/** The longest prompt or model answer an action keeps in the simulation payload, in characters; longer ones are cut (a prompt in its middle, an answer at its end). */
export const SIMULATION_TEXT_CAP = 4000;

type KeptTexts = { prompt?: string; answer?: string; promptLength?: number; answerLength?: number };

/** Each decision's kept texts, computed once: a live chart rebuilds the payload after every turn. */
const keptTextsCache = new WeakMap<object, KeptTexts>();

/** A prompt and the model's last answer as the payload keeps them: cut to the cap, with the whole length when cut. */
function keptTexts(trace: SimulationTranscript['actions'][number]['trace']): KeptTexts {
  const cached = keptTextsCache.get(trace);
  if (cached) return cached;
  const kept: KeptTexts = {};
  if (typeof trace.prompt === 'string') {
    const prompt = keptText(trace.prompt, SIMULATION_TEXT_CAP, { middle: true });
    kept.prompt = prompt.text;
    if (prompt.length !== undefined) kept.promptLength = prompt.length;
  }
  const answered = (trace.attempts ?? []).map((attempt) => (typeof attempt === 'object' && attempt !== null && !Array.isArray(attempt) ? attempt.raw : undefined)).filter((raw): raw is string => typeof raw === 'string');
  const raw = answered.at(-1);
  if (raw !== undefined) {
    const answer = keptText(raw, SIMULATION_TEXT_CAP);
    kept.answer = answer.text;
    if (answer.length !== undefined) kept.answerLength = answer.length;
  }
  keptTextsCache.set(trace, kept);
  return kept;
}

/** The model backends a simulation can build itself, naming the model by the scenario's `model_name`. */
export type ModelBackendName = 'ollama' | 'openrouter';
const MODEL_BACKENDS: readonly string[] = ['ollama', 'openrouter'];

/** How a simulation is wired: the model (none = offline persona-policy agents), run log, logs, live chart. */
export interface SimulationOptions {
  /**
   * The model LLM agents ask; left out or `null` runs the offline persona-policy agents.
   * A backend name (`'ollama'`, `'openrouter'`) asks the model the scenario's `model_name`
   * names, and the run's backend line says so.
   */
  model?: LanguageModel | ModelBackendName | null;
  /** Your own world (`defineWorld`): its fields, actions and rules; default the council's granary world. */
  world?: WorldDefinition;
  /** The run's seed: recorded in the run log, sent to models that take one, and used by persona-policy agents to break ties. */
  seed?: number;
  /** Sampling temperature of LLM agents (the model's default when left out). */
  temperature?: number;
  /** Time one model request may take (default: the model's own, 30 s unless built with another). */
  timeoutMs?: number;
  /** The wait after a 5xx or a 429 without `Retry-After`, doubled after each (default 1 s). */
  retryDelayMs?: number;
  /** The most one decision waits between its model requests, in all (default 60 s). */
  maxWaitMs?: number;
  /** Agents to seat instead of the default ones (one per persona, in order). */
  agents?: readonly CouncilAgent[];
  /** A run log or the path of its SQLite file (default `torch_log.db`). */
  runLog?: RunLog | string;
  /** Where to write the JSONL debug file (prompts, raw outputs, state after each action). */
  debugLogPath?: string;
  /** Where narrative lines go (default: the console at log_level info); `null` for none. */
  narrate?: ((line: string) => void) | null;
  /** Show a live world chart while running (default: inside a notebook kernel). */
  live?: boolean;
  /**
   * Show in the live chart what the deciding member writes before its action (default true):
   * an LLM member's model then streams its tokens into the member's row.
   */
  tokens?: boolean;
  /**
   * Also show decisions that did not stream (persona-policy members, scripted or cassette
   * models) being written, in steps, before they are applied (default off; `true` is
   * `{ steps: 4, stepMs: 150 }`): a council without a model shows the same flow. It slows
   * the run by `steps × stepMs` per decision, and only while someone watches.
   */
  reveal?: RevealOption;
  clock?: Clock;
}

/** What a fork changes from the run it branches from; everything left out stays as it was. */
export interface ForkOptions extends Pick<SimulationOptions, 'seed' | 'temperature' | 'timeoutMs' | 'retryDelayMs' | 'maxWaitMs' | 'debugLogPath' | 'narrate' | 'live' | 'clock'> {
  /** Seats given to other personas (`{ Mara: greedyTrader }`), or the whole council as a list. */
  personas?: Readonly<Record<string, Persona>> | readonly Persona[];
  /** A world with other actions or rules (the same state fields) from the fork on. */
  world?: WorldDefinition;
  /** Who decides from the fork on: a model, a backend name, or `null` for the offline persona-policy agents (default: as the run). */
  model?: LanguageModel | ModelBackendName | null;
  /** Scenario settings to change (`max_turns`, `stop_when`, `stop_after_all_pass_rounds`, `history_depth`...). */
  settings?: ForkSettings;
  /** A few words for the branch in charts and tables (default: what the fork changes, e.g. `Mara → Gus`). */
  label?: string;
}

/** Where a forked run branches from: its parent run, the turn after which it branches, and what it changed. */
export interface ForkedFrom {
  runId: string;
  turn: number;
  label: string;
}

/** A seat in a replayed run: it shows the recorded policy and never decides anything itself. */
class RecordedAgent extends BaseCouncilAgent {
  constructor(
    persona: Persona,
    readonly policy: string,
  ) {
    super(persona);
  }

  async decideAction(): Promise<Action> {
    throw new CampfiresError({ code: 'simulation_replay_only', message: `${this.name} is replayed from the run log and cannot decide; use Simulation.resume(runLog, runId, { model }) to continue a run`, details: { agent: this.name } });
  }
}

function openRunLog(runLog: RunLog | string | undefined): RunLog {
  if (runLog === undefined || typeof runLog === 'string') return SqliteRunLog.open(runLog ?? DEFAULT_RUN_LOG_PATH);
  return runLog;
}

/** The model an option names: a model as given, or one built for a backend name from the scenario's `model_name`. */
function modelFor(config: SimulationConfig, options: SimulationOptions, runLog: RunLog): { model: LanguageModel | null; fromSettings: boolean } {
  const given = options.model;
  if (given === undefined || given === null) return { model: null, fromSettings: false };
  if (typeof given !== 'string') return { model: given, fromSettings: false };
  if (!MODEL_BACKENDS.includes(given)) {
    throw new ValidationError({ code: 'simulation_model_invalid', message: `model "${given}" is not a model backend; pass a model, or one of ${MODEL_BACKENDS.join(', ')} to use the scenario's model_name`, issues: [{ field: 'model', message: 'unknown backend', given, allowed: [...MODEL_BACKENDS] }] });
  }
  const name = config.simulation.model_name;
  const counters = runLog instanceof SqliteRunLog ? { counters: runLog } : {};
  const model = given === 'ollama' ? createOllamaModel({ model: name, timeoutMs: options.timeoutMs }) : createOpenRouterModel({ model: name, timeoutMs: options.timeoutMs, ...counters });
  return { model, fromSettings: true };
}

function agentsFor(config: SimulationConfig, options: SimulationOptions, model: LanguageModel | null): CouncilAgent[] {
  if (options.agents) return [...options.agents];
  return config.personas.map((persona) => (model ? new LLMAgent(persona, { model, retries: config.simulation.llm_retries, temperature: options.temperature, timeoutMs: options.timeoutMs, retryDelayMs: options.retryDelayMs, maxWaitMs: options.maxWaitMs }) : new PersonaPolicyAgent(persona)));
}

/**
 * A council simulation as a notebook user holds it: run it (with a live world chart),
 * print it for a one-line summary, show, step through and replay it from the run log.
 * @example const sim = await Simulation.fromConfig('../fixtures/councils/harvest'); await sim.run();
 */
export class Simulation {
  private controller: SimulationController;
  private info: RunInfo | null = null;
  private transcriptValue: SimulationTranscript = { actions: [], turns: [], end: null };

  private constructor(
    readonly config: SimulationConfig,
    readonly agents: readonly CouncilAgent[],
    readonly runLog: RunLog,
    readonly backend: string,
    private readonly options: SimulationOptions,
    /** The world the council plays in. */
    readonly world: WorldDefinition = councilWorld,
  ) {
    const reveal = revealSettings(options.reveal, 'simulation options');
    this.controller = new SimulationController({ config, agents, runLog, backend, world, seed: options.seed, debugLogPath: options.debugLogPath, narrate: options.narrate, clock: options.clock, reveal });
  }

  /** The run's seed, when it has one. */
  get seed(): number | undefined {
    return this.options.seed;
  }

  /** Loads a scenario directory (or settings file) and seats its personas. */
  static async fromConfig(path: string, options: SimulationOptions = {}): Promise<Simulation> {
    return Simulation.fromSettings(loadSimulationConfig(path), options);
  }

  /** Builds a simulation from an already-loaded config. */
  static fromSettings(config: SimulationConfig, options: SimulationOptions = {}): Simulation {
    const runLog = openRunLog(options.runLog);
    const { model, fromSettings } = modelFor(config, options, runLog);
    const agents = agentsFor(config, options, model);
    const policies = [...new Set(agents.map((agent) => agent.policy))];
    const backend = model ? `${model.provider}:${model.modelId}${fromSettings ? ' (model_name from the scenario settings)' : ''}` : policies.join(', ');
    return new Simulation(config, agents, runLog, backend, { ...options, model }, options.world ?? councilWorld);
  }

  /**
   * The world a recorded run was played in: `given` when it is the same world (name, fields
   * and actions), the council's world for a run that did not record one, else a stand-in
   * that shows the recorded run (initial state, fields, actions) and cannot play a turn.
   */
  private static recordedWorld(run: RunInfo, given: WorldDefinition | undefined, purpose: 'replay' | 'resume'): WorldDefinition {
    const meta = (run.meta as { world?: { name?: string; fields?: string[]; actions?: WorldActionInfo[]; initial?: CouncilState } }).world;
    const recordedName = meta?.name ?? councilWorld.name;
    const signature = (world: { name?: string; fields?: readonly string[]; actions?: readonly { type: string }[] }): string =>
      JSON.stringify([world.name, world.fields ?? [], (world.actions ?? []).map((action) => action.type)]);
    if (given) {
      if (meta && signature(given) !== signature(meta)) {
        throw new ValidationError({
          code: 'simulation_world_mismatch',
          message: `run ${run.id} was played in the world "${recordedName}" (fields ${(meta.fields ?? []).join(', ')}; actions ${(meta.actions ?? []).map((action) => action.type).join(', ')}), not in the world "${given.name}" (fields ${given.fields.join(', ')}; actions ${given.actions.map((action) => action.type).join(', ')}); pass the same world to ${purpose} it`,
          issues: [{ field: 'world', message: 'not the world the run was played in', given: given.name, allowed: recordedName }],
        });
      }
      return given;
    }
    if (!meta || signature(meta) === signature(councilWorld)) return councilWorld;
    if (purpose === 'resume') {
      throw new ValidationError({
        code: 'simulation_resume_needs_world',
        message: `run ${run.id} was played in your own world "${recordedName}"; pass the same world to continue it: Simulation.resume(runLog, "${run.id}", { world })`,
        issues: [{ field: 'world', message: 'required to continue a run of your own world', allowed: recordedName }],
      });
    }
    const initial = { ...(meta.initial ?? { turn: 0 }) };
    return {
      name: recordedName,
      fields: [...(meta.fields ?? [])],
      actions: [...(meta.actions ?? [])],
      initialState: () => ({ ...initial }),
      create: (): CouncilWorld => {
        throw new CampfiresError({ code: 'simulation_replay_only', message: `run ${run.id} is replayed from the run log; pass the world "${recordedName}" to Simulation.resume to play on`, details: { runId: run.id } });
      },
    };
  }

  /** The config and run of a recorded simulation, read back from its run-log meta. */
  private static recorded(runLog: RunLog, runId: string): { run: RunInfo; config: SimulationConfig; backend: string; policies: string[]; seed: number | undefined } {
    const run = runLog.run(runId);
    if (run.kind !== 'simulation') {
      throw new ValidationError({ code: 'simulation_run_kind', message: `run ${runId} is a ${run.kind} run, not a simulation`, issues: [{ field: 'runId', message: 'not a simulation run', given: runId }] });
    }
    const meta = run.meta as { config?: SimulationConfig; backend?: string; agents?: { policy: string }[]; seed?: number };
    const recorded = meta.config as SimulationConfig;
    const config = simulationConfigFrom(
      { scenario: { name: recorded?.name, description: recorded?.description }, simulation: recorded?.simulation, world: recorded?.world },
      { personas: recorded?.personas },
      recorded?.source ?? { settings: `run ${runId}`, personas: `run ${runId}` },
    );
    return { run, config, backend: String(meta.backend ?? 'unknown'), policies: (meta.agents ?? []).map((agent) => String(agent.policy)), seed: typeof meta.seed === 'number' ? meta.seed : undefined };
  }

  /**
   * Continues a run cut short (rate limit, kernel restart, killed process) from its last
   * completed action: recorded decisions are replayed without asking anyone, the rest is run
   * with the run's recorded seed. A run of your own world needs the same world (`{ world }`).
   * @example const sim = await Simulation.resume('torch_log.db', 'run_abc');
   */
  static async resume(runLog: RunLog | string, runId: string, options: SimulationOptions = {}): Promise<Simulation> {
    const log = openRunLog(runLog);
    const { run, config, policies, backend, seed } = Simulation.recorded(log, runId);
    const world = Simulation.recordedWorld(run, options.world, 'resume');
    const needsModel = policies.some((policy) => policy !== PERSONA_POLICY_LABEL);
    if (needsModel && !options.model && !options.agents) {
      throw new ValidationError({
        code: 'simulation_resume_needs_model',
        message: `run ${runId} was decided by ${backend}; pass { model } (or { agents }) to Simulation.resume to continue it`,
        issues: [{ field: 'model', message: 'required to continue an LLM run', allowed: backend }],
      });
    }
    const sim = Simulation.fromSettings(config, { ...options, runLog: log, world, seed: options.seed ?? seed });
    await sim.withLiveChart(async () => {
      sim.transcriptValue = await sim.controller.resume(runId);
    }, () => log.run(runId));
    sim.info = log.run(runId);
    return sim;
  }

  /**
   * Opens a recorded run for viewing and stepping, exactly as logged, without any model. A
   * run of your own world is shown from what it recorded; given `{ world }`, it must be the
   * world the run was played in.
   */
  static fromRunLog(runLog: RunLog | string, runId: string, options: { world?: WorldDefinition } = {}): Simulation {
    const log = openRunLog(runLog);
    const { run, config, backend, policies, seed } = Simulation.recorded(log, runId);
    const world = Simulation.recordedWorld(run, options.world, 'replay');
    const agents = config.personas.map((persona, index) => new RecordedAgent(persona, policies[index] ?? backend));
    const sim = new Simulation(config, agents, log, backend, { narrate: null, seed }, world);
    sim.info = run;
    sim.transcriptValue = transcriptFromEvents(log.events(runId, { kinds: [...SIMULATION_EVENT_KINDS] }));
    return sim;
  }

  /**
   * A new run that branches from this one after `turn`: the first `turn` turns are this run's
   * (copied into the new run, not decided again), the world starts at their recorded state, and
   * the council (`personas`), world, model and settings you give play on from there. The branch
   * is a run of its own in the same run log (its meta names this run and the turn), which
   * `Simulation.fromRunLog` replays and `Simulation.resume` continues. With offline agents and
   * the same seed, the same fork gives the same run. `compareRuns([sim, fork]).show()` draws both.
   * @example const greedy = await sim.fork(6, { personas: { Mara: { name: 'Gus', description: 'A greedy trader', goals: ['get rich'], behavior_biases: ['greedy, takes from the stores'] } } });
   */
  async fork(turn: number, options: ForkOptions = {}): Promise<Simulation> {
    const parentRunId = this.runId;
    if (parentRunId === null || this.status === 'running') {
      const status = this.status;
      throw new ValidationError({
        code: 'simulation_fork_status',
        message: status === 'running' ? `run ${parentRunId} is still running; fork it once it has completed or stopped` : 'this simulation has not run yet; run it (await sim.run()) or open a recorded run (Simulation.fromRunLog) to fork it',
        issues: [{ field: 'status', message: 'only a run that completed or stopped can be forked', given: status, allowed: ['completed', 'interrupted', 'failed'] }],
      });
    }
    const at = checkForkTurn(turn, this.transcriptValue, parentRunId);
    const personas = forkPersonas(this.config.personas, options.personas);
    const config = forkConfig(this.config, personas, options.settings, at);
    const state = at === 0 ? initialWorldState(this.config, this.world) : (this.transcriptValue.turns.find((entry) => entry.turn === at)?.state as CouncilState);
    const world = options.world ?? this.world;
    checkForkWorld(world, this.world, state, parentRunId);
    const replayed = this.agents.some((agent) => agent instanceof RecordedAgent);
    let model = options.model;
    if (model === undefined) {
      const parentModel = replayed ? null : (this.options.model as LanguageModel | null | undefined) ?? null;
      if (!parentModel && this.agents.some((agent) => agent.policy !== PERSONA_POLICY_LABEL)) {
        throw new ValidationError({
          code: 'simulation_fork_needs_model',
          message: `run ${parentRunId} was decided by ${this.backend}; pass { model } to fork it (or model: null for the offline persona-policy agents)`,
          issues: [{ field: 'model', message: 'required to fork a run its model decided', allowed: this.backend }],
        });
      }
      model = parentModel;
    }
    const { temperature, timeoutMs, retryDelayMs, maxWaitMs, narrate, live, clock } = replayed ? ({} as SimulationOptions) : this.options;
    const inherited = Object.fromEntries(Object.entries({ temperature, timeoutMs, retryDelayMs, maxWaitMs, narrate, live, clock }).filter(([, value]) => value !== undefined));
    const given = Object.fromEntries(
      Object.entries({ temperature: options.temperature, timeoutMs: options.timeoutMs, retryDelayMs: options.retryDelayMs, maxWaitMs: options.maxWaitMs, narrate: options.narrate, live: options.live, clock: options.clock }).filter(([, value]) => value !== undefined),
    );
    const seed = options.seed ?? this.seed;
    const sim = Simulation.fromSettings(config, { ...inherited, ...given, model, world, seed, runLog: this.runLog, debugLogPath: options.debugLogPath });
    const label =
      options.label === undefined
        ? forkLabel({ before: this.config.personas, after: personas, world: options.world && options.world !== this.world ? world.name : null, model: options.model === undefined || sim.backend === this.backend ? undefined : ((sim.options.model as LanguageModel | null) ?? null), settings: options.settings, seed: options.seed !== undefined && options.seed !== this.seed ? options.seed : undefined })
        : checkForkLabel(options.label);
    const events = this.runLog.events(parentRunId);
    const cut = at === 0 ? -1 : events.findIndex((event) => event.kind === 'turn-end' && (event.data as { turn?: number }).turn === at);
    const prefix = events.slice(0, cut + 1).filter((event) => event.kind !== 'simulation-end' && event.kind !== 'simulation-interrupted');
    const fork: ForkMeta = { parentRunId, turn: at, state: { ...state }, label };
    try {
      await sim.withLiveChart(async () => {
        sim.transcriptValue = await sim.controller.fork(fork, prefix);
      }, () => sim.controller.currentRun);
    } finally {
      sim.info = sim.controller.currentRun;
      sim.transcriptValue = sim.controller.transcript;
    }
    return sim;
  }

  /** Where this run branches from, when it is a fork (`sim.fork`): its parent run, the turn and what changed; null otherwise. */
  get forkedFrom(): ForkedFrom | null {
    const run = this.info ?? this.controller.currentRun;
    const fork = run ? forkOf(run) : null;
    return fork ? { runId: fork.parentRunId, turn: fork.turn, label: fork.label } : null;
  }

  /** Calls `listener` for every run-log event of this simulation as it is written; returns unsubscribe. */
  onEvent(listener: (event: RunEvent) => void): () => void {
    return this.controller.onEvent(listener);
  }

  /**
   * Calls `listener` with every piece of text a member writes before its action: an LLM
   * member's tokens as they stream in (its model streams while anyone listens), and with
   * `reveal` the steps of decisions that did not stream. Returns unsubscribe; nothing of it
   * is stored in the run log.
   * @example sim.onToken((token) => process.stdout.write(token.chunk));
   */
  onToken(listener: (token: AgentToken) => void): () => void {
    return this.controller.onToken(listener);
  }

  /** The run id (once started). */
  get runId(): string | null {
    return this.info?.id ?? this.controller.currentRun?.id ?? null;
  }

  /** `running`, `completed`, `interrupted`, or `not started`. */
  get status(): string {
    return this.info?.status ?? this.controller.currentRun?.status ?? 'not started';
  }

  /** Everything recorded so far. */
  get transcript(): SimulationTranscript {
    return this.transcriptValue;
  }

  /** The world state after the last action (the initial state before a run). */
  get state(): CouncilState {
    return this.transcriptValue.actions.at(-1)?.state ?? initialWorldState(this.config, this.world);
  }

  /** Runs the council to its end; inside a notebook a world chart updates in place after every turn. */
  async run(): Promise<this> {
    if (this.runId) throw new ValidationError({ code: 'simulation_already_run', message: `this simulation already ran (run ${this.runId}); build a new one with Simulation.fromConfig, or use replay(turn)`, issues: [] });
    try {
      await this.withLiveChart(async () => {
        this.transcriptValue = await this.controller.run();
      }, () => this.controller.currentRun);
    } finally {
      this.info = this.controller.currentRun;
      this.transcriptValue = this.controller.transcript;
    }
    return this;
  }

  private async withLiveChart(work: () => Promise<void>, run: () => RunInfo | null): Promise<void> {
    const live = this.options.live ?? inKernel();
    if (!live) return work();
    const display = new LiveDisplay({ throttleMs: 200 });
    // What the deciding member is writing now: live only, replaced by its action once applied.
    let thinking: SimulationThinking | null = null;
    const render = (): Promise<MimeBundle> => {
      const status = run()?.status;
      const payload = this.payload(status);
      if (thinking && payload.status === 'running') payload.thinking = [thinking];
      return simulationBundle(payload);
    };
    const stopEvents = this.controller.onEvent((event) => {
      // A member's next decision, written before this action was told, stays.
      if (event.kind === 'action-applied' && thinking?.agent === event.camper) {
        const turn = (event.data as { turn?: unknown } | null)?.turn;
        if (typeof turn !== 'number' || turn >= thinking.turn) thinking = null;
      }
      if (event.kind === 'turn-end' || event.kind === 'simulation-end' || event.kind === 'action-applied') {
        this.transcriptValue = this.controller.transcript;
        display.update(render);
      }
    });
    const stopTokens =
      this.options.tokens === false
        ? () => undefined
        : this.controller.onToken((token) => {
            thinking = { agent: token.agent, turn: token.turn, text: thinkingTail(token.text), revealed: token.revealed };
            display.update(render);
            // A revealed step waits until the chart has shown it, so none is skipped.
            return token.revealed ? display.whenShown() : undefined;
          });
    const stop = (): void => {
      stopEvents();
      stopTokens();
      thinking = null;
    };
    display.update(render);
    try {
      // The chart first: the narrative printed during the run goes under it, not above.
      await display.whenShown();
      await work();
    } finally {
      stop();
      this.transcriptValue = this.controller.transcript;
      this.info = run();
      display.update(render);
      await display.close();
    }
  }

  /** The payload of the world chart (`application/vnd.campfires.simulation.v1+json`). */
  payload(status: RunInfo['status'] = this.info?.status ?? 'running'): SimulationPayload {
    const initial = initialWorldState(this.config, this.world);
    const fields = this.world.fields;
    const measures = (state: CouncilState): Record<string, number> => Object.fromEntries(fields.map((field) => [field, state[field] as number]));
    const memberActions = new Set(this.world.actions.filter((action) => action.target === 'member').map((action) => action.type));
    const payload: SimulationPayload = {
      version: 1,
      runId: this.runId ?? '',
      title: this.config.name,
      backend: this.backend,
      status,
      agents: this.agents.map((agent) => ({ name: agent.name, description: agent.persona.description, policy: agent.policy })),
      ...(this.world === councilWorld ? {} : { measures: [...fields], world: this.world.name }),
      ...(this.seed === undefined ? {} : { seed: this.seed }),
      ...(this.forkedFrom ? { fork: this.forkedFrom } : {}),
      turns: [{ turn: 0, ...measures(initial) }, ...this.transcriptValue.turns.map((turn) => ({ turn: turn.turn, ...measures(turn.state) }))],
      actions: this.transcriptValue.actions.map((record) => ({
        turn: record.turn,
        agent: record.agent,
        action: record.action.type,
        target: memberActions.has(record.action.type) ? record.action.target : null,
        reason: record.action.reason,
        success: record.success,
        message: record.message,
        fallback: record.fallback,
        ...keptTexts(record.trace),
      })),
    };
    if (payload.actions.some((action) => action.prompt !== undefined || action.answer !== undefined)) payload.textCap = SIMULATION_TEXT_CAP;
    return payload;
  }

  /** The rich view: world chart, action table and text. */
  toMimeBundle(): Promise<MimeBundle> {
    return simulationBundle(this.payload());
  }

  /** Displays the world chart and action table. */
  async show(): Promise<void> {
    displayBundle(await this.toMimeBundle());
  }

  /** Who did what, with reasons. */
  timeline(): SimulationTimeline {
    return new SimulationTimeline(`${this.config.name} (${this.backend})`, timelineRows(this.transcriptValue.actions));
  }

  /** One recorded turn: state before and after and every action, read from the record (no model). */
  replay(turn: number): TurnReplay {
    const turns = this.transcriptValue.turns;
    const found = turns.find((entry) => entry.turn === turn);
    if (!found) {
      throw new ValidationError({
        code: 'simulation_turn_unknown',
        message: `turn ${turn} is not in this run; recorded turns are 1 to ${turns.length}`,
        issues: [{ field: 'turn', message: 'no such turn', given: turn, allowed: { min: 1, max: turns.length } }],
      });
    }
    const before = turns.find((entry) => entry.turn === turn - 1)?.state ?? initialWorldState(this.config, this.world);
    return new TurnReplay(turn, before, found.state, this.transcriptValue.actions.filter((record) => record.turn === turn));
  }

  /** The one-line summary. */
  toString(): string {
    const state = this.state;
    const end = this.transcriptValue.end ? ` (${this.transcriptValue.end.reason})` : '';
    const run = this.runId ? ` · run ${this.runId}` : '';
    const fields = this.world === councilWorld ? `resources ${state.resource_level}, stability ${state.stability}` : this.world.fields.map((field) => `${field} ${state[field]}`).join(', ');
    const seed = this.seed === undefined ? '' : ` · seed ${this.seed}`;
    const parent = this.forkedFrom;
    const fork = parent ? ` · fork of run ${parent.runId} after turn ${parent.turn} (${isolateText(parent.label)})` : '';
    return `Simulation "${isolateText(this.config.name)}" · ${this.agents.length} agents · ${this.backend}${seed} · turn ${state.turn}/${this.config.simulation.max_turns} · ${fields} · ${this.status}${end}${run}${fork}`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
