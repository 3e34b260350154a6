import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { ValidationError, type ValidationIssue, formatIssues, issuesFromZod } from '../core';
import { personaSchema, type Persona } from './models';

/** Smallest and largest council the engine runs. */
export const MIN_AGENTS = 3;
/** Largest council the engine runs. */
export const MAX_AGENTS = 5;

/** Schema of a terminal world condition: the run stops once it holds after an action. */
export const stopConditionSchema = z.strictObject({
  field: z.enum(['resource_level', 'stability']),
  op: z.enum(['<=', '<', '>=', '>', '==']),
  value: z.number().int(),
  label: z.string().min(1).optional(),
});
/** A terminal world condition. */
export type StopCondition = z.infer<typeof stopConditionSchema>;

/** Schema of `settings.yaml` (the original's keys, plus scenario and stop rules). */
export const simulationSettingsFileSchema = z.strictObject({
  scenario: z
    .strictObject({ name: z.string().min(1), description: z.string().default('') })
    .optional(),
  simulation: z
    .strictObject({
      max_turns: z.number().int().min(1).max(100_000).default(10),
      model_name: z.string().min(1).default('llama3.1:8b'),
      llm_retries: z.number().int().min(1).max(10).default(3),
      log_level: z.enum(['debug', 'info', 'warning', 'error', 'silent']).default('info'),
      history_depth: z.number().int().min(0).max(2, { message: 'history_depth is at most 2 (phase 1 keeps the last 1–2 turns only)' }).default(2),
      stop_after_all_pass_rounds: z.number().int().min(1).default(2),
      stop_when: z.array(stopConditionSchema).default([]),
    })
    .prefault({}),
  world: z
    .strictObject({
      initial_resource_level: z.number().int().min(0).default(50),
      initial_stability: z.number().int().min(0).default(50),
    })
    .prefault({}),
  personas_file: z.string().min(1).default('personas.yaml'),
});
/** Parsed `settings.yaml`. */
export type SimulationSettingsFile = z.infer<typeof simulationSettingsFileSchema>;

/** Schema of `personas.yaml`. */
export const personasFileSchema = z.strictObject({
  personas: z.array(personaSchema),
});

/** Everything a simulation needs, resolved from YAML (JSON-safe, stored in the run log). */
export interface SimulationConfig {
  name: string;
  description: string;
  simulation: SimulationSettingsFile['simulation'];
  world: SimulationSettingsFile['world'];
  personas: Persona[];
  /** Where the settings and personas came from, for messages. */
  source: { settings: string; personas: string };
}

interface ShapeLike {
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  _zod: { def: { innerType?: z.ZodType } };
}

function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  const unwrap = (node: z.ZodType): z.ZodType => {
    let inner = node as unknown as ShapeLike;
    while (inner._zod.def.innerType) inner = inner._zod.def.innerType as unknown as ShapeLike;
    return inner as unknown as z.ZodType;
  };
  for (const key of path) {
    if (!current) return undefined;
    const node = unwrap(current) as unknown as ShapeLike;
    current = typeof key === 'number' ? node.element : node.shape?.[String(key)];
  }
  return current ? unwrap(current) : undefined;
}

/** Validates YAML content against a file schema; every problem names the file, the path and what is allowed. */
export function validateConfigFile<S extends z.ZodType>(schema: S, input: unknown, file: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = issuesFromZod(result.error, input).map((issue, index) => {
    const zodIssue = result.error.issues[index];
    if (zodIssue?.code === 'unrecognized_keys') {
      const keys = Object.keys((schemaAt(schema, zodIssue.path) as unknown as ShapeLike | undefined)?.shape ?? {});
      const where = issue.field === '(root)' ? 'the top level' : issue.field;
      return { ...issue, message: `unknown key(s) ${zodIssue.keys.join(', ')} in ${where}; allowed keys: ${keys.join(', ')}`, allowed: keys };
    }
    if (zodIssue?.code === 'invalid_value') return { ...issue, message: `${issue.message}; allowed: ${zodIssue.values.join(', ')}` };
    return issue;
  });
  throw new ValidationError({
    code: 'simulation_config_invalid',
    message: `${file} is not a valid simulation file: ${issues.map((issue) => `${file}: ${formatIssues([issue])}`).join('; ')}`,
    issues: issues.map((issue) => ({ ...issue, field: `${file}: ${issue.field}` })),
    details: { file },
  });
}

