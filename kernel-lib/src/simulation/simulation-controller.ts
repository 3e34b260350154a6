import { CampfiresError, ValidationError, errorToJson, inertText, isolateText, systemClock, type Clock } from '../core';
import type { JsonValue } from '../messages';
import { JsonlDebugLog, RunRecorder, type RunEvent, type RunEventInit, type RunInfo, type RunLog } from '../runlog';
import type { AgentToken, CouncilAgent, DecisionTrace, Observation } from './council-agent';
import { pause, revealPieces, type RevealSettings } from '../display';
import { passAction, type Action, type CouncilState, type RoundSummary } from './models';
import { narrateAction, narrateEnd } from './narrator';
import { checkPersonas, describeStopCondition, stopConditionHolds, type SimulationConfig } from './simulation-config';
import { SIMULATION_EVENT_KINDS, forkOf, transcriptFromEvents, type ActionRecord, type ForkMeta, type SimulationEnd, type SimulationTranscript, type TurnRecord } from './simulation-record';
import { councilWorld, type CouncilWorld, type WorldDefinition } from './world';
import { describeRoundAction, roundLine } from './simulation-prompt';
import { SEED_ALLOWED, isSeed } from './seeds';

/** Adapters and options of a controller; the controller wires nothing itself. */
export interface SimulationControllerOptions {
  config: SimulationConfig;
  agents: readonly CouncilAgent[];
  runLog: RunLog;
  /** What decides, shown with every result: `persona-policy (offline)`, `ollama:llama3.1:8b`... */
  backend: string;
  /** The world the council plays in: its fields, actions and rules (default: the council's granary world). */
  world?: WorldDefinition;
  /** The run's seed: recorded in the run log, handed to every member (tie-breaks, models that take one). */
  seed?: number;
  /** Where the JSONL debug file goes; none when left out. */
  debugLogPath?: string;
  /** Where narrative lines go; defaults to the console at log_level info or debug, `null` for silence. */
  narrate?: ((line: string) => void) | null;
  clock?: Clock;
  /**
   * The run's events are written as soon as the council waits for a model, and otherwise
   * (agents that decide without waiting) in one transaction at most this long (default
   * 50 ms) after the first of them, so a fast council is not bound by SQLite commits; a kill
   * loses at most this much work, which resume redoes. 0 writes every event on its own.
   */
  flushIntervalMs?: number;
  /** While `onToken` has listeners: reveal decisions that did not stream (persona-policy members, scripted models) in steps. */
  reveal?: RevealSettings | null;
}

/** One action in a round's summary. */
type RoundEntry = RoundSummary['actions'][number];

/** A member's decision (or a replayed one) as the controller applies it. */
interface Decision {
  agent: CouncilAgent;
  index: number;
  turn: number;
  proposed: Action;
  trace: DecisionTrace;
  /** The run-log records the decision left (its model's attempts), written before the action. */
  records: RunEventInit[];
  replayed: boolean;
}

/** What a run in progress keeps between its steps. */
interface RunState {
  world: CouncilWorld;
  /** The world's actions that name another member, as round lines show them. */
  memberActions: ReadonlySet<string>;
  debug: JsonlDebugLog | null;
  /** What a resumed run had recorded: its decisions are replayed without asking the agents. */
  recorded: SimulationTranscript;
  recordedTurns: ReadonlySet<number>;
  replayIndex: number;
  /** Consecutive rounds in which every member passed. */
  streak: number;
  /** What each member did this turn, as the round's summary shows it. */
  round: RoundEntry[];
  /** When the turn's last action was applied: when the turn ended. */
  endedAt: number;
}

/** A finished round as members remember it: who did what, the state after it, and its line. */
function roundSummary(turn: number, round: RoundEntry[], state: Readonly<CouncilState>, memberActions: ReadonlySet<string>): RoundSummary {
  const line = roundLine(turn, round.map((entry) => describeRoundAction(entry, memberActions)), state);
  return Object.freeze({ turn, actions: Object.freeze(round), state, line }) as RoundSummary;
}

