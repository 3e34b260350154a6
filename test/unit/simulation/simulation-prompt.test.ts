import { PersonaPolicyAgent, type Observation, type Persona, type RoundSummary } from 'campfires';
import { actionJsonSchema, buildActionPrompt, describeRound } from 'campfires/simulation';
import { persona } from './council-script';

/** The prompt as one list of lines joined at the end: the reference the kept parts must match. */
function joinedPrompt(member: Persona, observation: Observation): string {
  const { world } = observation;
  return [
    `You are ${member.name}. ${member.description}`,
    `The other council members: ${observation.others.join(', ')}.`,
    '',
    'Your goals:',
    ...member.goals.map((goal) => `- ${goal}`),
    'Your behaviour biases:',
    ...member.behavior_biases.map((bias) => `- ${bias}`),
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
    JSON.stringify(actionJsonSchema()),
    `For support_agent and oppose_agent the target is another member's name (${observation.others.join(', ')}); otherwise the target is "world".`,
    'Example: {"action": "increase_resource", "target": "world", "reason": "short explanation here"}',
  ].join('\n');
}

const round = (turn: number, frozen: boolean): RoundSummary => {
  const value: RoundSummary = {
    turn,
    actions: [
      { agent: 'Bo', type: 'oppose_agent', target: 'Ada', reason: 'r', success: true },
      { agent: 'Cy', type: 'pass', target: 'world', reason: '', success: false },
    ],
    state: { resource_level: 40 + turn, stability: 50, turn },
  };
  return frozen ? (Object.freeze({ ...value, actions: Object.freeze(value.actions.map((entry) => Object.freeze(entry))), state: Object.freeze(value.state) }) as RoundSummary) : value;
};

describe('buildActionPrompt', () => {
  it('gives the same text as joining every line, turn after turn, with kept and unkept rounds', () => {
    const ada = persona('Ada', ['cautious with stores', 'seeks consensus']);
    const agent = new PersonaPolicyAgent(ada);
    agent.seat(['Ada', 'Bo', 'Cy'], 2);
    for (const [turn, resources] of [[1, 50], [2, 0], [3, 10], [4, 0]] as const) {
      const observation = agent.observe({ resource_level: resources, stability: 40, turn });
      const [system, user] = buildActionPrompt(ada, observation);
      expect(system?.role).toBe('system');
      expect(user).toEqual({ role: 'user', content: joinedPrompt(ada, observation) });
      agent.remember(round(turn, turn % 2 === 0));
    }
  });

  it('follows a persona edited between decisions and a council seated anew', () => {
    const bo = persona('Bo');
    const agent = new PersonaPolicyAgent(bo);
    agent.seat(['Ada', 'Bo', 'Cy'], 1);
    const world = { resource_level: 30, stability: 30, turn: 1 };
    buildActionPrompt(bo, agent.observe(world));
    bo.goals.push('a new goal');
    bo.description = 'Bo, now the treasurer.';
    agent.seat(['Bo', 'Dee', 'Eve', 'Ada'], 1);
    const observation = agent.observe(world);
    const content = buildActionPrompt(bo, observation)[1]?.content ?? '';
    expect(content).toBe(joinedPrompt(bo, observation));
    expect(content).toContain('- a new goal');
    expect(content).toContain('You are Bo. Bo, now the treasurer.');
    expect(content).toContain('The other council members: Dee, Eve, Ada.');
  });
});
