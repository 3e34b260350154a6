import { inspect } from 'node:util';
import { CampfiresError, ValidationError } from '../core';
import { display, tableBundle, type MimeBundle } from '../display';
import { ACTION_EFFECTS, ACTION_TYPES, actionNameSchema, type Action, type CouncilState, type Leaning, type WorldState } from './models';
import type { SimulationConfig } from './simulation-config';

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
export interface ActionChange<S extends CouncilState = CouncilState> {
  success: boolean;
  before: Readonly<S>;
  after: Readonly<S>;
  refused?: string;
}

/** The sentence an action's outcome shows in the council's world: what `agent`'s `action` changed. */
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
  return describeFields(agent, action, change);
}

/** The sentence of an action without its own: who did what (to whom) and every field it changed. */
function describeFields(agent: string, action: Action, change: ActionChange): string {
  const { before, after } = change;
  if (change.refused !== undefined) return `${agent}: ${change.refused}; nothing changed`;
  const changed = Object.keys(after).filter((field) => field !== 'turn' && after[field] !== before[field]);
  const what = `${agent} ${action.type}${action.target !== 'world' ? ` ${action.target}` : ''}`;
  return changed.length === 0 ? `${what}: nothing changed` : `${what}: ${changed.map((field) => `${field} ${before[field]} → ${after[field]}`).join(', ')}`;
}

/** Who an action is aimed at: another council member, or the world. */
export type ActionTarget = 'member' | 'world';

/** An action a world declares, as agents are told it and charts list it. */
export interface WorldActionInfo {
  /** Its name, which models answer with: lower-case words joined by `_` (`hold_festival`). */
  type: string;
  /** What it does, in the words agents read (`morale +10, resource_level -5`). */
  effect: string;
  /** `member` when it must name another council member; `world` (the default) otherwise. */
  target: ActionTarget;
  /** The persona leaning that favours it, for persona-policy agents (none: they score it 0). */
  leaning?: Leaning;
}

/** An action as an observation lists it: declared, and whether the world would accept it now. */
export interface AllowedAction extends WorldActionInfo {
  available: boolean;
}

/**
 * What a world implements for the controller, agents, prompts, charts and replay: its
 * fields and actions, its state, and the rules that check and apply an action. `World` (the
 * council's granary world) implements it; `defineWorld` makes one from rules.
 */
export interface CouncilWorld {
  /** The world's name, recorded with each run so a replay can check it is given the same world. */
  readonly name: string;
  /** The numeric state fields, in the order prompts, tables and charts show them. */
  readonly fields: readonly string[];
  /** The declared actions, in the order prompts list them; `pass` among them. */
  readonly actions: readonly WorldActionInfo[];
  /** The council members. */
  readonly agents: readonly string[];
  /** The current state: frozen, replaced (never changed in place) by each change. */
  readonly state: Readonly<CouncilState>;
  /** The state as one member sees it. */
  getView(agent: string): Readonly<CouncilState>;
  /** Every declared action and whether `agent` may take it now. */
  allowedActions(agent: string): readonly AllowedAction[];
  /** Starts the next turn and returns its number. */
  startTurn(): number;
  /** Why `action` by `agent` may not be applied now, if it may not. */
  checkAction(agent: string, action: Action): ActionCheck;
  /** Applies `action` (or refuses it, leaving the state as it was). */
  change(agent: string, action: Action): ActionChange;
  /** The sentence of a change, as narratives and tables show it. */
  describeChange(agent: string, action: Action, change: ActionChange): string;
  /** Why the world ends the run now (its own terminal rule), or null to go on. */
  endReason?(): string | null;
}

/** What a controller is handed to make a fresh world for every run: the world's kind, not one instance. */
export interface WorldDefinition {
  readonly name: string;
  readonly fields: readonly string[];
  readonly actions: readonly WorldActionInfo[];
  /** The state before the first turn, for a scenario (its `world` settings may set starting values). */
  initialState(config: SimulationConfig): CouncilState;
  /** A world at its initial state for this council. */
  create(council: readonly string[], config: SimulationConfig): CouncilWorld;
  /**
   * A world at a recorded state (its fields and turn) for this council: where a fork of a run
   * starts. The council's world and every world `defineWorld` makes have it; a world without
   * it cannot be forked into.
   */
  restore?(council: readonly string[], config: SimulationConfig, state: Readonly<CouncilState>): CouncilWorld;
}

