import { z } from 'zod';
import type { ModelMessage } from '../llm';
import type { Observation } from './council-agent';
import { modelActionSchema, type Persona, type RoundSummary, type WorldState } from './models';

/** The JSON schema a model's answer must follow (sent as the structured-output format). */
export function actionJsonSchema(): Record<string, unknown> {
  if (!cachedSchema) {
    const schema = z.toJSONSchema(modelActionSchema) as Record<string, unknown>;
    delete schema.$schema;
    cachedSchema = JSON.stringify(schema);
  }
  return JSON.parse(cachedSchema) as Record<string, unknown>;
}

// Converting the schema costs more than the rest of a decision, so it is done once.
let cachedSchema: string | undefined;

/** One action as the line of its round shows it: who did what (to whom), and whether it failed. */
export function describeRoundAction(entry: RoundSummary['actions'][number]): string {
  return `${entry.agent} ${entry.type}${entry.type === 'support_agent' || entry.type === 'oppose_agent' ? ` ${entry.target}` : ''}${entry.success ? '' : ' (failed)'}`;
}

/** A round's line from its actions as `describeRoundAction` shows them, in order. */
export function roundLine(turn: number, actions: readonly string[], state: Readonly<WorldState>): string {
  return `Turn ${turn}: ${actions.join('; ')} → resource_level ${state.resource_level}, stability ${state.stability}`;
}

/** One line per past round: who did what, and where the world ended. */
export function describeRound(round: RoundSummary): string {
  return roundLine(round.turn, round.actions.map(describeRoundAction), round.state);
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

function steadyPartsOf(persona: Persona, others: readonly string[]): SteadyParts {
  const known = steadyParts.get(persona);
  if (
    known &&
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
  const tail = [
    '',
    'Answer with JSON only, following this schema:',
    cachedSchema ?? JSON.stringify(actionJsonSchema()),
    `For support_agent and oppose_agent the target is another member's name (${othersText}); otherwise the target is "world".`,
    'Example: {"action": "increase_resource", "target": "world", "reason": "short explanation here"}',
  ].join('\n');
  const parts = {
    persona: { name: persona.name, description: persona.description, goals: [...persona.goals], biases: [...persona.behavior_biases] },
    others: Object.isFrozen(others) ? others : [...others],
    othersText,
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
  const steady = steadyPartsOf(persona, observation.others);
  // The lines of the prompt joined by newlines, built as linked parts (see above).
  let history = observation.history.length === 0 ? '\nLast turns: none yet.' : '\nLast turns:';
  for (const round of observation.history) history += `\n${round.line ?? roundText(round)}`;
  const content = `${steady.head}\nWorld state (turn ${world.turn}): resource_level ${world.resource_level}, stability ${world.stability}.\n${allowedText(observation.allowed)}\n${history}\n${steady.tail}`;
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content },
  ];
}
