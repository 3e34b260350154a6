import { readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError, type ValidationIssue, formatIssues, issuesFromZod, cutText } from '../core';
import { personaSchema, type Persona } from './models';

/** The `yaml` library, loaded when the first YAML file is read (about 70 modules a notebook's import should not wait for). */
function yamlLibrary(): typeof import('yaml') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('yaml') as typeof import('yaml');
}

/** Smallest and largest council the engine runs. */
export const MIN_AGENTS = 3;
/** Largest council the engine runs. */
export const MAX_AGENTS = 5;
/** Largest settings or personas file read, in bytes: a scenario is a page of YAML, not megabytes. */
const CONFIG_FILE_MAX_BYTES = 256 * 1024;
/** How many unknown keys an error lists by name before it only counts the rest. */
const UNKNOWN_KEYS_SHOWN = 5;
/** How many problems an error spells out before it only counts the rest. */
const ISSUES_SHOWN = 10;

/** Schema of a terminal world condition: the run stops once it holds after an action. */
export const stopConditionSchema = z.strictObject({
  /** A state field of the world (the council's world: resource_level or stability); checked when the world is known. */
  field: z.string().min(1).max(40),
  op: z.enum(['<=', '<', '>=', '>', '==']),
  value: z.number().int(),
  label: z.string().min(1).max(200).optional(),
});
/** A terminal world condition. */
export type StopCondition = z.infer<typeof stopConditionSchema>;

/** Schema of `settings.yaml` (the original's keys, plus scenario and stop rules). */
export const simulationSettingsFileSchema = z.strictObject({
  scenario: z
    .strictObject({ name: z.string().min(1).max(200), description: z.string().max(4000).default('') })
    .optional(),
  simulation: z
    .strictObject({
      max_turns: z.number().int().min(1).max(100_000).default(10),
      model_name: z.string().min(1).max(200).default('llama3.1:8b'),
      llm_retries: z.number().int().min(1).max(10).default(3),
      log_level: z.enum(['debug', 'info', 'warning', 'error', 'silent']).default('info'),
      history_depth: z.number().int().min(0).max(2, { message: 'history_depth is at most 2 (phase 1 keeps the last 1–2 turns only)' }).default(2),
      stop_after_all_pass_rounds: z.number().int().min(1).default(2),
      stop_when: z.array(stopConditionSchema).max(20).default([]),
    })
    .prefault({}),
  world: z
    .strictObject({
      initial_resource_level: z.number().int().min(0).default(50),
      initial_stability: z.number().int().min(0).default(50),
    })
    .prefault({}),
  personas_file: z.string().min(1).max(1024).default('personas.yaml'),
});
/** Parsed `settings.yaml`. */
export type SimulationSettingsFile = z.infer<typeof simulationSettingsFileSchema>;

