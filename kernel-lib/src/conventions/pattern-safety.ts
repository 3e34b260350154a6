import { createContext, runInContext } from 'node:vm';
import { ValidationError, cutText } from '../core';

/** The longest pattern a declaration may carry. */
export const PATTERN_MAX_LENGTH = 64;
/** The most alternation branches per group (and at top level). */
export const PATTERN_MAX_BRANCHES = 10;
/** How long one anchored match may run before it is stopped. */
export const PATTERN_TIME_LIMIT_MS = 200;

interface Group {
  hasQuantifier: boolean;
  branches: number;
}

function quantifierAt(pattern: string, index: number): number {
  const char = pattern[index];
  if (char === '*' || char === '+' || char === '?') return 1;
  if (char === '{') {
    const match = /^\{\d+(,\d*)?\}/.exec(pattern.slice(index));
    if (match) return match[0].length;
  }
  return 0;
}

/**
 * Why a pattern is unsafe, or null when it is safe: at most 64 characters, compiles,
 * no nested quantifier, at most 10 branches per group, and (JavaScript backtracks)
 * no lookaround or backreference.
 */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > PATTERN_MAX_LENGTH) return `is ${pattern.length} characters; a pattern may be at most ${PATTERN_MAX_LENGTH}`;
  try {
    new RegExp(pattern);
  } catch (error) {
    return `does not compile: ${(error as Error).message}`;
  }
  const stack: Group[] = [{ hasQuantifier: false, branches: 1 }];
  let inClass = false;
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index] as string;
    if (char === '\\') {
      const next = pattern[index + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || next === 'k')) return 'uses a backreference, which can take exponential time';
      index += 1;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
      continue;
    }
    if (char === '(') {
      if (/^\(\?(=|!|<=|<!)/.test(pattern.slice(index))) return 'uses lookaround, which is not allowed';
      stack.push({ hasQuantifier: false, branches: 1 });
      if (pattern[index + 1] === '?') index += pattern[index + 2] === '<' ? pattern.indexOf('>', index) - index : 2;
      continue;
    }
    if (char === '|') {
      const group = stack[stack.length - 1] as Group;
      group.branches += 1;
      if (group.branches > PATTERN_MAX_BRANCHES) return `has more than ${PATTERN_MAX_BRANCHES} alternation branches in one group`;
      continue;
    }
    if (char === ')') {
      const group = stack.pop() as Group;
      const length = quantifierAt(pattern, index + 1);
      const parent = stack[stack.length - 1] as Group;
      if (length > 0) {
        if (group.hasQuantifier) return 'has a nested quantifier (a quantified group containing a quantifier), which can backtrack catastrophically';
        parent.hasQuantifier = true;
        index += length;
        if (pattern[index + 1] === '?') index += 1;
      }
      if (group.hasQuantifier) parent.hasQuantifier = true;
      continue;
    }
    const length = quantifierAt(pattern, index);
    if (length > 0) {
      (stack[stack.length - 1] as Group).hasQuantifier = true;
      index += length - 1;
      if (pattern[index + 1] === '?') index += 1;
    }
  }
  return null;
}

const sandbox = createContext({ pattern: '', value: '' });

/**
 * Matches `value` against `pattern` anchored as `^(?:pattern)$`, stopping after
 * 50 ms so a hostile pattern or value cannot hang the kernel (a `ValidationError`).
 */
export function matchesAnchored(pattern: string, value: string, field = 'value'): boolean {
  sandbox.pattern = `^(?:${pattern})$`;
  sandbox.value = value;
  try {
    return runInContext('new RegExp(pattern).test(value)', sandbox, { timeout: PATTERN_TIME_LIMIT_MS }) === true;
  } catch (error) {
    throw new ValidationError({
      code: 'pattern_timeout',
      message: `${field}: matching against pattern ${JSON.stringify(pattern)} took longer than ${PATTERN_TIME_LIMIT_MS} ms and was stopped`,
      issues: [{ field, message: 'pattern match timed out', given: cutText(value, { characters: 80 }, ''), allowed: pattern }],
      cause: error,
    });
  } finally {
    sandbox.value = '';
  }
}
