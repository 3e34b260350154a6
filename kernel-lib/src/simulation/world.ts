import { inspect } from 'node:util';
import { display, tableBundle, type MimeBundle } from '../display';
import { ACTION_TYPES, type Action, type WorldState } from './models';

/** Effect sizes of the phase-1 actions. */
export const RESOURCE_STEP = 10;
/** Stability change of support_agent / oppose_agent. */
export const STABILITY_STEP = 5;

/** The outcome of applying an action: did it change the world, and a sentence saying how. */
export interface ActionOutcome {
  success: boolean;
  message: string;
}

/**
 * What applying an action changed: whether it was applied, the states before and after (the
 * same state when nothing changed), and why not when it was refused.
 */
export interface ActionChange {
  success: boolean;
  before: Readonly<WorldState>;
  after: Readonly<WorldState>;
  refused?: string;
}

/** The sentence an action's outcome shows: what `agent`'s `action` changed. */
export function describeChange(agent: string, action: Action, change: ActionChange): string {
  const { before, after } = change;
  if (change.refused !== undefined) return `${agent}: ${change.refused}; nothing changed`;
  switch (action.type) {
    case 'increase_resource':
      return `${agent} raised resources ${before.resource_level} → ${after.resource_level}`;
    case 'decrease_resource':
      return `${agent} drew resources ${before.resource_level} → ${after.resource_level}`;
    case 'support_agent':
      return `${agent} supported ${action.target}: stability ${before.stability} → ${after.stability}`;
    case 'oppose_agent':
      return `${agent} opposed ${action.target}: stability ${before.stability} → ${after.stability}`;
    case 'pass':
      return `${agent} passed`;
  }
}

/** The result of a validity check: valid, or why not. */
export type ActionCheck = { valid: true } | { valid: false; reason: string };

/**
 * The world engine: holds the authoritative state, validates actions and applies them
 * deterministically (no randomness, no clock).
 * @example const world = new World({ resource_level: 50, stability: 50, turn: 0 }, ['Ada', 'Bo', 'Cy']);
 */
export class World {
  /** Never changed in place: each change makes a new frozen state, so views and records can share it. */
  private current: Readonly<WorldState>;
  private readonly members: readonly string[];

  constructor(initial: WorldState, members: readonly string[]) {
    this.current = Object.freeze({ ...initial });
    this.members = [...members];
  }

  /** The names of the council members. */
  get agents(): readonly string[] {
    return this.members;
  }

  /** The current state: a frozen snapshot that later actions do not change. */
  get state(): Readonly<WorldState> {
    return this.current;
  }

  /** One line for a notebook cell: the turn, the state and who sits on the council. */
  [inspect.custom](): string {
    const { turn, ...rest } = this.current;
    const state = Object.entries(rest).map(([key, value]) => `${key} ${value}`).join(', ');
    return `World at turn ${turn}: ${state}; council of ${this.members.length} (${this.members.join(', ')})`;
  }

  /** The state and the council as a table. */
  toMimeBundle(): MimeBundle {
    return tableBundle(inspect(this), ['', 'value'], [...Object.entries(this.current).map(([key, value]): [string, string | number] => [key, value]), ['council', this.members.join(', ')]]);
  }

  /** Displays the state and the council in the notebook. */
  show(): Promise<void> {
    return display(this);
  }

  /** A read-only snapshot of the state as one agent sees it. */
  getView(_agent: string): Readonly<WorldState> {
    return this.current;
  }

  /** Starts the next turn and returns its number. */
  startTurn(): number {
    this.current = Object.freeze({ ...this.current, turn: this.current.turn + 1 });
    return this.current.turn;
  }

  /** Why `action` by `agent` may not be applied now, if it may not. */
  checkAction(agent: string, action: Action): ActionCheck {
    if (!(ACTION_TYPES as readonly string[]).includes(action.type)) {
      return { valid: false, reason: `"${String(action.type)}" is not an action; allowed: ${ACTION_TYPES.join(', ')}` };
    }
    if (action.type === 'decrease_resource' && this.current.resource_level <= 0) {
      return { valid: false, reason: 'decrease_resource is not allowed when resource_level is 0' };
    }
    if (action.type === 'support_agent' || action.type === 'oppose_agent') {
      const others = this.members.filter((name) => name !== agent);
      if (!others.includes(action.target)) {
        return { valid: false, reason: `${action.type} needs another council member as target (one of ${others.join(', ')}), got "${action.target}"` };
      }
    }
    return { valid: true };
  }

  /** Whether `action` by `agent` may be applied now. */
  isValidAction(agent: string, action: Action): boolean {
    return this.checkAction(agent, action).valid;
  }

  /** Applies `action` by `agent`; an invalid action leaves the state unchanged and fails. */
  applyAction(agent: string, action: Action): ActionOutcome {
    const change = this.change(agent, action);
    return { success: change.success, message: describeChange(agent, action, change) };
  }

  /**
   * `applyAction` without its sentence, which `describeChange` makes when it is needed: a
   * council makes it while the next member's model thinks, not on the way to that call.
   */
  change(agent: string, action: Action): ActionChange {
    const check = this.checkAction(agent, action);
    const before = this.current;
    if (!check.valid) return { success: false, before, after: before, refused: check.reason };
    switch (action.type) {
      case 'increase_resource':
        this.current = Object.freeze({ ...before, resource_level: before.resource_level + RESOURCE_STEP });
        break;
      case 'decrease_resource':
        this.current = Object.freeze({ ...before, resource_level: Math.max(0, before.resource_level - RESOURCE_STEP) });
        break;
      case 'support_agent':
        this.current = Object.freeze({ ...before, stability: before.stability + STABILITY_STEP });
        break;
      case 'oppose_agent':
        this.current = Object.freeze({ ...before, stability: Math.max(0, before.stability - STABILITY_STEP) });
        break;
      case 'pass':
        break;
    }
    return { success: true, before, after: this.current };
  }
}