function readYaml(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ValidationError({
      code: 'simulation_config_missing',
      message: `cannot read ${file}: ${(error as Error).message}`,
      issues: [{ field: file, message: 'file not readable' }],
      details: { file },
    });
  }
  try {
    return parseYaml(text) ?? {};
  } catch (error) {
    const line = error instanceof YAMLParseError ? ` (line ${error.linePos?.[0]?.line ?? '?'})` : '';
    throw new ValidationError({
      code: 'simulation_config_yaml_invalid',
      message: `${file} is not valid YAML${line}: ${(error as Error).message.split('\n')[0]}`,
      issues: [{ field: file, message: 'not valid YAML' }],
      details: { file },
    });
  }
}

/** Checks the council size and that names are unique and usable as targets. */
export function checkPersonas(personas: readonly Persona[], file: string): void {
  const names = personas.map((persona) => persona.name);
  if (personas.length < MIN_AGENTS || personas.length > MAX_AGENTS) {
    throw new ValidationError({
      code: 'simulation_council_size',
      message: `${file}: a council has ${MIN_AGENTS} to ${MAX_AGENTS} personas; got ${personas.length} (${names.join(', ') || 'none'})`,
      issues: [{ field: `${file}: personas`, message: `needs ${MIN_AGENTS} to ${MAX_AGENTS} personas`, given: personas.length, allowed: { min: MIN_AGENTS, max: MAX_AGENTS } }],
      details: { file },
    });
  }
  const seen = new Set<string>();
  names.forEach((name, index) => {
    const lower = name.toLowerCase();
    if (seen.has(lower) || lower === 'world') {
      throw new ValidationError({
        code: 'simulation_persona_name',
        message: `${file}: personas.${index}.name "${name}" is ${lower === 'world' ? 'reserved for the world target' : 'used twice'}; each persona needs its own name`,
        issues: [{ field: `${file}: personas.${index}.name`, message: 'must be unique and not "world"', given: name }],
        details: { file },
      });
    }
    seen.add(lower);
  });
}

/** Builds a config from already-parsed settings and personas (used by experiments and tests). */
export function simulationConfigFrom(settings: unknown, personas: unknown, source = { settings: 'settings', personas: 'personas' }): SimulationConfig {
  const parsed = validateConfigFile(simulationSettingsFileSchema, settings ?? {}, source.settings);
  const personaFile = validateConfigFile(personasFileSchema, personas, source.personas);
  checkPersonas(personaFile.personas, source.personas);
  return {
    name: parsed.scenario?.name ?? basename(dirname(resolve(source.settings))),
    description: parsed.scenario?.description ?? '',
    simulation: parsed.simulation,
    world: parsed.world,
    personas: personaFile.personas,
    source,
  };
}

/**
 * Loads a scenario: a directory holding `settings.yaml` (and the personas file it names,
 * `personas.yaml` by default) or the path of a settings file.
 * @example const config = loadSimulationConfig('fixtures/councils/harvest');
 */
export function loadSimulationConfig(path: string, options: { personasPath?: string } = {}): SimulationConfig {
  let settingsPath = path;
  try {
    if (statSync(path).isDirectory()) settingsPath = join(path, 'settings.yaml');
  } catch {
    // readYaml reports the missing file with its name.
  }
  const settingsRaw = readYaml(settingsPath);
  const settings = validateConfigFile(simulationSettingsFileSchema, settingsRaw, settingsPath);
  const personasPath = options.personasPath ?? join(dirname(settingsPath), settings.personas_file);
  return simulationConfigFrom(settingsRaw, readYaml(personasPath), { settings: settingsPath, personas: personasPath });
}

/** Whether a terminal condition holds for a state. */
export function stopConditionHolds(condition: StopCondition, state: { resource_level: number; stability: number }): boolean {
  const value = state[condition.field];
  switch (condition.op) {
    case '<=':
      return value <= condition.value;
    case '<':
      return value < condition.value;
    case '>=':
      return value >= condition.value;
    case '>':
      return value > condition.value;
    case '==':
      return value === condition.value;
  }
}

/** Human words for a terminal condition, e.g. `stability <= 20`. */
export function describeStopCondition(condition: StopCondition): string {
  return condition.label ?? `${condition.field} ${condition.op} ${condition.value}`;
}

/** Loads and checks a personas file (`personas: [...]`, 3 to 5 personas). */
export function loadPersonas(path: string): Persona[] {
  const { personas } = validateConfigFile(personasFileSchema, readYaml(path), path);
  checkPersonas(personas, path);
  return personas;
}
