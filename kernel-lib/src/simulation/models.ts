import { z } from 'zod';
import { readPlainObject } from '../llm';
import { cutText } from '../core';

/** The phase-1 discrete action set, in the order prompts and charts list it. */
export const ACTION_TYPES = ['increase_resource', 'decrease_resource', 'support_agent', 'oppose_agent', 'pass'] as const;

/** Schema of one action type from the discrete set. */
export const actionTypeSchema = z.enum(ACTION_TYPES);
/** One action type from the discrete set. */
export type ActionType = z.infer<typeof actionTypeSchema>;

/** What each action does, as told to agents and shown in tables. */
export const ACTION_EFFECTS: Readonly<Record<ActionType, string>> = {
  increase_resource: 'resource_level +10',
  decrease_resource: 'resource_level -10 (floor 0; not allowed when resource_level is 0)',
  support_agent: 'stability +5 (target: another council member)',
  oppose_agent: 'stability -5 (floor 0; target: another council member)',
  pass: 'nothing changes',
};

/** Schema of the authoritative world state: small, numeric, deterministic. */
export const worldStateSchema = z.strictObject({
  resource_level: z.number().int().min(0),
  stability: z.number().int().min(0),
  turn: z.number().int().min(0),
});
/** The authoritative state of the council's own world. */
export type WorldState = z.infer<typeof worldStateSchema>;

/** The state of any world: its turn and its numeric fields (the council's world: resource_level and stability). */
export interface CouncilState {
  turn: number;
  [field: string]: number;
}

/** Schema of the state of any world as records keep it: a whole turn and numeric fields. */
export const councilStateSchema = z.object({ turn: z.number().int().min(0) }).catchall(z.number());

/** The leanings a persona's behaviour biases are read into. */
export type Leaning = 'growth' | 'caution' | 'extraction' | 'cooperation' | 'opposition' | 'restraint';

/** Schema of an agent's simple internal state (phase 1: only its last action). */
export const agentStateSchema = z.strictObject({
  last_action: z.string().nullable(),
});
/** An agent's simple internal state. */
export type AgentState = z.infer<typeof agentStateSchema>;

/** Schema of the name of an action a world declares: lower-case words joined by `_`. */
export const actionNameSchema = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, { message: 'an action name is lower-case letters, digits and _, starting with a letter, at most 40 characters' });

/** Schema of a structured choice an agent makes (any action a world declares). */
export const actionSchema = z.strictObject({
  type: z.string().min(1).max(80),
  target: z.string().min(1).max(80),
  reason: z.string().max(500),
});
/** A structured choice an agent makes. */
export type Action = z.infer<typeof actionSchema>;

/** Schema of the JSON a model must answer with (the document's `action` key). */
export const modelActionSchema = z.strictObject({
  action: actionTypeSchema,
  target: z.string().min(1).max(80),
  reason: z.string().max(500),
});
/** The JSON a model answers with. */
export type ModelAction = z.infer<typeof modelActionSchema>;

const actionTypes: ReadonlySet<string> = new Set(ACTION_TYPES);

/**
 * Whether `candidate` is a well-formed answer as `modelActionSchema` takes it, checked by
 * hand: a plain object with exactly `action`, `target` and `reason`, each valid.
 */
function isWellFormedModelAction(candidate: unknown): candidate is ModelAction {
  if (candidate === null || typeof candidate !== 'object' || Object.getPrototypeOf(candidate) !== Object.prototype) return false;
  const { action, target, reason } = candidate as Record<string, unknown>;
  // Three own keys, all three of them strings below: nothing a strict object would refuse.
  if (Object.keys(candidate).length !== 3) return false;
  if (typeof action !== 'string' || !actionTypes.has(action)) return false;
  if (typeof target !== 'string' || target.length < 1 || target.length > 80) return false;
  return typeof reason === 'string' && reason.length <= 500;
}

/**
 * `modelActionSchema.parse` by hand for a well-formed answer: the same value zod returns,
 * or undefined when zod has to decide and explain what is wrong.
 */
export function quickParseModelAction(candidate: unknown): ModelAction | undefined {
  if (!isWellFormedModelAction(candidate)) return undefined;
  return { action: candidate.action, target: candidate.target, reason: candidate.reason };
}

const ANSWER_KEYS = ['action', 'target', 'reason'] as const;
const ANSWER_CHOICES = { action: ACTION_TYPES };

/**
 * Reads a model's answer text that is exactly a well-formed action object — `action`,
 * `target`, `reason` in the schema's order, plain strings — without `JSON.parse`: the same
 * value extraction, `normalizeModelAction` and `modelActionSchema` give, or undefined for
 * any other text (which they then read and explain).
 * @example quickReadModelAction('{"action": "pass", "target": "world", "reason": "wait"}') // { action: 'pass', ... }
 */
export function quickReadModelAction(text: string): ModelAction | undefined {
  const values = readPlainObject(text, ANSWER_KEYS, ANSWER_CHOICES);
  if (values === undefined) return undefined;
  const action = values[0] as string;
  const target = values[1] as string;
  const reason = values[2] as string;
  if (target.length < 1 || target.length > 80 || reason.length > 500) return undefined;
  return { action: action as ModelAction['action'], target, reason };
}

/**
 * Accepts the model's action key as either `action` (the document) or `type` (the
 * original code) and trims a too-long reason. A missing or null `target` or `reason` is
 * left missing: the schema refuses it and the model is asked again, rather than a value
 * being made up for it.
 */
export function normalizeModelAction(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  // A well-formed answer has nothing to fix: it is passed on as it is, not copied.
  if (isWellFormedModelAction(raw)) return raw;
  const record = { ...(raw as Record<string, unknown>) };
  if (record.action === undefined && record.type !== undefined) record.action = record.type;
  delete record.type;
  if (typeof record.action === 'string') record.action = record.action.trim().toLowerCase();
  if (typeof record.reason === 'string' && record.reason.length > 500) record.reason = cutText(record.reason, { characters: 500 }, '...');
  return record;
}

/** Schema of a persona loaded from YAML. */
export const personaSchema = z.strictObject({
  name: z.string().min(1).max(40),
  description: z.string().min(1).max(2000),
  goals: z.array(z.string().min(1).max(300)).min(1).max(12),
  behavior_biases: z.array(z.string().min(1).max(300)).min(1).max(12),
});
/** A lightweight persona descriptor. */
export type Persona = z.infer<typeof personaSchema>;

/** The `pass` action used whenever a decision is missing or invalid. */
export function passAction(reason: string): Action {
  return { type: 'pass', target: 'world', reason };
}

/** What a round leaves in every agent's short-term history. */
export interface RoundSummary {
  turn: number;
  actions: { agent: string; type: string; target: string; reason: string; success: boolean }[];
  state: CouncilState;
  /** The round as prompts show it (`describeRound`), when whoever made the summary wrote it already. */
  line?: string;
}
