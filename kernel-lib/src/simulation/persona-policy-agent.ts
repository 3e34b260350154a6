import { BaseCouncilAgent, type Observation } from './council-agent';
import type { Action, Leaning, Persona } from './models';
import { deriveSeed } from './seeds';

export type { Leaning } from './models';

/** The label shown wherever results of persona-policy agents appear. */
export const PERSONA_POLICY_LABEL = 'persona-policy (offline)';

const LEANING_WORDS: Readonly<Record<Leaning, readonly string[]>> = {
  growth: ['grow', 'invest', 'build', 'expan', 'optimis', 'ambiti', 'develop', 'produc', 'innovat', 'bold'],
  caution: ['cautio', 'careful', 'risk-averse', 'risk averse', 'conserv', 'prudent', 'steward', 'sustain', 'sav', 'long-term', 'long term', 'reserve'],
  extraction: ['greed', 'exploit', 'extract', 'spend', 'consum', 'short-term', 'short term', 'opportunis', 'self-interest', 'hoard', 'take', 'profit'],
  cooperation: ['cooperat', 'collabor', 'support', 'consensus', 'diploma', 'loyal', 'trust', 'harmon', 'mediat', 'peace', 'compromis', 'united', 'unity'],
  opposition: ['contrarian', 'skeptic', 'sceptic', 'challeng', 'oppos', 'rival', 'competit', 'confront', 'aggress', 'dissent', 'critic', 'distrust', 'rebel', 'suspicious'],
  restraint: ['passive', 'wait', 'patient', 'observ', 'reserved', 'indecis', 'hesita', 'quiet', 'neutral', 'aloof'],
};

/** How strongly a persona leans each way: one point per bias that mentions a leaning's words. */
export function leaningsOf(persona: Persona): Record<Leaning, number> {
  const result: Record<Leaning, number> = { growth: 0, caution: 0, extraction: 0, cooperation: 0, opposition: 0, restraint: 0 };
  for (const bias of persona.behavior_biases) {
    // "distrust" must not count as trust.
    const text = bias.toLowerCase().replace(/distrust/g, 'suspicious');
    for (const leaning of Object.keys(LEANING_WORDS) as Leaning[]) {
      if (LEANING_WORDS[leaning].some((word) => text.includes(word))) result[leaning] += 1;
    }
  }
  return result;
}

/**
 * A deterministic rule-based council member driven by its persona's behaviour biases:
 * the offline default. Scores every action from the biases, the world state and the last
 * rounds, and takes the best valid one. Ties go to the earlier action in the world's list;
 * in a run with a seed, a tie is broken by the seed, this member and the turn, so repeats
 * with different seeds differ and the same seed gives the same run. An action a world
 * adds scores twice the leaning it declares.
 * @example const agent = new PersonaPolicyAgent(persona);
 */
export class PersonaPolicyAgent extends BaseCouncilAgent {
  readonly policy = PERSONA_POLICY_LABEL;
  private readonly leanings: Record<Leaning, number>;

  constructor(persona: Persona) {
    super(persona);
    this.leanings = leaningsOf(persona);
  }

  async decideAction(observation: Observation): Promise<Action> {
    const action = this.choose(observation);
    this.trace = { fallback: false };
    return action;
  }

  /** The scores behind the next decision, for explaining a persona's behaviour: one per action the world declares. */
  scores(observation: Observation): Record<string, number> {
    const lean = this.leanings;
    const resources = observation.world.resource_level as number;
    const stability = observation.world.stability as number;
    const scarce = resources < 30;
    const plenty = resources > 80;
    const shaky = stability < 35;
    const calm = stability > 65;
    const council: Record<string, number> = {
      increase_resource: 2 * lean.growth + lean.caution + (scarce ? 2 * lean.caution + lean.cooperation + 1 : 0),
      decrease_resource: 2 * lean.extraction + (plenty ? lean.extraction + lean.growth : 0) - (scarce ? lean.caution : 0),
      support_agent: 2 * lean.cooperation + (shaky ? lean.cooperation + lean.caution + 1 : 0),
      oppose_agent: 2 * lean.opposition + (calm ? lean.opposition : 0) + (this.wasOpposed(observation) ? 1 : 0),
      pass: 2 * lean.restraint + 0.5,
    };
    const scores: Record<string, number> = {};
    for (const entry of observation.allowed) scores[entry.type] = council[entry.type] ?? (entry.leaning ? 2 * lean[entry.leaning] : 0);
    // Doing the same thing again and again gets old: each earlier round with the same choice costs a point.
    for (const round of observation.history) {
      const mine = round.actions.find((entry) => entry.agent === this.name);
      if (mine && mine.type !== 'pass' && scores[mine.type] !== undefined) scores[mine.type] -= 1;
    }
    for (const entry of observation.allowed) if (!entry.available) scores[entry.type] = Number.NEGATIVE_INFINITY;
    return scores;
  }

