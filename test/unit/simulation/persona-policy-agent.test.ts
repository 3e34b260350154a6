import { PersonaPolicyAgent, leaningsOf } from 'campfires';
import { PERSONA_POLICY_LABEL } from 'campfires/simulation';
import { persona } from './council-script';

function seated(biases: string[]): PersonaPolicyAgent {
  const agent = new PersonaPolicyAgent(persona('Ada', biases));
  agent.seat(['Ada', 'Bo', 'Cy'], 2);
  return agent;
}

describe('PersonaPolicyAgent', () => {
  it('reads behaviour biases into leanings', () => {
    expect(leaningsOf(persona('Ada', ['cautious with shared stores', 'distrusts everyone', 'spends on short-term opportunities']))).toEqual({
      growth: 0,
      caution: 1,
      extraction: 1,
      cooperation: 0,
      opposition: 1,
      restraint: 0,
    });
  });

  it('is labelled as the offline policy', () => {
    expect(seated(['patient']).policy).toBe(PERSONA_POLICY_LABEL);
    expect(PERSONA_POLICY_LABEL).toBe('persona-policy (offline)');
  });

  it('decides from its biases and the world, the same way every time', async () => {
    const world = { resource_level: 50, stability: 50, turn: 1 };
    const greedy = seated(['greedy', 'exploits every chance']);
    expect((await greedy.decideAction(greedy.observe(world))).type).toBe('decrease_resource');
    expect((await greedy.decideAction(greedy.observe({ ...world, resource_level: 0 }))).type).not.toBe('decrease_resource');
    const friendly = seated(['cooperative', 'seeks consensus']);
    expect(await friendly.decideAction(friendly.observe(world))).toEqual({ type: 'support_agent', target: 'Bo', reason: 'stability at 50; backing Bo keeps the council together' });
    const quiet = seated(['patient', 'reserved']);
    expect((await quiet.decideAction(quiet.observe(world))).type).toBe('pass');
    const saver = seated(['risk-averse']);
    expect((await saver.decideAction(saver.observe({ ...world, resource_level: 10 }))).type).toBe('increase_resource');
  });

  it('opposes whoever opposed it in the last round', async () => {
    const rival = seated(['contrarian']);
    rival.remember({ turn: 1, actions: [{ agent: 'Cy', type: 'oppose_agent', target: 'Ada', reason: '', success: true }], state: { resource_level: 50, stability: 45, turn: 1 } });
    expect(await rival.decideAction(rival.observe({ resource_level: 50, stability: 45, turn: 2 }))).toMatchObject({ type: 'oppose_agent', target: 'Cy' });
  });
});
