import { ValidationError, cutText } from '../core';
import type { LanguageModel } from '../llm';
import { personaSchema, type CouncilState, type Persona } from './models';
import { checkPersonas, simulationConfigFrom, simulationSettingsFileSchema, validateConfigFile, type SimulationConfig } from './simulation-config';
import type { SimulationTranscript } from './simulation-record';
import type { WorldDefinition } from './world';

/** The scenario settings a fork may change: the `simulation` section of `settings.yaml`. */
export type ForkSettings = Partial<SimulationConfig['simulation']>;

/** The simulation section's schema (strict: an unknown key names the allowed ones). */
const simulationSectionSchema = simulationSettingsFileSchema.shape.simulation;

/** How a name or label is quoted in an error: short, on one line. */
function shown(value: unknown): string {
  return cutText(String(value), { characters: 60 }, '...');
}

/** Checks the turn a fork starts after: a whole number from 0 to the last turn the run finished. */
export function checkForkTurn(turn: unknown, transcript: SimulationTranscript, runId: string): number {
  const last = transcript.turns.at(-1)?.turn ?? 0;
  if (typeof turn !== 'number' || !Number.isInteger(turn) || turn < 0 || turn > last) {
    const what = typeof turn === 'number' && Number.isInteger(turn) ? 'is not a turn of the run' : 'is not a whole number';
    throw new ValidationError({
      code: 'simulation_fork_turn',
      message: `turn ${shown(typeof turn === 'string' ? JSON.stringify(turn) : turn)} ${what}: a fork starts after a turn run ${runId} finished, a whole number from 0 (its start) to ${last}`,
      issues: [{ field: 'turn', message: what, given: typeof turn === 'number' ? turn : shown(turn), allowed: { min: 0, max: last } }],
    });
  }
  return turn;
}

/**
 * The council of a fork: the run's personas with some seats given to others (`{ Mara: trader }`),
 * or a whole new council (a list). A name that is not in the council is refused, naming the council.
 */
export function forkPersonas(current: readonly Persona[], given: readonly Persona[] | Readonly<Record<string, Persona>> | undefined): Persona[] {
  if (given === undefined) return [...current];
  if (Array.isArray(given)) {
    const checked = validateConfigFile(personaSchema.array(), given, 'personas');
    checkPersonas(checked, 'personas');
    return checked;
  }
  if (typeof given !== 'object' || given === null) {
    throw new ValidationError({
      code: 'simulation_fork_personas',
      message: `personas must map a council member's name to the persona taking the seat ({ ${current[0]?.name ?? 'Name'}: persona }), or list the whole council; got ${typeof given}`,
      issues: [{ field: 'personas', message: 'not a map of names or a list of personas', given: typeof given }],
    });
  }
  const names = current.map((persona) => persona.name);
  const seats = new Map<string, Persona>();
  for (const [name, persona] of Object.entries(given as Record<string, Persona>)) {
    if (!names.includes(name)) {
      throw new ValidationError({
        code: 'simulation_fork_personas',
        message: `personas.${shown(name)}: "${shown(name)}" is not a member of this council; replace one of ${names.join(', ')}`,
        issues: [{ field: `personas.${shown(name)}`, message: 'not a council member', given: shown(name), allowed: names }],
      });
    }
    seats.set(name, validateConfigFile(personaSchema, persona, `personas.${name}`));
  }
  const council = current.map((persona) => seats.get(persona.name) ?? persona);
  checkPersonas(council, 'personas');
  return council;
}