/** The initial state of a world (the council's by default) a config describes. */
export function initialWorldState(config: SimulationConfig, world: WorldDefinition = councilWorld): CouncilState {
  return world.initialState(config);
}

/** Checks a run's seed and that the scenario's stop rules name fields of its world. */
function checkWorldAndSeed(config: SimulationConfig, world: WorldDefinition, seed: number | undefined): void {
  if (seed !== undefined && !isSeed(seed)) {
    throw new ValidationError({ code: 'simulation_seed_invalid', message: `seed ${String(seed)} is not a seed; a seed is ${SEED_ALLOWED}`, issues: [{ field: 'seed', message: 'not a seed', given: seed, allowed: SEED_ALLOWED }] });
  }
  config.simulation.stop_when.forEach((condition, index) => {
    if (world.fields.includes(condition.field)) return;
    const field = `${config.source.settings}: simulation.stop_when.${index}.field`;
    throw new ValidationError({
      code: 'simulation_config_invalid',
      message: `${field} "${condition.field}" is not a field of the world "${world.name}"; allowed: ${world.fields.join(', ')}`,
      issues: [{ field, message: 'not a field of the world', given: condition.field, allowed: [...world.fields] }],
    });
  });
}

/**
 * Runs a council: sequential turns, each agent observes a read-only snapshot and decides;
 * invalid actions become `pass`; stops at max_turns, a terminal world condition, or after
 * N consecutive all-pass rounds. Every action and turn goes to the run log as it happens,
 * so a run cut short continues from its last completed action (`resume`).
 * @example const result = await new SimulationController({ config, agents, runLog, backend }).run();
 */
export class SimulationController {
  private readonly config: SimulationConfig;
  private readonly agents: readonly CouncilAgent[];
  private readonly runLog: RunLog;
  private readonly clock: Clock;
  private readonly narrate: ((line: string) => void) | null;
  private readonly world: WorldDefinition;
  private readonly listeners = new Set<(event: RunEvent) => void>();
  private readonly tokenListeners = new Set<(token: AgentToken) => void | Promise<void>>();
  private current: SimulationTranscript = { actions: [], turns: [], end: null };
  private runInfo: RunInfo | null = null;
  /** The run's writer, from the start of `run` or `resume` to the end of the run. */
  private recorder: RunRecorder | null = null;

  constructor(private readonly options: SimulationControllerOptions) {
    this.config = options.config;
    this.agents = options.agents;
    checkPersonas(this.agents.map((agent) => agent.persona), options.config.source.personas);
    this.world = options.world ?? councilWorld;
    checkWorldAndSeed(options.config, this.world, options.seed);
    this.runLog = options.runLog;
    this.clock = options.clock ?? systemClock;
    const quiet = ['warning', 'error', 'silent'].includes(options.config.simulation.log_level);
    this.narrate = options.narrate === undefined ? (quiet ? null : (line) => console.log(line)) : options.narrate;
  }

  /** The run this controller writes (after `run` or `resume` started). */
  get currentRun(): RunInfo | null {
    return this.runInfo;
  }

  /** What happened so far. */
  get transcript(): SimulationTranscript {
    return this.current;
  }

