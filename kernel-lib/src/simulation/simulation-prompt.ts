import { z } from 'zod';
import type { ModelMessage } from '../llm';
import type { Observation } from './council-agent';
import { modelActionSchema, type Persona, type RoundSummary } from './models';

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

/** One line per past round: who did what, and where the world ended. */
export function describeRound(round: RoundSummary): string {
  const actions = round.actions
    .map((entry) => `${entry.agent} ${entry.type}${entry.type === 'support_agent' || entry.type === 'oppose_agent' ? ` ${entry.target}` : ''}${entry.success ? '' : ' (failed)'}`)
    .join('; ');
  return `Turn ${round.turn}: ${actions} → resource_level ${round.state.resource_level}, stability ${round.state.stability}`;
}

const SYSTEM_PROMPT =
  'You are one member of a small council in a turn-based simulation. Stay in character, ' +
  'choose exactly one action from the allowed set and answer with one JSON object only, no other text.';

/**
 * The structured prompt of one decision: persona, goals, biases, world state, allowed
 * actions with their effects, the JSON schema and the last 1–2 turns only.
 */
export function buildActionPrompt(persona: Persona, observation: Observation): ModelMessage[] {
  const { world } = observation;
  const lines = [
    `You are ${persona.name}. ${persona.description}`,
    `The other council members: ${observation.others.join(', ')}.`,
    '',
    'Your goals:',
    ...persona.goals.map((goal) => `- ${goal}`),
    'Your behaviour biases:',
    ...persona.behavior_biases.map((bias) => `- ${bias}`),
    '',
    `World state (turn ${world.turn}): resource_level ${world.resource_level}, stability ${world.stability}.`,
    '',
    'Allowed actions (choose exactly one):',
    ...observation.allowed.map((entry) => `- ${entry.type}: ${entry.effect}${entry.available ? '' : ' [NOT allowed now]'}`),
    '',
    observation.history.length === 0 ? 'Last turns: none yet.' : 'Last turns:',
    ...observation.history.map(describeRound),
    '',
    'Answer with JSON only, following this schema:',
    cachedSchema ?? JSON.stringify(actionJsonSchema()),
    `For support_agent and oppose_agent the target is another member's name (${observation.others.join(', ')}); otherwise the target is "world".`,
    'Example: {"action": "increase_resource", "target": "world", "reason": "short explanation here"}',
  ];
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: lines.join('\n') },
  ];
}
