import { LintError, cutText } from '../core';
import { declarationSchema, type ParsedDeclaration } from './declaration';
import { fieldsOf, isObject, nonEmpty, type LintCheck, type LintContext, type LintFinding, type LintResult } from './lint-check';
import {
  antecedentRuleOf,
  antecedentsCheck,
  argumentTypesCheck,
  campfireKeyAuthorityCheck,
  campfireKeyAuthorized,
  campfireKeyWithoutStepsCheck,
  cardinalitiesCheck,
  declarationShapeCheck,
  operationTagCheck,
  patternSafetyCheck,
  rateLimitCeilingCheck,
  readRateLimit,
  readResponseTimeout,
  requiredFieldsCheck,
  stepVariablesCheck,
  tagDenylistCheck,
} from './lint-checks';
import { enumValuesCarryGlobPrefixCheck, globTagsProducibleCheck } from './lint-only-checks';

export type { LintCheck, LintContext, LintFinding, LintResult } from './lint-check';

/**
 * The checks of a declaration in the order they run: the eleven conformance checks of
 * the convention document, the typed shape, then the advice only lint gives.
 */
export const LINT_CHECKS: readonly LintCheck[] = [
  operationTagCheck,
  requiredFieldsCheck,
  argumentTypesCheck,
  cardinalitiesCheck,
  antecedentsCheck,
  patternSafetyCheck,
  campfireKeyAuthorityCheck,
  campfireKeyWithoutStepsCheck,
  stepVariablesCheck,
  tagDenylistCheck,
  rateLimitCeilingCheck,
  declarationShapeCheck,
  enumValuesCarryGlobPrefixCheck,
  globTagsProducibleCheck,
];

const isError = (finding: LintFinding): boolean => finding.severity === 'error';

/** Deepest nesting of objects and arrays a declaration may have; real ones nest a handful of levels. */
const DECLARATION_MAX_DEPTH = 64;

/**
 * Where `input` nests deeper than `DECLARATION_MAX_DEPTH`, as a lint finding, or null.
 * Measured without recursion, so a hostile file nested 100,000 levels deep is reported
 * rather than overflowing the stack in the checks that walk it.
 */
function nestingFinding(input: unknown): LintFinding | null {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value: input, path: '(root)', depth: 0 }];
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop() as { value: unknown; path: string; depth: number };
    if (value === null || typeof value !== 'object') continue;
    if (depth >= DECLARATION_MAX_DEPTH) {
      return { severity: 'error', code: 'json_too_deep', field: path, message: `nested more than ${DECLARATION_MAX_DEPTH} levels deep at ${path}; a declaration nests at most ${DECLARATION_MAX_DEPTH} levels of objects and arrays` };
    }
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const at = path === '(root)' ? key : Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
      pending.push({ value: child, path: cutText(at, { characters: 123 }, '...'), depth: depth + 1 });
    }
  }
  return null;
}

/** The declaration as the executor uses it; call only once every check has passed. */
function parsedDeclaration(input: unknown, context: LintContext): ParsedDeclaration {
  const fields = fieldsOf(input);
  const declaration = declarationSchema.parse(input);
  const authorized = campfireKeyAuthorized(fields, context);
  return {
    declaration,
    response: { mode: declaration.response ?? 'sync', explicit: declaration.response !== undefined },
    timeoutMs: readResponseTimeout(fields.response_timeout).value,
    rateLimit: readRateLimit(fields.rate_limit).value,
    antecedents: antecedentRuleOf(fields) as ParsedDeclaration['antecedents'],
    authorized,
    signing: authorized ? declaration.signing : 'member_key',
  };
}

/**
 * Runs the checks of `LINT_CHECKS` in order and stops after the first that finds an
 * error; warnings found before it are kept. Lint-only checks run in lint mode only.
 * @example const result = lintDeclaration(JSON.parse(text)); if (!result.valid) console.log(result.errors);
 */
export function lintDeclaration(input: unknown, context: LintContext = {}): LintResult {
  const mode = context.mode ?? 'lint';
  const tooDeep = nestingFinding(input);
  if (tooDeep) return { valid: false, errors: [tooDeep], warnings: [], parsed: null };
  const findings: LintFinding[] = [];
  for (const check of LINT_CHECKS) {
    if (check.lintOnly && mode !== 'lint') continue;
    const found = check.check(input, context);
    findings.push(...found);
    if (found.some(isError)) break;
  }
  const errors = findings.filter(isError);
  const warnings = findings.filter((finding) => !isError(finding));
  return { valid: errors.length === 0, errors, warnings, parsed: errors.length === 0 ? parsedDeclaration(input, context) : null };
}

/** Parses a declaration for use, throwing a `LintError` that lists every error when it does not pass. */
export function parseDeclaration(input: unknown, context: Omit<LintContext, 'mode'> = {}): ParsedDeclaration {
  const result = lintDeclaration(input, { ...context, mode: 'parse' });
  if (result.parsed) return result.parsed;
  const name = isObject(input) && nonEmpty(input.operation) ? input.operation : 'declaration';
  throw new LintError({
    code: 'declaration_invalid',
    message: `${name} is not a valid declaration: ${result.errors.map((finding) => `[${finding.field}] ${finding.message}`).join('; ')}`,
    details: { errors: result.errors as unknown as Record<string, unknown>[] },
  });
}