  /** Calls `listener` for every run-log event as it is appended; returns unsubscribe. */
  onEvent(listener: (event: RunEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Calls `listener` with every piece of text a member writes before its action: its model's
   * tokens as they stream in (LLM members stream while anyone listens), and with `reveal`
   * the steps of decisions that did not stream. Returns unsubscribe; nothing is stored. A
   * promise a listener returns for a revealed step holds the next step until it settles.
   */
  onToken(listener: (token: AgentToken) => void | Promise<void>): () => void {
    this.tokenListeners.add(listener);
    return () => this.tokenListeners.delete(listener);
  }

  /** Tells every listener; what they return as promises (a live chart showing a revealed step) is waited for together. */
  private tellToken(token: AgentToken): Promise<unknown> {
    const waits: Promise<unknown>[] = [];
    for (const listener of this.tokenListeners) {
      try {
        const result: unknown = listener(token);
        if (result instanceof Promise) waits.push(result.catch(() => undefined));
      } catch (error) {
        process.stderr.write(`campfires: an onToken listener failed: ${(error as Error)?.message ?? error}\n`);
      }
    }
    return Promise.all(waits);
  }

  /** Asks `agent` for its action; while someone watches, what it writes is passed on as it comes, and (with `reveal`) a decision that came whole is shown in steps. */
  private async decide(agent: CouncilAgent, observed: Observation, turn: number): Promise<Action> {
    if (this.tokenListeners.size === 0) return agent.decideAction(observed);
    let writing = { attempt: 0, text: '', pieces: 0 };
    const onToken = (chunk: string, attempt: number): void => {
      if (typeof chunk !== 'string' || chunk === '') return;
      if (attempt !== writing.attempt) writing = { attempt, text: '', pieces: 0 };
      writing.text += chunk;
      writing.pieces += 1;
      this.tellToken({ agent: agent.name, turn, attempt, chunk, text: writing.text, revealed: false });
    };
    const proposed = await agent.decideAction({ ...observed, onToken });
    const reveal = this.options.reveal;
    // A decision that is not an action is the world's to refuse (it becomes a pass): nothing to reveal.
    if (reveal && writing.pieces <= 1 && this.tokenListeners.size > 0 && typeof proposed?.type === 'string') {
      const target = typeof proposed.target === 'string' && proposed.target !== 'world' ? ` → ${proposed.target}` : '';
      let text = '';
      for (const chunk of revealPieces(`${proposed.type}${target}: ${String(proposed.reason ?? '')}`, reveal.steps)) {
        text += chunk;
        // Each step stays at least `stepMs`, and until a live chart has shown it.
        await Promise.all([pause(reveal.stepMs), this.tellToken({ agent: agent.name, turn, attempt: 1, chunk, text, revealed: true })]);
      }
    }
    return proposed;
  }

  /** The run-log meta of a simulation run: everything needed to rebuild it. */
  runMeta(): { [key: string]: JsonValue } {
    return {
      scenario: this.config.name,
      backend: this.options.backend,
      agents: this.agents.map((agent) => ({ name: agent.name, policy: agent.policy })),
      config: JSON.parse(JSON.stringify(this.config)) as JsonValue,
      ...(this.options.seed === undefined ? {} : { seed: this.options.seed }),
      world: { name: this.world.name, fields: [...this.world.fields], actions: this.world.actions.map((action) => ({ ...action })), initial: this.world.initialState(this.config) } as unknown as JsonValue,
    };
  }

  /** Starts a new run and plays it to the end. */
  async run(options: { runId?: string } = {}): Promise<SimulationTranscript> {
    this.runInfo = this.runLog.startRun({ kind: 'simulation', name: this.config.name, meta: this.runMeta(), id: options.runId, ts: this.clock.now() });
    return this.play({ actions: [], turns: [], end: null });
  }

  /**
   * Starts a run that branches from another after `fork.turn`: the parent's events up to the
   * end of that turn are copied into the new run (so it replays and resumes on its own), the
   * world starts at the recorded state, and this controller's agents play on from there.
   */
  async fork(fork: ForkMeta, prefix: readonly RunEvent[], options: { runId?: string } = {}): Promise<SimulationTranscript> {
    const meta = { ...this.runMeta(), fork: fork as unknown as JsonValue };
    this.runInfo = this.runLog.startRun({ kind: 'simulation', name: this.config.name, meta, id: options.runId, ts: this.clock.now() });
    if (prefix.length > 0) {
      this.runLog.appendMany(
        this.runInfo.id,
        prefix.map((event) => ({ kind: event.kind, ts: event.ts, campfire: event.campfire, camper: event.camper, channel: event.channel, messageId: event.messageId, data: event.data })),
      );
    }
    this.narrate?.(`${isolateText(this.config.name)}: run ${this.runInfo.id} forks run ${fork.parentRunId} after turn ${fork.turn} (${isolateText(fork.label)})`);
    return this.play(transcriptFromEvents(prefix));
  }

  /** Continues a run from its last completed action: recorded decisions are replayed without asking the agents. */
  async resume(runId: string): Promise<SimulationTranscript> {
    this.runInfo = this.runLog.run(runId);
    const recorded = transcriptFromEvents(this.runLog.events(runId, { kinds: [...SIMULATION_EVENT_KINDS] }));
    if (recorded.end) {
      this.current = recorded;
      return recorded;
    }
    if (recorded.actions.length > 0) this.narrate?.(`${isolateText(this.config.name)}: resuming run ${runId} after ${recorded.actions.length} recorded actions (turn ${recorded.actions[recorded.actions.length - 1]?.turn})`);
    return this.play(recorded);
  }

  /** Queues an event of the run; `now` writes it (and everything before it) at once. */
  private append(event: RunEventInit, now = false): void {
    const recorder = this.recorder as RunRecorder;
    recorder.record(event);
    if (now) recorder.flush();
  }

  private async play(recorded: SimulationTranscript): Promise<SimulationTranscript> {
    const { simulation } = this.config;
    const names = this.agents.map((agent) => agent.name);
    const fork = forkOf(this.runInfo as RunInfo);
    const world = fork ? this.restoredWorld(names, fork) : this.world.create(names, this.config);
    for (const agent of this.agents) agent.seat(names, simulation.history_depth, this.clock, this.options.seed);
    const recorder = new RunRecorder(this.runLog, (this.runInfo as RunInfo).id, this.clock, { flushAfterMs: this.options.flushIntervalMs ?? 50, writeWhileWaiting: true });
    recorder.listen((event) => {
      for (const listener of this.listeners) listener(event);
    });
    this.recorder = recorder;
    const debug = this.options.debugLogPath ? new JsonlDebugLog(this.options.debugLogPath, { writeWhileWaiting: true }) : null;
    this.current = { actions: [], turns: [], end: null };
    const memberActions = new Set(world.actions.filter((action) => action.target === 'member').map((action) => action.type));
    const run: RunState = { world, memberActions, debug, recorded, recordedTurns: new Set(recorded.turns.map((turn) => turn.turn)), replayIndex: 0, streak: 0, round: [], endedAt: 0 };
    let reason = `max_turns (${simulation.max_turns}) reached`;
    debug?.write({
      event: 'simulation-start',
      scenario: this.config.name,
      backend: this.options.backend,
      ...(this.options.seed === undefined ? {} : { seed: this.options.seed }),
      ...(this.world === councilWorld ? {} : { world: this.world.name }),
      // An LLM member's budget per decision: requests, time per request, waits, and so the longest a decision can take.
      agents: this.agents.map((agent) => ({ name: agent.name, policy: agent.policy, ...(agent.budget ? { budget: agent.budget as unknown as JsonValue } : {}) })),
      simulation: simulation as unknown as JsonValue,
      world: world.state,
      ...(fork ? { fork: { parentRunId: fork.parentRunId, turn: fork.turn, label: fork.label } } : {}),
    });
    if (fork) this.restoreHistory(run, fork);
    try {
      while (world.state.turn < simulation.max_turns) {
        const turn = this.startTurn(run);
        for (let index = 0; index < this.agents.length; index += 1) {
          const agent = this.agents[index] as CouncilAgent;
          const observation = agent.observe(world.getView(agent.name), world.allowedActions(agent.name));
          const replay = this.replayOf(run, turn, agent);
          if (replay) {
            this.apply(run, { agent, index, turn, proposed: replay.proposed, trace: replay.trace, records: [], replayed: true });
            continue;
          }
          let proposed: Action;
          try {
            proposed = await this.decide(agent, observation, turn);
          } catch (error) {
            // What the model answered before the run had to stop is kept with the stop.
            recorder.recordAll(agent.takeRecords());
            throw this.interrupted(error, turn, agent.name, world.state);
          }
          this.apply(run, { agent, index, turn, proposed, trace: agent.takeTrace() ?? { fallback: false }, records: agent.takeRecords(), replayed: false });
        }
        const stop = this.endTurn(run, turn);
        if (stop !== null) {
          reason = stop;
          break;
        }
      }
      const end: SimulationEnd = { reason, state: world.state, turns: world.state.turn };
      this.current.end = end;
      debug?.write({ event: 'simulation-end', ...(end as unknown as { [key: string]: JsonValue }) });
      this.append({ kind: 'simulation-end', data: end as unknown as JsonValue }, true);
      this.runInfo = this.runLog.endRun((this.runInfo as RunInfo).id, 'completed', this.clock.now());
      this.narrate?.(narrateEnd(this.config.name, end));
      return this.current;
    } finally {
      try {
        recorder.flush();
      } finally {
        debug?.close();
      }
    }
  }

  /** The world of a fork, at the state it branches from. */
  private restoredWorld(names: readonly string[], fork: ForkMeta): CouncilWorld {
    if (!this.world.restore) {
      throw new CampfiresError({ code: 'simulation_fork_world', message: `the world "${this.world.name}" cannot start from a recorded state (it has no restore); make it with defineWorld to fork a run in it`, details: { world: this.world.name } });
    }
    // The world's own field order, as a run that got here by playing has it.
    const state = { ...Object.fromEntries(this.world.fields.map((field) => [field, fork.state[field] as number])), turn: fork.turn } as CouncilState;
    return this.world.restore(names, this.config, state);
  }

  /**
   * The history a fork inherits: the parent's actions and turns up to the fork are the run's
   * own first turns (they are not decided or applied again), every member remembers the last
   * rounds as it would have, and the all-pass streak goes on from there.
   */
  private restoreHistory(run: RunState, fork: ForkMeta): void {
    const actions = run.recorded.actions.filter((record) => record.turn <= fork.turn);
    const turns = run.recorded.turns.filter((record) => record.turn <= fork.turn);
    this.current.actions.push(...actions);
    this.current.turns.push(...turns);
    run.replayIndex = actions.length;
    run.streak = turns.at(-1)?.allPassStreak ?? 0;
    for (const turn of turns) {
      const round = actions.filter((record) => record.turn === turn.turn).map((record): RoundEntry => Object.freeze({ agent: record.agent, type: record.action.type, target: record.action.target, reason: record.action.reason, success: record.success }));
      const summary = roundSummary(turn.turn, round, turn.state, run.memberActions);
      for (const agent of this.agents) agent.remember(summary);
    }
    for (const record of actions) this.agents.find((agent) => agent.name === record.agent)?.acted(record.action);
  }

  /** Starts the next turn: its number. */
  private startTurn(run: RunState): number {
    run.round = [];
    run.endedAt = 0;
    return run.world.startTurn();
  }

  /** The recorded decision of `agent` in `turn`, when a resumed run replays it. */
  private replayOf(run: RunState, turn: number, agent: CouncilAgent): ActionRecord | undefined {
    const replay = run.recorded.actions[run.replayIndex];
    if (!replay || replay.turn !== turn || replay.agent !== agent.name) return undefined;
    run.replayIndex += 1;
    return replay;
  }

  /**
   * Applies a decided (or replayed) action, an invalid one as `pass`, and records it: the
   * transcript and debug file always; for a new decision also the run log — the model's
   * attempts first, then the action, stamped when it was applied — and the narrative.
   */
  private apply(run: RunState, decision: Decision): void {
    const { world, debug } = run;
    const { agent, trace } = decision;
    const check = world.checkAction(agent.name, decision.proposed);
    const action = check.valid ? decision.proposed : passAction(`replaced by pass: ${check.reason}`);
    const change = world.change(agent.name, action);
    agent.acted(action);
    const appliedAt = this.clock.now();
    run.endedAt = appliedAt;
    // Frozen: the prompts of later members show this entry, and the round's line is made from it.
    run.round.push(Object.freeze({ agent: agent.name, type: action.type, target: action.target, reason: action.reason, success: change.success }));
    const record: ActionRecord = {
      turn: decision.turn,
      index: decision.index,
      agent: agent.name,
      policy: agent.policy,
      proposed: decision.proposed,
      action,
      valid: check.valid,
      invalidReason: check.valid ? null : check.reason,
      success: change.success,
      message: world.describeChange(agent.name, action, change),
      fallback: trace.fallback || !check.valid,
      state: change.after,
      trace,
    };
    this.current.actions.push(record);
    debug?.write({ event: 'action', ...(record as unknown as { [key: string]: JsonValue }) });
    if (decision.replayed) return;
    (this.recorder as RunRecorder).recordAll(decision.records);
    this.append({ kind: 'action-applied', camper: agent.name, data: record as unknown as JsonValue, ts: appliedAt });
    this.narrate?.(narrateAction(record));
    if (this.config.simulation.log_level === 'debug') for (const error of trace.errors ?? []) this.narrate?.(inertText(`    ${isolateText(agent.name)} ${error}`));
  }

  /** Ends a turn: every member remembers it, and it is recorded; the reason to stop here, or null to go on. */
  private endTurn(run: RunState, turn: number): string | null {
    const { world, round, debug } = run;
    const { simulation } = this.config;
    const summary = roundSummary(turn, round, world.state, run.memberActions);
    for (const agent of this.agents) agent.remember(summary);
    const allPass = round.every((entry) => entry.type === 'pass');
    run.streak = allPass ? run.streak + 1 : 0;
    const turnRecord: TurnRecord = { turn, state: world.state, allPass, allPassStreak: run.streak };
    this.current.turns.push(turnRecord);
    debug?.write({ event: 'turn-end', ...(turnRecord as unknown as { [key: string]: JsonValue }) });
    // The turn ended when its last action was applied.
    if (!run.recordedTurns.has(turn)) this.append({ kind: 'turn-end', data: turnRecord as unknown as JsonValue, ts: run.endedAt });
    if (run.streak >= simulation.stop_after_all_pass_rounds) return `every agent passed ${run.streak} rounds in a row`;
    const condition = simulation.stop_when.find((entry) => stopConditionHolds(entry, world.state));
    if (condition) return `terminal condition: ${describeStopCondition(condition)}`;
    const ended = world.endReason?.() ?? null;
    return ended === null ? null : `the world ended: ${ended}`;
  }

  private interrupted(error: unknown, turn: number, agent: string, state: CouncilState): CampfiresError {
    const runId = (this.runInfo as RunInfo).id;
    const cause = errorToJson(error);
    this.append({ kind: 'simulation-interrupted', camper: agent, data: { turn, state, error: JSON.parse(JSON.stringify(cause)) as JsonValue } }, true);
    this.runInfo = this.runLog.endRun(runId, 'interrupted', this.clock.now());
    return new CampfiresError({
      code: 'simulation_interrupted',
      message: `${this.config.name}: run ${runId} stopped at turn ${turn} while ${agent} was deciding (${cause.message}); its ${this.current.actions.length} completed actions are in ${this.runLog.path}. Continue with Simulation.resume(runLog, "${runId}")`,
      details: { runId, turn, agent, actions: this.current.actions.length, error: cause },
      cause: error,
    });
  }
}
