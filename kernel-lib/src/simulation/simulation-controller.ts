import { CampfiresError, errorToJson, systemClock, type Clock } from '../core';
import type { JsonValue } from '../messages';
import type { RunEvent, RunEventInit, RunInfo, RunLog } from '../runlog';
import type { CouncilAgent, DecisionTrace, Observation } from './council-agent';
import { BufferedRunLog } from './buffered-run-log';
import { JsonlDebugLog } from './debug-log';
import { passAction, type Action, type RoundSummary, type WorldState } from './models';
import { narrateAction, narrateEnd } from './narrator';
import { checkPersonas, describeStopCondition, stopConditionHolds, type SimulationConfig } from './simulation-config';
import { SIMULATION_EVENT_KINDS, transcriptFromEvents, type ActionRecord, type SimulationEnd, type SimulationTranscript, type TurnRecord } from './simulation-record';
import { World, describeChange, type ActionChange, type ActionCheck } from './world';
import { describeRoundAction, roundLine } from './simulation-prompt';

/** Adapters and options of a controller; the controller wires nothing itself. */
export interface SimulationControllerOptions {
  config: SimulationConfig;
  agents: readonly CouncilAgent[];
  runLog: RunLog;
  /** What decides, shown with every result: `persona-policy (offline)`, `ollama:llama3.1:8b`... */
  backend: string;
  /** Where the JSONL debug file goes; none when left out. */
  debugLogPath?: string;
  /** Where narrative lines go; defaults to the console at log_level info or debug, `null` for silence. */
  narrate?: ((line: string) => void) | null;
  clock?: Clock;
  /**
   * Events of agents that decide without waiting (offline policies) are written in one
   * transaction at most this often (default 50 ms), so a fast council is not bound by SQLite
   * commits; a kill loses at most this much work, which resume redoes. While a model thinks
   * everything pending is written at once. Writes happen while the next decision is being
   * made, not between decisions. 0 writes every event on its own.
   */
  flushIntervalMs?: number;
}

/** An applied action, or the end of a turn, whose records are not written yet. */
type Unwritten =
  | {
      turn: number;
      index: number;
      agent: CouncilAgent;
      proposed: Action;
      action: Action;
      check: ActionCheck;
      change: ActionChange;
      trace: DecisionTrace;
      appliedAt: number;
      replayed: boolean;
      /** The action's entry in its round's summary, frozen when the record is written. */
      entry: RoundEntry;
      /** Its round's line parts, where this action's part is put when the record is written. */
      roundParts: string[];
    }
  | { turnEnd: TurnRecord; endedAt: number };

/** One action in a round's summary. */
type RoundEntry = RoundSummary['actions'][number];

/** What a run in progress keeps between its steps. */
interface RunState {
  world: World;
  debug: JsonlDebugLog | null;
  /** What a resumed run had recorded: its decisions are replayed without asking the agents. */
  recorded: SimulationTranscript;
  recordedTurns: ReadonlySet<number>;
  replayIndex: number;
  /** Consecutive rounds in which every member passed. */
  streak: number;
  /** What each member did this turn, as the round's summary shows it. */
  round: RoundEntry[];
  /** Each of this turn's actions as the round's line shows it, made while the next member decides. */
  roundParts: string[];
  /** When the turn's last action was applied: when the turn ended. */
  endedAt: number;
  unwritten: Unwritten[];
}