/** The config of a fork: the run's scenario with the fork's council and settings, checked like a settings file. */
export function forkConfig(config: SimulationConfig, personas: readonly Persona[], settings: ForkSettings | undefined, turn: number): SimulationConfig {
  if (settings !== undefined && (typeof settings !== 'object' || settings === null || Array.isArray(settings))) {
    throw new ValidationError({ code: 'simulation_fork_settings', message: 'settings must be an object of simulation settings ({ max_turns: 20 })', issues: [{ field: 'settings', message: 'not an object', given: Array.isArray(settings) ? 'a list' : typeof settings }] });
  }
  const simulation = validateConfigFile(simulationSectionSchema, { ...config.simulation, ...(settings ?? {}) }, 'settings');
  if (simulation.max_turns <= turn) {
    const field = settings?.max_turns === undefined ? 'turn' : 'settings.max_turns';
    throw new ValidationError({
      code: 'simulation_fork_no_turns',
      message: `a fork after turn ${turn} would play no turn: max_turns is ${simulation.max_turns}; fork after an earlier turn or pass settings: { max_turns: ${turn + 1} or more }`,
      issues: [{ field, message: 'the fork would play no turn', given: field === 'turn' ? turn : simulation.max_turns, allowed: field === 'turn' ? { max: simulation.max_turns - 1 } : { min: turn + 1 } }],
    });
  }
  const built = simulationConfigFrom(
    { scenario: { name: config.name, description: config.description }, simulation, world: config.world },
    { personas },
    { settings: 'settings', personas: 'personas' },
  );
  return { ...built, source: config.source };
}

/** Checks that a fork's world can start from the run's recorded state: the same fields, and a way to restore a state. */
export function checkForkWorld(world: WorldDefinition, recorded: { name: string; fields: readonly string[] }, state: Readonly<CouncilState>, runId: string): void {
  if (!world.restore) {
    throw new ValidationError({
      code: 'simulation_fork_world',
      message: `the world "${world.name}" cannot start from a recorded state (it has no restore), so run ${runId}, played in the world "${recorded.name}", cannot be forked in it; pass a world made with defineWorld (the run's own world to keep its rules): sim.fork(turn, { world })`,
      issues: [{ field: 'world', message: 'a world that can start from a recorded state is needed', given: world.name, allowed: 'a world made with defineWorld, or the council\'s world' }],
    });
  }
  const missing = world.fields.filter((field) => typeof state[field] !== 'number');
  const extra = recorded.fields.filter((field) => !world.fields.includes(field));
  if (missing.length > 0 || extra.length > 0) {
    throw new ValidationError({
      code: 'simulation_fork_world',
      message: `the world "${world.name}" has the fields ${world.fields.join(', ')}; run ${runId} recorded ${recorded.fields.join(', ')}. A fork's world may change actions and rules, not the state's fields`,
      issues: [{ field: 'world', message: 'not the same state fields as the run', given: [...world.fields], allowed: [...recorded.fields] }],
    });
  }
}

/** What a fork changes, in a few words: `Mara → Gus, max_turns 20`, or `same council` when it changes nothing. */
export function forkLabel(parts: { before: readonly Persona[]; after: readonly Persona[]; world: string | null; model: LanguageModel | null | undefined; settings: ForkSettings | undefined; seed: number | undefined }): string {
  const changes: string[] = [];
  parts.after.forEach((persona, index) => {
    const was = parts.before[index];
    if (!was) changes.push(`+ ${persona.name}`);
    else if (was.name !== persona.name) changes.push(`${was.name} → ${persona.name}`);
    else if (JSON.stringify(was) !== JSON.stringify(persona)) changes.push(`${persona.name} changed`);
  });
  for (const was of parts.before.slice(parts.after.length)) changes.push(`- ${was.name}`);
  if (parts.world !== null) changes.push(`world ${parts.world}`);
  if (parts.model !== undefined) changes.push(parts.model ? `model ${parts.model.provider}:${parts.model.modelId}` : 'offline agents');
  for (const [key, value] of Object.entries(parts.settings ?? {})) changes.push(`${key} ${JSON.stringify(value)}`);
  if (parts.seed !== undefined) changes.push(`seed ${parts.seed}`);
  return changes.length === 0 ? 'same council' : changes.join(', ');
}

/** Checks a fork's own label: 1 to 80 characters. */
export function checkForkLabel(label: unknown): string {
  if (typeof label !== 'string' || label.trim() === '' || label.length > 80) {
    throw new ValidationError({ code: 'simulation_fork_label', message: `label ${shown(label)} is not a label: a fork's label is 1 to 80 characters`, issues: [{ field: 'label', message: 'not a label of 1 to 80 characters', given: shown(label) }] });
  }
  return label;
}
