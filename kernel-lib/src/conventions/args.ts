import { ValidationError, byteLength, cutText, durationPattern, type ValidationIssue } from '../core';
import type { JsonValue } from '../messages';
import { camelName, type ArgDescriptor, type ParsedDeclaration } from './declaration';
import { matchesAnchored } from './pattern-safety';

/** Resolved arguments: declared names to validated JSON values (keys lowercased, json parsed). */
export type ResolvedArgs = Record<string, JsonValue>;

const messageIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const campfirePattern = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const keyPattern = /^[0-9a-fA-F]{64}$/;

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(cutText(value, { characters: 60 }, '...'));
  return JSON.stringify(value) ?? String(value);
}

/** What an arg's type allows, in words, for help tables and error messages. */
export function describeArgType(arg: ArgDescriptor): string {
  const limits: string[] = [];
  if (arg.max_length !== undefined) limits.push(`at most ${arg.max_length} bytes`);
  if (arg.pattern !== undefined) limits.push(`matching ${arg.pattern}`);
  if (arg.min !== undefined) limits.push(`>= ${arg.min}`);
  if (arg.max !== undefined && arg.max !== 0) limits.push(`<= ${arg.max}`);
  const base: Record<ArgDescriptor['type'], string> = {
    string: 'a string',
    integer: 'a whole number',
    boolean: 'true or false',
    enum: `one of ${(arg.values ?? []).join(', ')}`,
    message_id: 'a message id',
    campfire: 'a campfire id or name',
    duration: 'a duration such as 30s, 5m, 2h, 1d',
    key: 'a 64-character hex Ed25519 public key',
    json: 'a JSON object (or a string holding one)',
    tag_set: 'a list of tags',
  };
  const text = [base[arg.type], ...limits].join(', ');
  return arg.repeated ? `a list of (${text})${arg.max_count ? `, at most ${arg.max_count} items` : ''}` : text;
}

function checkOne(arg: ArgDescriptor, value: unknown, field: string, issues: ValidationIssue[]): JsonValue | undefined {
  const fail = (message: string, allowed: unknown = describeArgType({ ...arg, repeated: false })) => {
    issues.push({ field, message, given: value, allowed });
    return undefined;
  };
  const expected = `${field} must be ${describeArgType({ ...arg, repeated: false })} (got ${show(value)})`;
  switch (arg.type) {
    case 'string': {
      if (typeof value !== 'string') return fail(expected);
      const bytes = byteLength(value);
      if (arg.max_length !== undefined && bytes > arg.max_length) return fail(`${field} is ${bytes} bytes; at most ${arg.max_length} bytes allowed`, { max_length: arg.max_length });
      if (arg.pattern !== undefined && !matchesAnchored(arg.pattern, value, field)) return fail(`${field} ${show(value)} does not match the pattern ${arg.pattern}`, arg.pattern);
      return value;
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail(expected);
      if (arg.min !== undefined && value < arg.min) return fail(`${field} is ${value}; the minimum is ${arg.min}`, { min: arg.min });
      if (arg.max !== undefined && arg.max !== 0 && value > arg.max) return fail(`${field} is ${value}; the maximum is ${arg.max}`, { max: arg.max });
      return value;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : fail(expected);
    case 'enum':
      return typeof value === 'string' && (arg.values ?? []).includes(value) ? value : fail(expected, arg.values);
    case 'message_id':
      return typeof value === 'string' && messageIdPattern.test(value) ? value : fail(expected);
    case 'campfire':
      return typeof value === 'string' && campfirePattern.test(value) ? value : fail(expected);
    case 'duration':
      return typeof value === 'string' && durationPattern.test(value) ? value : fail(expected, '^\\d+[smhd]$');
    case 'key':
      return typeof value === 'string' && keyPattern.test(value) ? value.toLowerCase() : fail(expected, '^[0-9a-fA-F]{64}$');
    case 'json': {
      let parsed = value;
      if (typeof value === 'string') {
        try {
          parsed = JSON.parse(value);
        } catch {
          return fail(`${field} is a string that is not JSON (got ${show(value)}); give a JSON object`);
        }
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return fail(expected);
      return JSON.parse(JSON.stringify(parsed)) as JsonValue;
    }
    case 'tag_set': {
      const list = typeof value === 'string' ? value.split(',').map((tag) => tag.trim()).filter(Boolean) : value;
      if (!Array.isArray(list) || !list.every((tag) => typeof tag === 'string' && tag.length > 0 && !/\s/.test(tag))) return fail(expected);
      return list as string[];
    }
  }
}

/**
 * Validates arguments against a declaration: undeclared ones dropped, defaults applied,
 * every problem collected into one `ValidationError` (camelCase names are accepted too).
 */
export function resolveArgs(parsed: ParsedDeclaration, input: Record<string, unknown>): ResolvedArgs {
  const { declaration } = parsed;
  const issues: ValidationIssue[] = [];
  const resolved: ResolvedArgs = {};
  for (const arg of declaration.args) {
    const camel = camelName(arg.name);
    let value = input[arg.name] !== undefined ? input[arg.name] : input[camel];
    if (value === undefined && arg.default !== undefined) value = arg.default;
    const field = arg.name;
    if (value === undefined || value === null) {
      if (arg.required) issues.push({ field, message: `missing required arg "${arg.name}"`, given: undefined, allowed: describeArgType(arg) });
      continue;
    }
    if (arg.repeated) {
      const list = Array.isArray(value) ? value : [value];
      if (arg.max_count !== undefined && arg.max_count > 0 && list.length > arg.max_count) {
        issues.push({ field, message: `${field} has ${list.length} items; at most ${arg.max_count} allowed`, given: list.length, allowed: { max_count: arg.max_count } });
        continue;
      }
      const items = list.map((item, index) => checkOne(arg, item, `${field}[${index}]`, issues));
      if (items.every((item) => item !== undefined)) resolved[arg.name] = items as JsonValue[];
      continue;
    }
    const checked = checkOne(arg, value, field, issues);
    if (checked !== undefined) resolved[arg.name] = checked;
  }
  if (issues.length > 0) {
    throw new ValidationError({
      code: 'convention_args_invalid',
      message: `${declaration.operation}: ${issues.length} invalid argument${issues.length > 1 ? 's' : ''}: ${issues.map((issue) => issue.message).join('; ')}`,
      issues,
      details: { operation: declaration.operation, convention: declaration.convention },
    });
  }
  return resolved;
}
