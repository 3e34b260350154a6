import { z } from 'zod';
import type { ModelMessage } from '../llm';
import type { Observation } from './council-agent';
import { ACTION_TYPES, modelActionSchema, normalizeModelAction, quickParseModelAction, quickReadModelAction, type CouncilState, type ModelAction, type Persona, type RoundSummary } from './models';

/** The schema of a model's answer in a world with these actions, and the quick readers of the council's world. */
export interface AnswerSchema {
  schema: z.ZodType<ModelAction>;
  /** Its JSON schema as text, sent as the structured-output format and stated in the prompt. */
  json: string;
  quickParse?: (candidate: unknown) => ModelAction | undefined;
  quickRead?: (text: string) => ModelAction | undefined;
  normalize: (raw: unknown) => unknown;
}

// Converting a schema costs more than the rest of a decision, so it is done once per action set.
const answerSchemas = new Map<string, AnswerSchema>();

function jsonText(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema) as Record<string, unknown>;
  delete json.$schema;
  return JSON.stringify(json);
}

/** The answer schema of a world whose actions are `types` (the council's world's when left out). */
export function answerSchemaFor(types: readonly string[] = ACTION_TYPES): AnswerSchema {
  const key = types.join('\n');
  let known = answerSchemas.get(key);
  if (!known) {
    const council = key === ACTION_TYPES.join('\n');
    const schema = council
      ? modelActionSchema
      : (z.strictObject({ action: z.enum(types as [string, ...string[]]), target: z.string().min(1).max(80), reason: z.string().max(500) }) as unknown as z.ZodType<ModelAction>);
    known = council
      ? { schema, json: jsonText(schema), quickParse: quickParseModelAction, quickRead: quickReadModelAction, normalize: normalizeModelAction }
      : { schema, json: jsonText(schema), normalize: normalizeModelAction };
    answerSchemas.set(key, known);
  }
  return known;
}

/** The JSON schema a model's answer must follow (sent as the structured-output format), for a world's actions. */
export function actionJsonSchema(types?: readonly string[]): Record<string, unknown> {
  return JSON.parse(answerSchemaFor(types).json) as Record<string, unknown>;
}

/** The actions of the council's world that name another member. */
const COUNCIL_MEMBER_ACTIONS: ReadonlySet<string> = new Set(['support_agent', 'oppose_agent']);

/** One action as the line of its round shows it: who did what (to whom, for an action aimed at a member), and whether it failed. */
export function describeRoundAction(entry: RoundSummary['actions'][number], memberActions?: ReadonlySet<string>): string {
  // Called as a map callback too, when the second argument is an index.
  const named = memberActions instanceof Set ? memberActions : COUNCIL_MEMBER_ACTIONS;
  return `${entry.agent} ${entry.type}${named.has(entry.type) ? ` ${entry.target}` : ''}${entry.success ? '' : ' (failed)'}`;
}

/** A state's fields as prompts and round lines show them: `resource_level 50, stability 45`. */
export function stateText(state: Readonly<CouncilState>): string {
  let text = '';
  for (const field in state) if (field !== 'turn') text += `${text === '' ? '' : ', '}${field} ${state[field]}`;
  return text;
}

/** A round's line from its actions as `describeRoundAction` shows them, in order. */
export function roundLine(turn: number, actions: readonly string[], state: Readonly<CouncilState>): string {
  return `Turn ${turn}: ${actions.join('; ')} → ${stateText(state)}`;
}

/** One line per past round: who did what, and where the world ended. */
export function describeRound(round: RoundSummary): string {
  return roundLine(round.turn, round.actions.map((entry) => describeRoundAction(entry)), round.state);
}

const SYSTEM_PROMPT =
  'You are one member of a small council in a turn-based simulation. Stay in character, ' +
  'choose exactly one action from the allowed set and answer with one JSON object only, no other text.';

/** The prompt text before the world state and after the history, which stays the same for a seated member. */
interface SteadyParts {
  /** The persona as the text was made from it, compared on every use: a persona may be edited between runs. */
  persona: { name: string; description: string; goals: readonly string[]; biases: readonly string[] };
  others: readonly string[];
  othersText: string;
  /** The world's actions the text was made for. */
  allowed: Observation['allowed'];
  head: string;
  tail: string;
}

// A decision's prompt is mostly the same text every turn. Building it afresh (and joining
// it into one new string) was most of the memory a decision touched between a model's
// answer and the next call, so the steady parts are kept, and the parts are concatenated,
// which in V8 links them instead of copying (the model's request copies the text once).
const steadyParts = new WeakMap<Persona, SteadyParts>();
const allowedTexts = new WeakMap<Observation['allowed'], string>();
const roundTexts = new WeakMap<RoundSummary, string>();

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
}