/** The actions of the council's world as a world declares them. */
const COUNCIL_ACTION_INFO: readonly WorldActionInfo[] = Object.freeze(
  ACTION_TYPES.map((type) =>
    Object.freeze({
      type,
      effect: ACTION_EFFECTS[type],
      target: (type === 'support_agent' || type === 'oppose_agent' ? 'member' : 'world') as ActionTarget,
      leaning: ({ increase_resource: 'growth', decrease_resource: 'extraction', support_agent: 'cooperation', oppose_agent: 'opposition', pass: 'restraint' } as const)[type],
    }),
  ),
);

/** The allowed-action lists of the council's world, one frozen list per case. */
const allowedLists: (readonly AllowedAction[] | undefined)[] = [];

/** The council world's allowed actions when resources are out and/or the member sits alone. */
export function councilAllowedActions(noResources: boolean, alone: boolean): readonly AllowedAction[] {
  const key = (noResources ? 2 : 0) + (alone ? 1 : 0);
  let list = allowedLists[key];
  if (!list) {
    list = Object.freeze(
      COUNCIL_ACTION_INFO.map((info) =>
        Object.freeze({ ...info, available: !(info.type === 'decrease_resource' && noResources) && !(info.target === 'member' && alone) }),
      ),
    );
    allowedLists[key] = list;
  }
  return list;
}

/** The result of a validity check: valid, or why not. */
export type ActionCheck = { valid: true } | { valid: false; reason: string };

/**
 * The world engine: holds the authoritative state, validates actions and applies them
 * deterministically (no randomness, no clock).
 * @example const world = new World({ resource_level: 50, stability: 50, turn: 0 }, ['Ada', 'Bo', 'Cy']);
 */
export class World implements CouncilWorld {
  readonly name = 'council';
  readonly fields: readonly string[] = Object.freeze(['resource_level', 'stability']);
  readonly actions: readonly WorldActionInfo[] = COUNCIL_ACTION_INFO;
  /** Never changed in place: each change makes a new frozen state, so views and records can share it. */
  private current: Readonly<WorldState>;
  private readonly members: readonly string[];
  private readonly othersOf = new Map<string, readonly string[]>();

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

  /** Every action and whether `agent` may take it now (the same frozen list for the same case). */
  allowedActions(agent: string): readonly AllowedAction[] {
    let others = this.othersOf.get(agent);
    if (!others) {
      others = this.members.filter((name) => name !== agent);
      this.othersOf.set(agent, others);
    }
    return councilAllowedActions(this.current.resource_level <= 0, others.length === 0);
  }

  /** Starts the next turn and returns its number. */
  startTurn(): number {
    this.current = Object.freeze({ ...this.current, turn: this.current.turn + 1 });
    return this.current.turn;
  }