  private choose(observation: Observation): Action {
    const scores = this.scores(observation);
    const types = observation.allowed.map((entry) => entry.type);
    const top = Math.max(...types.map((type) => scores[type] as number));
    const tied = types.filter((type) => scores[type] === top);
    const best = tied.length === 0 ? 'pass' : tied.length === 1 || observation.seed === undefined ? (tied[0] as string) : this.tieBreak(tied, observation);
    const member = observation.allowed.find((entry) => entry.type === best)?.target === 'member';
    const target = best === 'oppose_agent' ? this.rival(observation) : member ? this.ally(observation) : 'world';
    return { type: best, target, reason: this.reasonFor(best, observation, target) };
  }

  /** The tied action this member takes in this turn of a seeded run: the lowest draw of seed, member, turn and action. */
  private tieBreak(tied: readonly string[], observation: Observation): string {
    const seed = observation.seed as number;
    const draw = (type: string): number => deriveSeed(seed, 'tie', this.name, observation.world.turn, type);
    return tied.reduce((best, type) => (draw(type) < draw(best) ? type : best));
  }

  private wasOpposed(observation: Observation): boolean {
    const last = observation.history[observation.history.length - 1];
    return Boolean(last?.actions.some((entry) => entry.type === 'oppose_agent' && entry.target === this.name));
  }

  /** Who to support: the last member still seated who supported this agent or built resources, else the next seat. */
  private ally(observation: Observation): string {
    for (const round of [...observation.history].reverse()) {
      const friend = [...round.actions].reverse().find((entry) => entry.agent !== this.name && this.council.includes(entry.agent) && ((entry.type === 'support_agent' && entry.target === this.name) || entry.type === 'increase_resource'));
      if (friend) return friend.agent;
    }
    const seat = this.council.indexOf(this.name);
    return this.council[(seat + 1) % this.council.length] ?? observation.others[0] ?? 'world';
  }

  /** Who to oppose: the last member still seated who opposed this agent or drew resources, else the previous seat. */
  private rival(observation: Observation): string {
    for (const round of [...observation.history].reverse()) {
      const foe = [...round.actions].reverse().find((entry) => entry.agent !== this.name && this.council.includes(entry.agent) && ((entry.type === 'oppose_agent' && entry.target === this.name) || entry.type === 'decrease_resource'));
      if (foe) return foe.agent;
    }
    const seat = this.council.indexOf(this.name);
    return this.council[(seat - 1 + this.council.length) % this.council.length] ?? observation.others[0] ?? 'world';
  }

  private reasonFor(type: string, observation: Observation, target: string): string {
    const { resource_level: resources, stability } = observation.world;
    const goal = this.persona.goals[0] ?? '';
    switch (type) {
      case 'increase_resource':
        return `resources at ${resources}; building them serves "${goal}"`;
      case 'decrease_resource':
        return `resources at ${resources} are there to be used`;
      case 'support_agent':
        return `stability at ${stability}; backing ${target} keeps the council together`;
      case 'oppose_agent':
        return `stability at ${stability}; ${target} needs to be challenged`;
      case 'pass':
        return 'waiting to see how the others move';
    }
    const effect = observation.allowed.find((entry) => entry.type === type)?.effect ?? type;
    return `${type} (${effect})${target !== 'world' ? ` with ${target}` : ''} serves "${goal}"`;
  }
}
