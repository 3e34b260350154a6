import type { z } from 'zod';
import { ValidationError, type ValidationIssue } from './campfires-error';
import { cutText } from './cut-text';

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(cutText(value, { characters: 60 }, '...'));
  return cutText(shortJson(value, 60), { characters: 60 }, '...');
}

/**
 * JSON text of `value` up to about `limit` characters, written without recursion: a value
 * nested thousands deep (a hostile model answer) is described, never overflows the stack.
 */
function shortJson(value: unknown, limit: number): string {
  let text = '';
  // Pending work: a value to write, or literal text (a closing bracket, a comma).
  const pending: ({ value: unknown } | string)[] = [{ value }];
  while (pending.length > 0 && text.length <= limit) {
    const next = pending.pop() as { value: unknown } | string;
    if (typeof next === 'string') {
      text += next;
      continue;
    }
    const current = next.value;
    if (current === null || typeof current !== 'object') {
      if (typeof current === 'string') text += JSON.stringify(cutText(current, { characters: limit }, ''));
      else if (typeof current === 'number' || typeof current === 'boolean' || current === null) text += JSON.stringify(current);
      else text += String(current);
      continue;
    }
    const isArray = Array.isArray(current);
    // Only what can show within the limit is visited: each entry takes at least a character.
    const entries = isArray ? (current as unknown[]).slice(0, limit).map((item) => ['', item] as const) : Object.entries(current as Record<string, unknown>).slice(0, limit);
    text += isArray ? '[' : '{';
    pending.push(isArray ? ']' : '}');
    for (let index = entries.length - 1; index >= 0; index -= 1) {
      const [key, item] = entries[index] as readonly [string, unknown];
      pending.push({ value: item });
      if (!isArray) pending.push(`${JSON.stringify(key)}:`);
      if (index > 0) pending.push(',');
    }
  }
  return text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function allowedOf(issue: z.core.$ZodIssue): unknown {
  switch (issue.code) {
    case 'invalid_value':
      return issue.values;
    case 'invalid_type':
      return issue.expected;
    case 'too_big':
      return { max: issue.maximum, inclusive: issue.inclusive };
    case 'too_small':
      return { min: issue.minimum, inclusive: issue.inclusive };
    case 'unrecognized_keys':
      return 'no other keys';
    default:
      return undefined;
  }
}

/** Turns zod issues into issues that name the field, the value given and what is allowed. */
export function issuesFromZod(error: z.ZodError, input: unknown, prefix = ''): ValidationIssue[] {
  return error.issues.map((issue) => {
    const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || prefix || '(root)';
    const given = issue.code === 'unrecognized_keys' ? issue.keys : valueAt(input, issue.path);
    return { field, message: issue.message, given, allowed: allowedOf(issue) };
  });
}

/** One readable line per issue: `field: message (got X)`. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => `${issue.field}: ${issue.message} (got ${describeValue(issue.given)})`).join('; ');
}

/**
 * Parses `input` with `schema`, throwing a `ValidationError` that lists every problem.
 * @example const torch = validate(torchSchema, input, { what: 'torch', code: 'torch_invalid' });
 */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  options: { what: string; code?: string; field?: string },
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = issuesFromZod(result.error, input, options.field ?? '');
  throw new ValidationError({
    code: options.code ?? 'validation_failed',
    message: `${options.what} is not valid: ${formatIssues(issues)}`,
    issues,
  });
}

/** Parses JSON text from outside (a file, a column, a model) into `unknown`, with a clear error. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError({
      code: 'json_invalid',
      message: `${what} is not valid JSON: ${(error as Error).message}`,
      issues: [{ field: what, message: 'not valid JSON', given: cutText(text, { characters: 80 }, '') }],
    });
  }
}