/** Schema of `personas.yaml`. */
export const personasFileSchema = z.strictObject({
  personas: z.array(personaSchema).max(MAX_AGENTS * 4),
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

function listKeys(keys: readonly string[]): string {
  const shown = keys.slice(0, UNKNOWN_KEYS_SHOWN).map((key) => (cutText(key, { characters: 43 }, '...')));
  return keys.length > shown.length ? `${shown.join(', ')} and ${keys.length - shown.length} more` : shown.join(', ');
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
      return { ...issue, message: `unknown key(s) ${listKeys(zodIssue.keys)} in ${where}; allowed keys: ${keys.join(', ')}`, given: zodIssue.keys.slice(0, UNKNOWN_KEYS_SHOWN), allowed: keys };
    }
    if (zodIssue?.code === 'invalid_value') return { ...issue, message: `${issue.message}; allowed: ${zodIssue.values.join(', ')}` };
    return issue;
  });
  const shown = issues.slice(0, ISSUES_SHOWN);
  const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more problems` : '';
  throw new ValidationError({
    code: 'simulation_config_invalid',
    message: `${file} is not a valid simulation file: ${shown.map((issue) => `${file}: ${formatIssues([issue])}`).join('; ')}${more}`,
    issues: shown.map((issue) => ({ ...issue, field: `${file}: ${issue.field}` })),
    details: { file, problems: issues.length },
  });
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let index = text.indexOf('\n'); index !== -1 && index < offset; index = text.indexOf('\n', index + 1)) line += 1;
  return line;
}

function configError(code: string, file: string, message: string, problem: string): ValidationError {
  return new ValidationError({ code, message, issues: [{ field: file, message: problem }], details: { file } });
}

/**
 * Reads a YAML mapping from `file`: a regular file of at most `CONFIG_FILE_MAX_BYTES`,
 * checked before it is read, parsed in time that grows with its size (duplicate keys are
 * found with one pass over each mapping). Errors name the file but never quote its
 * content, which may be a file the caller did not mean to share.
 */
function readYaml(file: string): unknown {
  let facts;
  try {
    facts = statSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw configError('simulation_config_missing', file, `cannot read ${file}: ${reason}`, 'file not readable');
  }
  if (facts.isDirectory()) throw configError('simulation_config_missing', file, `cannot read ${file}: it is a directory, not a YAML file`, 'a directory');
  if (!facts.isFile()) throw configError('simulation_config_missing', file, `cannot read ${file}: it is not a regular file`, 'not a regular file');
  if (facts.size > CONFIG_FILE_MAX_BYTES) {
    throw configError('simulation_config_too_large', file, `${file} is ${facts.size} bytes; a simulation file is at most ${CONFIG_FILE_MAX_BYTES} bytes`, `larger than ${CONFIG_FILE_MAX_BYTES} bytes`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw configError('simulation_config_missing', file, `cannot read ${file}: ${(error as Error).message}`, 'file not readable');
  }
  const { isScalar, parseDocument, visit } = yamlLibrary();
  // The library's own duplicate-key check compares every key with every other one.
  const document = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  const syntax = document.errors[0];
  if (syntax) {
    throw configError('simulation_config_yaml_invalid', file, `${file} is not valid YAML (line ${lineAt(text, syntax.pos[0])}): ${syntax.message.split('\n')[0]}`, 'not valid YAML');
  }
  let duplicate: { key: string; line: number | string } | undefined;
  visit(document, {
    Map(_key, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (seen.has(key)) {
          const offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
          duplicate = { key: cutText(key, { characters: 43 }, '...'), line: offset === undefined ? '?' : lineAt(text, offset) };
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  if (duplicate) throw configError('simulation_config_yaml_invalid', file, `${file} is not valid YAML (line ${duplicate.line}): the key "${duplicate.key}" appears twice in one mapping`, 'duplicate key');
  const value: unknown = document.toJS({ maxAliasCount: 100 }) ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    const kind = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    throw configError('simulation_config_invalid', file, `${file} is not a simulation file: it holds ${kind}, not a mapping of keys`, 'not a YAML mapping');
  }
  return value;
}

/**
 * The personas file a scenario's settings name, which must stay inside the scenario
 * directory (links resolved): a scenario shared with a user cannot make the loader read
 * `../../etc/passwd`. A caller who wants a file elsewhere passes it explicitly.
 */
function scenarioFile(settingsPath: string, named: string, field: string): string {
  const directory = dirname(settingsPath);
  const file = join(directory, named);
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  };
  const inside = relative(real(directory), real(file));
  if (isAbsolute(named) || inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    const shown = cutText(named, { characters: 83 }, '...');
    throw new ValidationError({
      code: 'simulation_config_path_refused',
      message: `${settingsPath}: ${field} "${shown}" leads outside the scenario directory ${directory}; keep the file in that directory, or pass its path explicitly (personasPath)`,
      issues: [{ field: `${settingsPath}: ${field}`, message: 'outside the scenario directory', given: shown, allowed: `a file inside ${directory}` }],
      details: { file: settingsPath },
    });
  }
  return file;
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
 * `personas.yaml` by default, which must be inside that directory) or the path of a
 * settings file. `personasPath` reads the personas from a file of the caller's choosing.
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
  const personasPath = options.personasPath ?? scenarioFile(settingsPath, settings.personas_file, 'personas_file');
  return simulationConfigFrom(settingsRaw, readYaml(personasPath), { settings: settingsPath, personas: personasPath });
}

/** Whether a terminal condition holds for a state. */
export function stopConditionHolds(condition: StopCondition, state: { readonly [field: string]: number }): boolean {
  const value = state[condition.field] as number;
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
