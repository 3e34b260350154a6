import { z } from 'zod';
import { cutText, ValidationError } from '../core';

/** Any value that survives JSON unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Schema of a JSON value (finite numbers only). */
export const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number().finite(), z.boolean(), z.null(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)]),
);

/** Where a value JSON cannot hold sits, and what it is. */
export interface NonJsonValue {
  /** The field path, e.g. `torch.metadata.scores[2]`. */
  field: string;
  /** What was found, in words: `a BigInt (12n)`, `NaN`, `a circular reference (back to torch.metadata)`. */
  kind: string;
  /** `too-many` when the walk stopped at `maxValues`. */
  reason: 'not-json' | 'too-many';
}

/** Limits of `findNonJson`: past them the value is refused without being walked further. */
export interface NonJsonLimits {
  /** Deepest nesting allowed (default 512). */
  maxDepth?: number;
  /** Most values walked (default unlimited). */
  maxValues?: number;
  /** Leave out object fields that are undefined, as JSON.stringify does, instead of reporting them (default false). */
  skipUndefinedFields?: boolean;
}

function short(text: string): string {
  return cutText(text, { characters: 40 }, '...');
}

/** Words for a value that is not a JSON value, or null when it is one at this level. */
function kindOf(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      if (Number.isNaN(value)) return 'NaN';
      return Number.isFinite(value) ? null : String(value);
    case 'bigint':
      return `a BigInt (${short(value.toString())}n; send it as a string or a number)`;
    case 'function':
      return `a function${value.name ? ` (${short(value.name)})` : ''}`;
    case 'symbol':
      return `a symbol (${short(value.description ?? '')})`;
    case 'undefined':
      return 'undefined (leave the key out, or use null)';
    default:
      break;
  }
  if (value === null || Array.isArray(value)) return null;
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype === Object.prototype || prototype === null) return null;
  if (value instanceof Date) return `a Date (${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()}; send date.toISOString())`;
  if (value instanceof Map) return 'a Map (send Object.fromEntries(map))';
  if (value instanceof Set) return 'a Set (send [...set])';
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `binary data (${(value as object).constructor?.name ?? 'a buffer'}; put it in the Party Box and send its path)`;
  if (typeof (value as { then?: unknown }).then === 'function') return 'a Promise (await it first)';
  const name = (prototype as { constructor?: { name?: unknown } }).constructor?.name;
  return `an instance of ${typeof name === 'string' && name ? short(name) : 'a class'} (send a plain object)`;
}

/**
 * The first place in `value` that JSON cannot hold unchanged: a BigInt, NaN or Infinity, a
 * function, a symbol, undefined, a Date, Map, Set or class instance, a hole in an array, a
 * symbol key, a circular reference, nesting deeper than `maxDepth`; null when there is none.
 * Walks without recursion (a value 100,000 levels deep is reported, never overflows the
 * stack) and reads each property once.
 * @example findNonJson({ score: 1n }, 'torch') // { field: 'torch.score', kind: 'a BigInt (1n; ...)' }
 */
export function findNonJson(value: unknown, root: string, limits: NonJsonLimits = {}): NonJsonValue | null {
  const maxDepth = limits.maxDepth ?? 512;
  const maxValues = limits.maxValues ?? Number.POSITIVE_INFINITY;
  // Depth-first, paths built only for what is reported; `exit` entries leave an object (for the cycle check).
  const pending: Step[] = [{ value, key: null, parent: null, depth: 0 }];
  const open = new Map<object, Step>();
  let walked = 0;
  const found = (step: Step, kind: string, reason: NonJsonValue['reason'] = 'not-json'): NonJsonValue => ({ field: pathOf(step, root), kind, reason });
  while (pending.length > 0) {
    const next = pending.pop() as Step;
    if (next.exit) {
      open.delete(next.value as object);
      continue;
    }
    walked += 1;
    if (walked > maxValues) return found(next, `more than ${maxValues} values in all`, 'too-many');
    const kind = kindOf(next.value);
    if (kind !== null) return found(next, kind);
    const current = next.value;
    if (current === null || typeof current !== 'object') continue;
    const back = open.get(current);
    if (back !== undefined) return found(next, `a circular reference (back to ${pathOf(back, root)})`);
    if (next.depth >= maxDepth) return found(next, `nesting deeper than ${maxDepth} levels`);
    const symbols = Object.getOwnPropertySymbols(current);
    if (symbols.length > 0) return found(next, `an object with a symbol key (${short(symbols[0]?.description ?? '')})`);
    open.set(current, next);
    pending.push({ value: current, key: null, parent: null, depth: next.depth, exit: true });
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index -= 1) {
        if (!(index in current)) return found({ value: undefined, key: index, parent: next, depth: next.depth + 1 }, 'an empty slot (a sparse array; fill it or use null)');
        pending.push({ value: current[index], key: index, parent: next, depth: next.depth + 1 });
      }
    } else {
      const keys = Object.keys(current);
      for (let index = keys.length - 1; index >= 0; index -= 1) {
        const key = keys[index] as string;
        const item = (current as Record<string, unknown>)[key];
        if (item === undefined && limits.skipUndefinedFields) continue;
        pending.push({ value: item, key, parent: next, depth: next.depth + 1 });
      }
    }
  }
  return null;
}

/** One value on the walk of `findNonJson`. */
interface Step {
  value: unknown;
  key: string | number | null;
  parent: Step | null;
  depth: number;
  exit?: true;
}

/** `root.a.b[2]["odd key"]`; a path over 12 steps shows its first 8 and last 2 around `…`. */
function pathOf(step: Step, root: string): string {
  const keys: (string | number)[] = [];
  for (let at: Step | null = step; at && at.key !== null; at = at.parent) keys.push(at.key);
  keys.reverse();
  const part = (key: string | number): string => (typeof key === 'number' ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(short(key))}]`);
  const shown = keys.length > 12 ? [...keys.slice(0, 8).map(part), '…', ...keys.slice(-2).map(part)] : keys.map(part);
  return `${root}${shown.join('')}`;
}

/** What a `torch_not_json` error says is allowed. */
export const JSON_VALUES_ALLOWED = 'strings, finite numbers, booleans, null, arrays and plain objects';

/** Throws a `ValidationError` (code `${what}_not_json`) naming the field and the kind of the first value JSON cannot hold. */
export function assertJsonValue(value: unknown, what: string, limits: NonJsonLimits = {}): void {
  const found = findNonJson(value, what, limits);
  if (!found) return;
  throw new ValidationError({
    code: `${what.replace(/\W+/g, '_')}_not_json`,
    message: `${found.field} is ${found.kind}, which JSON cannot hold; a ${what} holds only ${JSON_VALUES_ALLOWED}`,
    issues: [{ field: found.field, message: 'not a JSON value', given: found.kind, allowed: JSON_VALUES_ALLOWED }],
  });
}