function sameActions(a: Observation['allowed'], b: Observation['allowed']): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index]?.type !== b[index]?.type || a[index]?.target !== b[index]?.target) return false;
  return true;
}

/** The actions that name another member: as the world declares them, or the council's two. */
function memberActionsOf(allowed: Observation['allowed']): string[] {
  return allowed.filter((entry) => (entry.target === undefined ? COUNCIL_MEMBER_ACTIONS.has(entry.type) : entry.target === 'member')).map((entry) => entry.type);
}

function steadyPartsOf(persona: Persona, others: readonly string[], allowed: Observation['allowed']): SteadyParts {
  const known = steadyParts.get(persona);
  if (
    known &&
    sameActions(known.allowed, allowed) &&
    known.persona.name === persona.name &&
    known.persona.description === persona.description &&
    sameStrings(known.persona.goals, persona.goals) &&
    sameStrings(known.persona.biases, persona.behavior_biases) &&
    (known.others === others || sameStrings(known.others, others))
  ) {
    return known;
  }
  const othersText = others.join(', ');
  const head = [
    `You are ${persona.name}. ${persona.description}`,
    `The other council members: ${othersText}.`,
    '',
    'Your goals:',
    ...persona.goals.map((goal) => `- ${goal}`),
    'Your behaviour biases:',
    ...persona.behavior_biases.map((bias) => `- ${bias}`),
    '',
  ].join('\n');
  const members = memberActionsOf(allowed);
  const named = members.length <= 1 ? members.join('') : `${members.slice(0, -1).join(', ')} and ${members.at(-1)}`;
  const example = allowed.find((entry) => !members.includes(entry.type) && entry.type !== 'pass')?.type ?? 'pass';
  const tail = [
    '',
    'Answer with JSON only, following this schema:',
    answerSchemaFor(allowed.map((entry) => entry.type)).json,
    members.length > 0 ? `For ${named} the target is another member's name (${othersText}); otherwise the target is "world".` : 'The target is always "world".',
    `Example: {"action": "${example}", "target": "world", "reason": "short explanation here"}`,
  ].join('\n');
  const parts = {
    persona: { name: persona.name, description: persona.description, goals: [...persona.goals], biases: [...persona.behavior_biases] },
    others: Object.isFrozen(others) ? others : [...others],
    othersText,
    allowed,
    head,
    tail,
  };
  steadyParts.set(persona, parts);
  return parts;
}

/** Whether a list and each entry in it are frozen (entries hold only strings, numbers and booleans). */
function frozenEntries(list: readonly object[]): boolean {
  if (!Object.isFrozen(list)) return false;
  for (const entry of list) if (!Object.isFrozen(entry)) return false;
  return true;
}

function allowedText(allowed: Observation['allowed']): string {
  let text = allowedTexts.get(allowed);
  if (text === undefined) {
    text = '\nAllowed actions (choose exactly one):';
    for (const entry of allowed) text += `\n- ${entry.type}: ${entry.effect}${entry.available ? '' : ' [NOT allowed now]'}`;
    if (frozenEntries(allowed)) allowedTexts.set(allowed, text);
  }
  return text;
}

function roundText(round: RoundSummary): string {
  let text = roundTexts.get(round);
  if (text === undefined) {
    text = describeRound(round);
    // Kept only for a round that cannot change; its entries and state hold only primitives.
    if (Object.isFrozen(round) && Object.isFrozen(round.state) && frozenEntries(round.actions)) roundTexts.set(round, text);
  }
  return text;
}

/**
 * The structured prompt of one decision: persona, goals, biases, world state, allowed
 * actions with their effects, the JSON schema and the last 1–2 turns only.
 */
export function buildActionPrompt(persona: Persona, observation: Observation): ModelMessage[] {
  const { world } = observation;
  const steady = steadyPartsOf(persona, observation.others, observation.allowed);
  // The lines of the prompt joined by newlines, built as linked parts (see above).
  let history = observation.history.length === 0 ? '\nLast turns: none yet.' : '\nLast turns:';
  for (const round of observation.history) history += `\n${round.line ?? roundText(round)}`;
  const content = `${steady.head}\nWorld state (turn ${world.turn}): ${stateText(world)}.\n${allowedText(observation.allowed)}\n${history}\n${steady.tail}`;
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content },
  ];
}
