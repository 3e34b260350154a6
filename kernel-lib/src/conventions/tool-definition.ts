import { byteLength, cutText } from '../core';
import type { ArgDescriptor, ParsedDeclaration } from './declaration';

/** The most bytes an MCP tool description may have, suffix included. */
export const TOOL_DESCRIPTION_MAX_BYTES = 120;

/** An MCP tool generated from a declaration: name, description and JSON Schema of its input. */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, Record<string, unknown>>; required: string[] };
}

/** `text` in at most `maxBytes`, cut on a character boundary (never half an emoji in the JSON). */
function cutToBytes(text: string, maxBytes: number): string {
  return cutText(text, { bytes: maxBytes }, '...');
}

/** The suffix an agent reads to know whether to await: explicit sync, or async. */
export function responseSuffix(parsed: ParsedDeclaration): string {
  if (parsed.response.explicit && parsed.response.mode === 'sync') return ' Returns response directly.';
  if (parsed.response.mode === 'async') return ' Returns message ID.';
  return '';
}

function itemSchema(arg: ArgDescriptor): Record<string, unknown> {
  const described = arg.description ? { description: arg.description } : {};
  switch (arg.type) {
    case 'string':
      return { type: 'string', ...(arg.max_length !== undefined ? { maxLength: arg.max_length } : {}), ...(arg.pattern ? { pattern: `^(?:${arg.pattern})$` } : {}), ...described };
    case 'integer':
      return { type: 'integer', ...(arg.min !== undefined ? { minimum: arg.min } : {}), ...(arg.max ? { maximum: arg.max } : {}), ...described };
    case 'boolean':
      return { type: 'boolean', ...described };
    case 'enum':
      return { type: 'string', enum: arg.values ?? [], ...described };
    case 'duration':
      return { type: 'string', pattern: '^\\d+[smhd]$', description: arg.description ?? 'a duration such as 30s, 5m, 2h, 1d' };
    case 'key':
      return { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: arg.description ?? '64 hex characters (Ed25519 public key, either case)' };
    case 'json':
      return { type: ['object', 'string'], description: arg.description ?? 'a JSON object, or a string holding one' };
    case 'tag_set':
      return { type: 'array', items: { type: 'string' }, ...described };
    case 'message_id':
      return { type: 'string', description: arg.description ?? 'a campfire message id' };
    case 'campfire':
      return { type: 'string', description: arg.description ?? 'a campfire id or name' };
  }
}

/** The JSON Schema of one arg (`repeated` becomes an array with `maxItems`). */
export function argJsonSchema(arg: ArgDescriptor): Record<string, unknown> {
  const item = itemSchema(arg);
  const withDefault = arg.default !== undefined ? { default: arg.default } : {};
  if (!arg.repeated) return { ...item, ...withDefault };
  return { type: 'array', items: item, ...(arg.max_count ? { maxItems: arg.max_count } : {}), ...withDefault };
}

/**
 * Generates the MCP tool of a declaration. `clashes` holds operation names used by
 * more than one convention; those tools are named `convention_with_underscores_operation`.
 */
export function toolFromDeclaration(parsed: ParsedDeclaration, options: { clashes?: ReadonlySet<string>; campfire?: string } = {}): ToolDefinition {
  const { declaration } = parsed;
  const name = options.clashes?.has(declaration.operation) ? `${declaration.convention.replace(/[^A-Za-z0-9]/g, '_')}_${declaration.operation}` : declaration.operation;
  const suffix = responseSuffix(parsed);
  const description = cutToBytes(declaration.description ?? `${declaration.convention} ${declaration.operation}`, TOOL_DESCRIPTION_MAX_BYTES - byteLength(suffix)) + suffix;
  const properties: Record<string, Record<string, unknown>> = {};
  for (const arg of declaration.args) properties[arg.name] = argJsonSchema(arg);
  properties.campfire_id = { type: 'string', description: `campfire to call (default: the joined campfire${options.campfire ? ` ${options.campfire}` : ''})` };
  const required = declaration.args.filter((arg) => arg.required && arg.default === undefined).map((arg) => arg.name);
  return { name, description, inputSchema: { type: 'object', properties, required } };
}

/** Operation names declared by more than one convention among `declarations`. */
export function clashingOperations(declarations: readonly ParsedDeclaration[]): Set<string> {
  const conventions = new Map<string, Set<string>>();
  for (const parsed of declarations) {
    const set = conventions.get(parsed.declaration.operation) ?? new Set<string>();
    set.add(parsed.declaration.convention);
    conventions.set(parsed.declaration.operation, set);
  }
  return new Set([...conventions].filter(([, set]) => set.size > 1).map(([operation]) => operation));
}