/** The initial world state a config describes. */
export function initialWorldState(config: SimulationConfig): WorldState {
  return { resource_level: config.world.initial_resource_level, stability: config.world.initial_stability, turn: 0 };
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
  private readonly listeners = new Set<(event: RunEvent) => void>();
  private current: SimulationTranscript = { actions: [], turns: [], end: null };
  private runInfo: RunInfo | null = null;
  private pending: RunEventInit[] = [];
  private lastFlush = performance.now();

  constructor(private readonly options: SimulationControllerOptions) {
    this.config = options.config;
    this.agents = options.agents;
    checkPersonas(this.agents.map((agent) => agent.persona), options.config.source.personas);
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

  /** The run-log meta of a simulation run: everything needed to rebuild it. */
  runMeta(): { [key: string]: JsonValue } {
    return {
      scenario: this.config.name,
      backend: this.options.backend,
      agents: this.agents.map((agent) => ({ name: agent.name, policy: agent.policy })),
      config: JSON.parse(JSON.stringify(this.config)) as JsonValue,
    };
  }

  /** Starts a new run and plays it to the end. */
  async run(options: { runId?: string } = {}): Promise<SimulationTranscript> {
    this.runInfo = this.runLog.startRun({ kind: 'simulation', name: this.config.name, meta: this.runMeta(), id: options.runId, ts: this.clock.now() });
    return this.play({ actions: [], turns: [], end: null });
  }

  /** Continues a run from its last completed action: recorded decisions are replayed without asking the agents. */
  async resume(runId: string): Promise<SimulationTranscript> {
    this.runInfo = this.runLog.run(runId);
    const recorded = transcriptFromEvents(this.runLog.events(runId, { kinds: [...SIMULATION_EVENT_KINDS] }));
    if (recorded.end) {
      this.current = recorded;
      return recorded;
    }
    if (recorded.actions.length > 0) this.narrate?.(`${this.config.name}: resuming run ${runId} after ${recorded.actions.length} recorded actions (turn ${recorded.actions[recorded.actions.length - 1]?.turn})`);
    return this.play(recorded);
  }

  /** The time deferred rows of the model's answer are stamped with while they are written. */
  private stampAt: number | undefined;

  private append(event: RunEventInit, now = false): void {
    this.queue(event);
    if (now || this.options.flushIntervalMs === 0) this.flush();
  }

  /** Adds an event to the pending batch, stamped with its own time, else `stampAt`, else now. */
  private queue(event: RunEventInit): RunEventInit {
    const queued = { ...event, ts: event.ts ?? this.stampAt ?? this.clock.now() };
    this.pending.push(queued);
    return queued;
  }

  /** Set while a write of pending events waits for the thread to be idle. */
  private writeQueued = false;
  /** A write that failed while a model was thinking, thrown at the next step of the run. */
  private writeFailure: { error: unknown } | null = null;

  /**
   * Writes pending events and debug lines while the agent that was just asked decides: as
   * soon as the thread would otherwise wait (for a model's answer), so nothing is left to
   * write between that answer and the next call, nor at the end of the run. Agents that
   * decide without waiting never leave the thread idle; their events are written in
   * batches once the flush interval has passed.
   */
  private writeBehind(debug: JsonlDebugLog | null): void {
    if (!this.writeQueued && this.pending.length > 0 && this.options.flushIntervalMs !== 0) {
      this.writeQueued = true;
      setImmediate(() => {
        this.writeQueued = false;
        try {
          this.flush();
          debug?.flush();
        } catch (error) {
          this.writeFailure ??= { error };
        }
      });
    }
    if (performance.now() - this.lastFlush < (this.options.flushIntervalMs ?? 50)) return;
    this.flush();
    debug?.flush();
  }

  /** Throws a write failure that happened while the thread was waiting. */
  private checkWrites(): void {
    const failure = this.writeFailure;
    this.writeFailure = null;
    if (failure) throw failure.error;
  }

  private flush(): void {
    this.lastFlush = performance.now();
    if (this.pending.length === 0 || !this.runInfo) return;
    const written = this.runLog.appendMany(this.runInfo.id, this.pending);
    this.pending = [];
    for (const event of written) for (const listener of this.listeners) listener(event);
  }

  private async play(recorded: SimulationTranscript): Promise<SimulationTranscript> {
    const { simulation } = this.config;
    const names = this.agents.map((agent) => agent.name);
    const world = new World(initialWorldState(this.config), names);
    for (const agent of this.agents) agent.seat(names, simulation.history_depth);
    const buffered = new BufferedRunLog(this.runLog, (event) => this.queue(event));
    for (const agent of this.agents) agent.attachRun(buffered, (this.runInfo as RunInfo).id);
    const debug = this.options.debugLogPath ? new JsonlDebugLog(this.options.debugLogPath) : null;
    this.current = { actions: [], turns: [], end: null };
    const run: RunState = { world, debug, recorded, recordedTurns: new Set(recorded.turns.map((turn) => turn.turn)), replayIndex: 0, streak: 0, round: [], roundParts: [], endedAt: 0, unwritten: [] };
    let reason = `max_turns (${simulation.max_turns}) reached`;
    debug?.write({ event: 'simulation-start', scenario: this.config.name, backend: this.options.backend, agents: this.agents.map((agent) => ({ name: agent.name, policy: agent.policy })), simulation: simulation as unknown as JsonValue, world: world.state });
    // The loop only waits; each step's work is in small methods, which the engine optimizes
    // early and on their own rather than as part of one long function.
    try {
      while (world.state.turn < simulation.max_turns) {
        const turn = this.startTurn(run);
        for (let index = 0; index < this.agents.length; index += 1) {
          const agent = this.agents[index] as CouncilAgent;
          const observation = agent.observe(world.getView(agent.name));
          const replay = this.replayOf(run, turn, agent);
          if (replay) {
            this.apply(run, agent, index, turn, replay.proposed, replay.trace, true);
            continue;
          }
          let proposed: Action;
          try {
            proposed = await this.ask(run, agent, observation);
          } catch (error) {
            this.writeUnwritten(run);
            agent.writeLogs();
            throw this.interrupted(error, turn, agent.name, world.state);
          }
          this.checkWrites();
          this.apply(run, agent, index, turn, proposed, agent.takeTrace() ?? { fallback: false }, false);
        }
        const stop = this.endTurn(run, turn);
        if (stop !== null) {
          reason = stop;
          break;
        }
      }
      this.writeUnwritten(run);
      this.checkWrites();
      const end: SimulationEnd = { reason, state: world.state, turns: world.state.turn };
      this.current.end = end;
      debug?.write({ event: 'simulation-end', ...(end as unknown as { [key: string]: JsonValue }) });
      this.append({ kind: 'simulation-end', data: end as unknown as JsonValue }, true);
      this.runInfo = this.runLog.endRun((this.runInfo as RunInfo).id, 'completed', this.clock.now());
      this.narrate?.(narrateEnd(this.config.name, end));
      return this.current;
    } finally {
      this.writeUnwritten(run);
      this.flush();
      debug?.close();
    }
  }

  /** Starts the next turn: its number. */
  private startTurn(run: RunState): number {
    run.round = [];
    run.roundParts = [];
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

  /** Asks `agent` for its action and, while it decides (a model thinks), writes what is due. */
  private ask(run: RunState, agent: CouncilAgent, observation: Observation): Promise<Action> {
    const decision = agent.decideAction(observation);
    this.writeUnwritten(run);
    this.writeBehind(run.debug);
    return decision;
  }

  /** Applies a decided (or replayed) action, an invalid one as `pass`; its records are written after the next call goes out. */
  private apply(run: RunState, agent: CouncilAgent, index: number, turn: number, proposed: Action, trace: DecisionTrace, replayed: boolean): void {
    const { world } = run;
    const check = world.checkAction(agent.name, proposed);
    const action = check.valid ? proposed : passAction(`replaced by pass: ${check.reason}`);
    // The sentence saying what changed is made with the record, after the next call goes out.
    const change = world.change(agent.name, action);
    agent.acted(action);
    // A replayed decision asked no model, so the previous records are written here.
    this.writeUnwritten(run);
    // Frozen with the record, off the way to the next call, or at the turn's end for its last action.
    const entry = { agent: agent.name, type: action.type, target: action.target, reason: action.reason, success: change.success };
    run.round.push(entry);
    // Stamped now: the log says when the action was applied, not when its row was written.
    const appliedAt = this.clock.now();
    run.endedAt = appliedAt;
    run.unwritten.push({ turn, index, agent, proposed, action, check, change, trace, appliedAt, replayed, entry, roundParts: run.roundParts });
  }

  /** Ends a turn: every member remembers it; the reason to stop here, or null to go on. */
  private endTurn(run: RunState, turn: number): string | null {
    const { world, round } = run;
    const { simulation } = this.config;
    // Frozen, so the prompt keeps the text it makes of this round for every member and both turns it is shown.
    Object.freeze(round[round.length - 1]);
    // The round's line, from its actions' parts made while later members decided: the next
    // member's prompt shows it, so only the last part is made on the way to that call.
    const parts = run.roundParts;
    for (let index = 0; index < round.length; index += 1) parts[index] ??= describeRoundAction(round[index] as RoundEntry);
    const line = roundLine(turn, parts, world.state);
    const summary: RoundSummary = Object.freeze({ turn, actions: Object.freeze(round), state: world.state, line }) as RoundSummary;
    for (const agent of this.agents) agent.remember(summary);
    const allPass = round.every((entry) => entry.type === 'pass');
    run.streak = allPass ? run.streak + 1 : 0;
    run.unwritten.push({ turnEnd: { turn, state: world.state, allPass, allPassStreak: run.streak }, endedAt: run.endedAt });
    if (run.streak >= simulation.stop_after_all_pass_rounds) return `every agent passed ${run.streak} rounds in a row`;
    const condition = simulation.stop_when.find((entry) => stopConditionHolds(entry, world.state));
    return condition ? `terminal condition: ${describeStopCondition(condition)}` : null;
  }

  /**
   * Writes the records of what happened since the last write — transcript, debug and run
   * log, narrative — in order. They wait until the next member's model call has gone out:
   * the world has moved on already, and nothing the next member sees depends on them.
   */
  private writeUnwritten(run: RunState): void {
    if (run.unwritten.length === 0) return;
    const { debug, recordedTurns } = run;
    const { simulation } = this.config;
    // Taken off the list before writing, so a write that throws is not repeated by the next.
    const items = run.unwritten;
    run.unwritten = [];
    for (const item of items) {
      if ('turnEnd' in item) {
        const turnRecord = item.turnEnd;
        this.current.turns.push(turnRecord);
        debug?.write({ event: 'turn-end', ...(turnRecord as unknown as { [key: string]: JsonValue }) });
        if (!recordedTurns.has(turnRecord.turn)) this.append({ kind: 'turn-end', data: turnRecord as unknown as JsonValue, ts: item.endedAt });
        continue;
      }
      const { agent, check, change, trace } = item;
      Object.freeze(item.entry);
      item.roundParts[item.index] ??= describeRoundAction(item.entry);
      const record: ActionRecord = {
        turn: item.turn,
        index: item.index,
        agent: agent.name,
        policy: agent.policy,
        proposed: item.proposed,
        action: item.action,
        valid: check.valid,
        invalidReason: check.valid ? null : check.reason,
        success: change.success,
        message: describeChange(agent.name, item.action, change),
        fallback: trace.fallback || !check.valid,
        state: change.after,
        trace,
      };
      // The model's answer first, stamped as when it came (the action followed at once).
      this.stampAt = item.appliedAt;
      agent.writeLogs();
      this.stampAt = undefined;
      this.current.actions.push(record);
      debug?.write({ event: 'action', ...(record as unknown as { [key: string]: JsonValue }) });
      if (!item.replayed) {
        this.append({ kind: 'action-applied', camper: agent.name, data: record as unknown as JsonValue, ts: item.appliedAt });
        this.narrate?.(narrateAction(record));
        if (simulation.log_level === 'debug') for (const error of trace.errors ?? []) this.narrate?.(`    ${agent.name} ${error}`);
      }
    }
  }

  private interrupted(error: unknown, turn: number, agent: string, state: WorldState): CampfiresError {
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
