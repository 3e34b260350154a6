import { inspect } from 'node:util';
import { systemClock, type Clock } from '../core';
import type { ModelCallBudget } from '../llm';
import type { JsonValue } from '../messages';
import type { RunEventInit } from '../runlog';
import type { Action, AgentState, CouncilState, Persona, RoundSummary } from './models';
import { councilAllowedActions, type AllowedAction } from './world';

/** What an agent sees before it decides: a read-only world snapshot, the council and its short history. */
export interface Observation {
  agent: string;
  world: Readonly<CouncilState>;
  /** The other council members, in seating order. */
  others: readonly string[];
  /** The last `history_depth` rounds, oldest first. */
  history: readonly RoundSummary[];
  /** Every action the world declares, with its effect and whether the world would accept it now. */
  allowed: readonly AllowedAction[];
  /** The run's seed (when it has one), for decisions that break ties or ask a model that takes one. */
  seed?: number;
  /**
   * Set while someone watches the council live (a live chart, `Simulation.onToken`): call it
   * with each piece of text the member's model writes as it arrives, and the model request
   * of this decision it belongs to (1, 2...). An LLM member then asks its model to stream.
   */
  onToken?: (chunk: string, attempt: number) => void;
}

/**
 * A piece of text a council member wrote before its action was applied: its model's token
 * as it streamed in, or a step of a decision revealed after the fact (`reveal`).
 * `Simulation.onToken` hands these out; the live chart shows `text` in the member's row
 * until the action replaces it.
 */
export interface AgentToken {
  agent: string;
  turn: number;
  /** The model request of the decision it belongs to (1, then 2... after an unusable answer); 1 for a reveal. */
  attempt: number;
  /** The piece that just arrived. */
  chunk: string;
  /** Everything written in this attempt so far. */
  text: string;
  /** True for a step of a revealed decision, false for a model's stream. */
  revealed: boolean;
}

/** How a decision was reached, for the JSONL debug log and the run log (prompts, raw outputs, errors). */
export interface DecisionTrace {
  prompt?: string;
  attempts?: JsonValue[];
  errors?: string[];
  /** True when the agent fell back to `pass` because it got no valid answer. */
  fallback: boolean;
  /** When the fallback came from a failed request (not a bad answer): its error code, e.g. `model_provider_error`. */
  modelFailure?: string;
}

/**
 * A council member: it observes the world, decides one action per turn and keeps a small
 * internal state. Implemented by `PersonaPolicyAgent` (offline) and `LLMAgent`.
 */
export interface CouncilAgent {
  readonly name: string;
  readonly persona: Persona;
  /** How it decides, shown with every result: `persona-policy (offline)`, `llm ollama:llama3.1:8b`... */
  readonly policy: string;
  readonly internalState: AgentState;
  /** What one decision may spend on its model (LLM members only): requests, time per request, waits. */
  readonly budget?: ModelCallBudget;
  /** Takes its seat: the council members in order, how many past rounds it remembers, the council's clock and the run's seed. */
  seat(council: readonly string[], historyDepth: number, clock?: Clock, seed?: number): void;
  /** What it sees: the world's state, and the world's actions as `allowedActions` gives them (the council's world's by default). */
  observe(worldState: Readonly<CouncilState>, allowed?: readonly AllowedAction[]): Observation;
  decideAction(observation: Observation): Promise<Action>;
  /** The trace of the last decision, taken once. */
  takeTrace(): DecisionTrace | undefined;
  /** Records the action the world applied for this agent. */
  acted(action: Action): void;
  /** Adds a finished round to the short-term history. */
  remember(round: RoundSummary): void;
  /** The run-log records its last decision left (its model's attempts), taken once; the controller writes them with the action. */
  takeRecords(): RunEventInit[];
}

/** Shared bookkeeping of council agents: seat, history window, internal state, observation. */
export abstract class BaseCouncilAgent implements CouncilAgent {
  abstract readonly policy: string;
  readonly internalState: AgentState = { last_action: null };
  protected council: readonly string[] = [];
  /** The council without this member, in seating order. */
  protected others: readonly string[] = [];
  protected historyDepth = 2;
  protected history: RoundSummary[] = [];
  protected trace: DecisionTrace | undefined;
  protected records: RunEventInit[] = [];
  /** The council's clock, which the records of this member's decisions are stamped with. */
  protected clock: Clock = systemClock;
  /** The run's seed, when it has one: for tie-breaks, and sent to models that take one. */
  protected seed: number | undefined;

  constructor(readonly persona: Persona) {}

  get name(): string {
    return this.persona.name;
  }

  /** One line for a notebook cell: who the member is and what decides for them. */
  [inspect.custom](): string {
    const last = this.internalState.last_action;
    return `${this.constructor.name} ${this.name} (${this.policy})${this.council.length > 0 ? `, seated with ${this.others.join(', ')}` : ''}${last ? `, last action ${last}` : ''}`;
  }

  seat(council: readonly string[], historyDepth: number, clock: Clock = systemClock, seed?: number): void {
    this.clock = clock;
    this.seed = seed;
    this.council = [...council];
    this.others = Object.freeze(this.council.filter((name) => name !== this.name));
    this.historyDepth = historyDepth;
    this.history = [];
    this.internalState.last_action = null;
  }

  observe(worldState: Readonly<CouncilState>, allowed?: readonly AllowedAction[]): Observation {
    // Seated members and the allowed actions rarely change: the same frozen lists are handed
    // out each turn (the prompt keeps the text made from them), not built anew.
    const others = this.others;
    return {
      agent: this.name,
      world: Object.isFrozen(worldState) ? worldState : Object.freeze({ ...worldState }),
      others,
      history: this.historyDepth === 0 ? [] : this.history.slice(-this.historyDepth),
      allowed: allowed ?? councilAllowedActions((worldState.resource_level as number) <= 0, others.length === 0),
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }

  abstract decideAction(observation: Observation): Promise<Action>;

  takeTrace(): DecisionTrace | undefined {
    const trace = this.trace;
    this.trace = undefined;
    return trace;
  }

  takeRecords(): RunEventInit[] {
    const records = this.records;
    this.records = [];
    return records;
  }

  acted(action: Action): void {
    this.internalState.last_action = action.type;
  }

  remember(round: RoundSummary): void {
    this.history.push(round);
    if (this.history.length > Math.max(this.historyDepth, 1)) this.history.shift();
  }
}