  /** The sentence of a change (`describeChange`). */
  describeChange(agent: string, action: Action, change: ActionChange): string {
    return describeChange(agent, action, change);
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
  change(agent: string, action: Action): ActionChange<WorldState> {
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

/** The initial state of the council's world a scenario describes. */
export function councilInitialState(config: SimulationConfig): WorldState {
  return { resource_level: config.world.initial_resource_level, stability: config.world.initial_stability, turn: 0 };
}

/** The council's own world (the granary: resources, stability and five actions), as a controller is handed it. */
export const councilWorld: WorldDefinition = Object.freeze({
  name: 'council',
  fields: Object.freeze(['resource_level', 'stability']),
  actions: COUNCIL_ACTION_INFO,
  initialState: councilInitialState,
  create: (council: readonly string[], config: SimulationConfig): CouncilWorld => new World(councilInitialState(config), council),
  restore: (council: readonly string[], _config: SimulationConfig, state: Readonly<CouncilState>): CouncilWorld => new World({ ...(state as WorldState) }, council),
});

/** One action of a world made with `defineWorld`: what it is called and does, and its rule. */
export interface WorldActionRule {
  type: string;
  effect: string;
  /** `member` when it must name another council member (checked for it); `world` by default. */
  target?: ActionTarget;
  leaning?: Leaning;
  /** Why it may not be taken in this state, or nothing when it may. */
  refuse?: (state: Readonly<CouncilState>, agent: string, action: Action) => string | null | undefined;
  /** The fields it changes and their new values (a field left out keeps its value); none: it changes nothing. */
  apply?: (state: Readonly<CouncilState>, agent: string, action: Action) => Readonly<Record<string, number>>;
  /** Its sentence; by default who did what and each field it changed (`Ada hold_festival: morale 40 → 50`). */
  describe?: (agent: string, action: Action, change: ActionChange) => string;
}

/** A world made of rules: its fields with their starting values, its actions, and when it ends. */
export interface WorldSpec {
  name: string;
  /** The numeric state fields and their starting values (the scenario's `world` settings belong to the council's world). */
  fields: Readonly<Record<string, number>>;
  /** The actions, in the order prompts list them; `pass` is added at the end when it is not among them. */
  actions: readonly WorldActionRule[];
  /** Why the run ends in this state (checked after every turn), or nothing to go on. */
  endWhen?: (state: Readonly<CouncilState>) => string | null | undefined;
}

/**
 * The council world's five actions as rules: spread them into `defineWorld` and add your
 * own (`actions: [...COUNCIL_ACTIONS, festival]`). A world made of these alone behaves as `World`.
 */
export const COUNCIL_ACTIONS: readonly WorldActionRule[] = Object.freeze([
  {
    type: 'increase_resource',
    effect: ACTION_EFFECTS.increase_resource,
    leaning: 'growth',
    apply: (state: Readonly<CouncilState>) => ({ resource_level: (state.resource_level as number) + RESOURCE_STEP }),
    describe: (agent: string, action: Action, change: ActionChange) => describeChange(agent, action, change),
  },
  {
    type: 'decrease_resource',
    effect: ACTION_EFFECTS.decrease_resource,
    leaning: 'extraction',
    refuse: (state: Readonly<CouncilState>) => ((state.resource_level as number) <= 0 ? 'decrease_resource is not allowed when resource_level is 0' : null),
    apply: (state: Readonly<CouncilState>) => ({ resource_level: Math.max(0, (state.resource_level as number) - RESOURCE_STEP) }),
    describe: (agent: string, action: Action, change: ActionChange) => describeChange(agent, action, change),
  },
  {
    type: 'support_agent',
    effect: ACTION_EFFECTS.support_agent,
    target: 'member',
    leaning: 'cooperation',
    apply: (state: Readonly<CouncilState>) => ({ stability: (state.stability as number) + STABILITY_STEP }),
    describe: (agent: string, action: Action, change: ActionChange) => describeChange(agent, action, change),
  },
  {
    type: 'oppose_agent',
    effect: ACTION_EFFECTS.oppose_agent,
    target: 'member',
    leaning: 'opposition',
    apply: (state: Readonly<CouncilState>) => ({ stability: Math.max(0, (state.stability as number) - STABILITY_STEP) }),
    describe: (agent: string, action: Action, change: ActionChange) => describeChange(agent, action, change),
  },
  { type: 'pass', effect: ACTION_EFFECTS.pass, leaning: 'restraint', describe: (agent: string, action: Action, change: ActionChange) => describeChange(agent, action, change) },
] satisfies WorldActionRule[]);

const FIELD_NAME = /^[a-z][a-z0-9_]{0,39}$/;

function specError(field: string, message: string, given?: unknown, allowed?: unknown): ValidationError {
  return new ValidationError({ code: 'world_spec_invalid', message: `defineWorld: ${field} ${message}`, issues: [{ field, message, given, ...(allowed === undefined ? {} : { allowed }) }] });
}

/** A world made of rules, as `defineWorld` builds it for one council. */
class RuleWorld implements CouncilWorld {
  readonly name: string;
  readonly fields: readonly string[];
  readonly actions: readonly WorldActionInfo[];
  private current: Readonly<CouncilState>;
  private readonly members: readonly string[];
  private readonly rules: ReadonlyMap<string, WorldActionRule>;
  private readonly allowedCache = new Map<string, readonly AllowedAction[]>();

  constructor(
    private readonly spec: WorldSpec & { actions: readonly WorldActionRule[] },
    info: readonly WorldActionInfo[],
    initial: CouncilState,
    members: readonly string[],
  ) {
    this.name = spec.name;
    this.fields = Object.freeze(Object.keys(spec.fields));
    this.actions = info;
    this.current = Object.freeze({ ...initial });
    this.members = [...members];
    this.rules = new Map(spec.actions.map((rule) => [rule.type, rule]));
  }

  get agents(): readonly string[] {
    return this.members;
  }

  get state(): Readonly<CouncilState> {
    return this.current;
  }

  [inspect.custom](): string {
    const state = this.fields.map((field) => `${field} ${this.current[field]}`).join(', ');
    return `World "${this.name}" at turn ${this.current.turn}: ${state}; council of ${this.members.length} (${this.members.join(', ')}); actions ${this.actions.map((action) => action.type).join(', ')}`;
  }

  getView(_agent: string): Readonly<CouncilState> {
    return this.current;
  }

  allowedActions(agent: string): readonly AllowedAction[] {
    const flags = this.actions.map((info) => this.refusal(agent, info.type, null) === null);
    const key = `${agent}\u0000${flags.map((flag) => (flag ? 1 : 0)).join('')}`;
    let list = this.allowedCache.get(key);
    if (!list) {
      list = Object.freeze(this.actions.map((info, index) => Object.freeze({ ...info, available: flags[index] as boolean })));
      this.allowedCache.set(key, list);
    }
    return list;
  }

  startTurn(): number {
    this.current = Object.freeze({ ...this.current, turn: this.current.turn + 1 });
    return this.current.turn;
  }

  /** Why an action may not be taken: its target (when `action` is given) and its rule's refusal. */
  private refusal(agent: string, type: string, action: Action | null): string | null {
    const rule = this.rules.get(type);
    if (!rule) return `"${String(type)}" is not an action; allowed: ${this.actions.map((info) => info.type).join(', ')}`;
    const others = this.members.filter((name) => name !== agent);
    if (rule.target === 'member') {
      if (others.length === 0) return `${type} needs another council member as target, and there is none`;
      if (action && !others.includes(action.target)) return `${type} needs another council member as target (one of ${others.join(', ')}), got "${action.target}"`;
    }
    const probe = action ?? { type, target: rule.target === 'member' ? (others[0] as string) : 'world', reason: '' };
    return rule.refuse?.(this.current, agent, probe) ?? null;
  }

  checkAction(agent: string, action: Action): ActionCheck {
    const reason = this.refusal(agent, action.type, action);
    return reason === null ? { valid: true } : { valid: false, reason };
  }

  change(agent: string, action: Action): ActionChange {
    const before = this.current;
    const check = this.checkAction(agent, action);
    if (!check.valid) return { success: false, before, after: before, refused: check.reason };
    const rule = this.rules.get(action.type) as WorldActionRule;
    const changes = rule.apply?.(before, agent, action) ?? {};
    for (const [field, value] of Object.entries(changes)) {
      if (!this.fields.includes(field) || typeof value !== 'number' || !Number.isFinite(value)) {
        throw new CampfiresError({
          code: 'world_rule_invalid',
          message: `world "${this.name}": action ${action.type} set ${field} to ${String(value)}; an action sets one of ${this.fields.join(', ')} to a finite number`,
          details: { world: this.name, action: action.type, field, value: String(value) },
        });
      }
    }
    if (Object.keys(changes).length > 0) this.current = Object.freeze({ ...before, ...changes, turn: before.turn });
    return { success: true, before, after: this.current };
  }

  describeChange(agent: string, action: Action, change: ActionChange): string {
    const rule = this.rules.get(action.type);
    if (change.refused === undefined && rule?.describe) return rule.describe(agent, action, change);
    return describeFields(agent, action, change);
  }

  endReason(): string | null {
    return this.spec.endWhen?.(this.current) ?? null;
  }
}

/**
 * Your own world: its fields, its actions and their rules, with the same controller, agents,
 * prompts (built from the declared actions), charts and replay as the council's world.
 * Hand it to `Simulation.fromConfig(path, { world })`. Invalid choices become `pass`, so
 * every world has one (added when left out).
 * @example const festival = defineWorld({ name: 'festival', fields: { resource_level: 50, stability: 50, morale: 40 }, actions: [...COUNCIL_ACTIONS, { type: 'hold_festival', effect: 'morale +10, resource_level -5', apply: (s) => ({ morale: s.morale + 10, resource_level: s.resource_level - 5 }) }] });
 */
export function defineWorld(spec: WorldSpec): WorldDefinition {
  if (typeof spec?.name !== 'string' || spec.name.trim() === '' || spec.name.length > 80) throw specError('name', 'must be a name of 1 to 80 characters', spec?.name);
  const fields = Object.entries(spec.fields ?? {});
  if (fields.length === 0 || fields.length > 12) throw specError('fields', 'must name 1 to 12 numeric state fields with their starting values', fields.length, { min: 1, max: 12 });
  for (const [field, value] of fields) {
    if (!FIELD_NAME.test(field) || field === 'turn') throw specError(`fields.${field}`, 'is not a field name: lower-case letters, digits and _, starting with a letter; "turn" is kept by the engine', field);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw specError(`fields.${field}`, 'must start as a finite number', value);
  }
  const actions = [...(spec.actions ?? [])];
  if (!actions.some((rule) => rule.type === 'pass')) actions.push({ type: 'pass', effect: 'nothing changes', leaning: 'restraint' });
  const seen = new Set<string>();
  actions.forEach((rule, index) => {
    if (!actionNameSchema.safeParse(rule?.type).success) throw specError(`actions.${index}.type`, 'is not an action name: lower-case letters, digits and _, starting with a letter, at most 40 characters', rule?.type);
    if (seen.has(rule.type)) throw specError(`actions.${index}.type`, `"${rule.type}" is declared twice`, rule.type);
    seen.add(rule.type);
    if (typeof rule.effect !== 'string' || rule.effect.trim() === '' || rule.effect.length > 300) throw specError(`actions.${index}.effect`, 'must say what the action does, in 1 to 300 characters', rule.effect);
    if (rule.target !== undefined && rule.target !== 'member' && rule.target !== 'world') throw specError(`actions.${index}.target`, 'must be "member" or "world"', rule.target, ['member', 'world']);
    if (rule.type === 'pass' && rule.apply) throw specError(`actions.${index}.apply`, 'pass changes nothing: invalid choices become pass', 'apply');
  });
  const info: readonly WorldActionInfo[] = Object.freeze(
    actions.map((rule) => Object.freeze({ type: rule.type, effect: rule.effect, target: rule.target ?? 'world', ...(rule.leaning ? { leaning: rule.leaning } : {}) })),
  );
  const names = Object.freeze(fields.map(([field]) => field));
  const full = { ...spec, actions };
  const initialState = (_config: SimulationConfig): CouncilState => ({ ...Object.fromEntries(fields), turn: 0 });
  return Object.freeze({
    name: spec.name,
    fields: names,
    actions: info,
    initialState,
    create: (council: readonly string[], config: SimulationConfig): CouncilWorld => new RuleWorld(full, info, initialState(config), council),
    restore: (council: readonly string[], _config: SimulationConfig, state: Readonly<CouncilState>): CouncilWorld => new RuleWorld(full, info, { ...state }, council),
  });
}
