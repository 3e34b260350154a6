import { CampfiresError, systemClock, type Clock } from '../core';
import type { JsonValue } from '../messages';
import type { RunEvent, RunEventInit, RunInfo, RunLog } from '../runlog';
import type { CouncilAgent, DecisionTrace } from './council-agent';
import { BufferedRunLog } from './buffered-run-log';
import { JsonlDebugLog } from './debug-log';
import { passAction, type Action, type RoundSummary, type WorldState } from './models';
import { narrateAction, narrateEnd } from './narrator';
import { checkPersonas, describeStopCondition, stopConditionHolds, type SimulationConfig } from './simulation-config';
import { SIMULATION_EVENT_KINDS, transcriptFromEvents, type ActionRecord, type SimulationEnd, type SimulationTranscript, type TurnRecord } from './simulation-record';
import { World } from './world';

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
   * Events are written in one transaction at most this often (default 50 ms), so a fast
   * council is not bound by SQLite commits; a kill loses at most this much work, which
   * resume redoes. The write happens while the next decision is being made (a model is
   * thinking), not between decisions. 0 writes every event on its own.
   */
  flushIntervalMs?: number;
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

  /** Flushes pending events when the flush interval has passed, and the debug lines with them. */
  private writeBehind(debug: JsonlDebugLog | null): void {
    if (performance.now() - this.lastFlush < (this.options.flushIntervalMs ?? 50)) return;
    this.flush();
    debug?.flush();
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
    const recordedTurns = new Set(recorded.turns.map((turn) => turn.turn));
    let replayIndex = 0;
    let streak = 0;
    let reason = `max_turns (${simulation.max_turns}) reached`;
    // The last action's (or turn's) records — transcript, debug and run log, narrative — are
    // written after the next agent's model call has gone out, while that model thinks: the
    // world has moved on already, and nothing the next agent sees depends on them.
    let recordLast: (() => void) | null = null;
    const recordPrevious = (): void => {
      const pending = recordLast;
      recordLast = null;
      pending?.();
    };
    debug?.write({ event: 'simulation-start', scenario: this.config.name, backend: this.options.backend, agents: this.agents.map((agent) => ({ name: agent.name, policy: agent.policy })), simulation: simulation as unknown as JsonValue, world: world.state });
    try {
      while (world.state.turn < simulation.max_turns) {
        const turn = world.startTurn();
        const round: ActionRecord[] = [];
        /** When the turn's last action was applied: when the turn ended. */
        let endedAt = 0;
        for (const [index, agent] of this.agents.entries()) {
          const observation = agent.observe(world.getView(agent.name));
          const replay = recorded.actions[replayIndex];
          let proposed: Action;
          let trace: DecisionTrace;
          const replayed = Boolean(replay && replay.turn === turn && replay.agent === agent.name);
          if (replay && replayed) {
            replayIndex += 1;
            proposed = replay.proposed;
            trace = replay.trace;
          } else {
            try {
              const decision = agent.decideAction(observation);
              // The model is asked now: write what is due while it thinks, not on the way between decisions.
              recordPrevious();
              this.writeBehind(debug);
              proposed = await decision;
            } catch (error) {
              recordPrevious();
              agent.writeLogs();
              throw this.interrupted(error, turn, agent.name, world.state);
            }
            trace = agent.takeTrace() ?? { fallback: false };
          }
          const check = world.checkAction(agent.name, proposed);
          const action = check.valid ? proposed : passAction(`replaced by pass: ${check.reason}`);
          const outcome = world.applyAction(agent.name, action);
          agent.acted(action);
          // A replayed decision asked no model, so the previous records are written here.
          recordPrevious();
          const record: ActionRecord = {
            turn,
            index,
            agent: agent.name,
            policy: agent.policy,
            proposed,
            action,
            valid: check.valid,
            invalidReason: check.valid ? null : check.reason,
            success: outcome.success,
            message: outcome.message,
            fallback: trace.fallback || !check.valid,
            state: world.state,
            trace,
          };
          round.push(record);
          const errors = trace.errors;
          // Stamped now: the log says when the action was applied, not when its row was written.
          const appliedAt = this.clock.now();
          endedAt = appliedAt;
          recordLast = () => {
            // The model's answer first, stamped as when it came (the action followed at once).
            this.stampAt = appliedAt;
            agent.writeLogs();
            this.stampAt = undefined;
            this.current.actions.push(record);
            debug?.write({ event: 'action', ...(record as unknown as { [key: string]: JsonValue }) });
            if (!replayed) {
              this.append({ kind: 'action-applied', camper: agent.name, data: record as unknown as JsonValue, ts: appliedAt });
              this.narrate?.(narrateAction(record));
              if (simulation.log_level === 'debug') for (const error of errors ?? []) this.narrate?.(`    ${agent.name} ${error}`);
            }
          };
        }
        // Frozen, so the prompt keeps the text it makes of this round for every member and both turns it is shown.
        const summary: RoundSummary = Object.freeze({
          turn,
          actions: Object.freeze(round.map((entry) => Object.freeze({ agent: entry.agent, type: entry.action.type, target: entry.action.target, reason: entry.action.reason, success: entry.success }))),
          state: world.state,
        }) as RoundSummary;
        for (const agent of this.agents) agent.remember(summary);
        const allPass = round.every((entry) => entry.action.type === 'pass');
        streak = allPass ? streak + 1 : 0;
        const turnRecord: TurnRecord = { turn, state: world.state, allPass, allPassStreak: streak };
        const lastAction = recordLast as (() => void) | null;
        recordLast = () => {
          lastAction?.();
          this.current.turns.push(turnRecord);
          debug?.write({ event: 'turn-end', ...(turnRecord as unknown as { [key: string]: JsonValue }) });
          if (!recordedTurns.has(turn)) this.append({ kind: 'turn-end', data: turnRecord as unknown as JsonValue, ts: endedAt });
        };
        if (streak >= simulation.stop_after_all_pass_rounds) {
          reason = `every agent passed ${streak} rounds in a row`;
          break;
        }
        const condition = simulation.stop_when.find((entry) => stopConditionHolds(entry, world.state));
        if (condition) {
          reason = `terminal condition: ${describeStopCondition(condition)}`;
          break;
        }
      }
      recordPrevious();
      const end: SimulationEnd = { reason, state: world.state, turns: world.state.turn };
      this.current.end = end;
      debug?.write({ event: 'simulation-end', ...(end as unknown as { [key: string]: JsonValue }) });
      this.append({ kind: 'simulation-end', data: end as unknown as JsonValue }, true);
      this.runInfo = this.runLog.endRun((this.runInfo as RunInfo).id, 'completed', this.clock.now());
      this.narrate?.(narrateEnd(this.config.name, end));
      return this.current;
    } finally {
      recordPrevious();
      this.flush();
      debug?.close();
    }
  }

  private interrupted(error: unknown, turn: number, agent: string, state: WorldState): CampfiresError {
    const runId = (this.runInfo as RunInfo).id;
    const cause = error instanceof CampfiresError ? error.toJSON() : { name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) };
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
