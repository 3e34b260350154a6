import { LintError, durationPattern, issuesFromZod, parseDuration } from '../core';
import {
  ANTECEDENT_RULES,
  ARG_TYPES,
  CARDINALITIES,
  RATE_LIMIT_SCOPES,
  RESPONSE_MODES,
  SIGNING_MODES,
  declarationSchema,
  type ParsedDeclaration,
} from './declaration';
import { patternProblem } from './pattern-safety';
import { deniedTagReason } from './tag-denylist';
import { lintOnlyFindings } from './lint-extras';

/** One problem lint found: `error` blocks use of the declaration, `warning` does not. */
export interface LintFinding {
  severity: 'error' | 'warning';
  /** Stable code, e.g. `arg_type_unknown`. */
  code: string;
  /** Dotted path into the declaration, e.g. `args[1].type`. */
  field: string;
  message: string;
}

/** What `lintDeclaration` returns; `parsed` is set when there are no errors. */
export interface LintResult {
  valid: boolean;
  errors: LintFinding[];
  warnings: LintFinding[];
  parsed: ParsedDeclaration | null;
}

/** Context of a declaration that arrived as a message (lint supplies these itself). */
export interface LintContext {
  /** Tags of the carrying message; lint supplies `convention:operation`. */
  messageTags?: string[];
  /** Whether the carrying message was signed by the campfire key (lint assumes yes). */
  signedByCampfireKey?: boolean;
  /** Parse mode lets infrastructure conventions produce their own reserved tags; lint never does. */
  mode?: 'lint' | 'parse';
}

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 5 * 60_000;
const RATE_LIMIT_MAX = 100;
const MIN_WINDOW_MS = 60_000;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim().length > 0;
const show = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : JSON.stringify(value) ?? 'nothing');

/**
 * Runs the 11 conformance checks in order (the first check with an error stops),
 * then, in lint mode, the lint-only findings.
 * @example const result = lintDeclaration(JSON.parse(text)); if (!result.valid) console.log(result.errors);
 */
export function lintDeclaration(input: unknown, context: LintContext = {}): LintResult {
  const mode = context.mode ?? 'lint';
  const findings: LintFinding[] = [];
  const error = (code: string, field: string, message: string) => findings.push({ severity: 'error', code, field, message });
  const warning = (code: string, field: string, message: string) => findings.push({ severity: 'warning', code, field, message });
  const hasErrors = () => findings.some((finding) => finding.severity === 'error');
  const finish = (parsed: ParsedDeclaration | null): LintResult => {
    const errors = findings.filter((finding) => finding.severity === 'error');
    return { valid: errors.length === 0, errors, warnings: findings.filter((finding) => finding.severity === 'warning'), parsed: errors.length === 0 ? parsed : null };
  };

  // 1. exactly one convention:operation tag on the carrying message.
  const operationTags = (context.messageTags ?? ['convention:operation']).filter((tag) => tag.toLowerCase() === 'convention:operation');
  if (operationTags.length !== 1) error('operation_tag', 'tags', `a declaration message carries exactly one "convention:operation" tag (found ${operationTags.length})`);
  if (hasErrors()) return finish(null);

  // 2. required fields, response, response_timeout.
  if (!isObject(input)) {
    error('payload_not_object', '(root)', `a declaration is a JSON object (got ${Array.isArray(input) ? 'an array' : show(input)})`);
    return finish(null);
  }
  for (const field of ['convention', 'version', 'operation', 'signing'] as const) {
    if (!nonEmpty(input[field])) error('required_field', field, `"${field}" is required and must be a non-empty string (got ${show(input[field])})`);
  }
  if (nonEmpty(input.operation) && !/^[a-z][a-z0-9_-]{0,63}$/.test(input.operation)) {
    error('operation_name_invalid', 'operation', `operation ${show(input.operation)} must be lowercase letters, digits, - and _, starting with a letter, at most 64 characters`);
  }
  if (nonEmpty(input.signing) && !(SIGNING_MODES as readonly string[]).includes(input.signing)) {
    error('signing_invalid', 'signing', `signing must be one of ${SIGNING_MODES.join(', ')} (got ${show(input.signing)})`);
  }
  if (input.response !== undefined && !(RESPONSE_MODES as readonly unknown[]).includes(input.response)) {
    error('response_invalid', 'response', `response must be one of ${RESPONSE_MODES.join(', ')} (got ${show(input.response)})`);
  }
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (input.response_timeout !== undefined) {
    const text = input.response_timeout;
    if (typeof text === 'string' && /^-\d+[smhd]$/.test(text)) error('response_timeout_negative', 'response_timeout', `response_timeout must not be negative (got "${text}")`);
    else if (typeof text !== 'string' || !durationPattern.test(text)) error('response_timeout_invalid', 'response_timeout', `response_timeout must be a duration such as 30s, 2m (got ${show(text)})`);
    else {
      timeoutMs = parseDuration(text, 'response_timeout');
      if (timeoutMs > MAX_TIMEOUT_MS) {
        warning('response_timeout_clamped', 'response_timeout', `response_timeout "${text}" is above the 5m maximum; clamped to 5m`);
        timeoutMs = MAX_TIMEOUT_MS;
      }
    }
  }
  if (hasErrors()) return finish(null);

  // 3. argument types (and the shape of each argument).
  const args = input.args === undefined ? [] : input.args;
  if (!Array.isArray(args)) {
    error('args_invalid', 'args', `args must be a list of argument descriptors (got ${show(args)})`);
    return finish(null);
  }
  const seen = new Set<string>();
  args.forEach((arg, index) => {
    const field = `args[${index}]`;
    if (!isObject(arg)) return error('arg_invalid', field, `each arg is an object with name and type (got ${show(arg)})`);
    if (!nonEmpty(arg.name)) error('arg_name_missing', `${field}.name`, 'each arg needs a non-empty name');
    else if (!/^[a-z][a-z0-9_]*$/.test(arg.name)) error('arg_name_invalid', `${field}.name`, `arg name ${show(arg.name)} must be lowercase letters, digits and _, starting with a letter`);
    else if (seen.has(arg.name)) error('arg_name_duplicate', `${field}.name`, `arg name "${arg.name}" is declared twice`);
    else seen.add(arg.name);
    if (!(ARG_TYPES as readonly unknown[]).includes(arg.type)) {
      error('arg_type_unknown', `${field}.type`, `arg type ${show(arg.type)} is not one of ${ARG_TYPES.join(', ')}`);
    } else if (arg.type === 'enum' && (!Array.isArray(arg.values) || arg.values.length === 0 || !arg.values.every(nonEmpty))) {
      error('enum_values_missing', `${field}.values`, 'an enum arg needs a non-empty list of string values');
    }
  });
  if (hasErrors()) return finish(null);

  // 4. cardinalities.
  const tags = input.produces_tags === undefined ? [] : input.produces_tags;
  if (!Array.isArray(tags)) {
    error('produces_tags_invalid', 'produces_tags', `produces_tags must be a list of tag rules (got ${show(tags)})`);
    return finish(null);
  }
  tags.forEach((rule, index) => {
    const field = `produces_tags[${index}]`;
    if (!isObject(rule) || !nonEmpty(rule.tag)) return error('tag_rule_invalid', field, `each tag rule is an object with a non-empty "tag" (got ${show(rule)})`);
    if (!(CARDINALITIES as readonly unknown[]).includes(rule.cardinality)) {
      error('cardinality_unknown', `${field}.cardinality`, `cardinality ${show(rule.cardinality)} is not one of ${CARDINALITIES.join(', ')}`);
    }
  });
  if (hasErrors()) return finish(null);

  // 5. antecedents.
  const steps = Array.isArray(input.steps) ? input.steps : [];
  const antecedents = input.antecedents === undefined || input.antecedents === '' ? 'none' : input.antecedents;
  if (!(ANTECEDENT_RULES as readonly unknown[]).includes(antecedents)) {
    error('antecedents_invalid', 'antecedents', `antecedents must be one of ${ANTECEDENT_RULES.join(', ')} (got ${show(input.antecedents)})`);
  }
  if (hasErrors()) return finish(null);

  // 6. pattern safety.
  const patterns: [string, unknown][] = [
    ...args.map((arg, index): [string, unknown] => [`args[${index}].pattern`, (arg as Json).pattern]),
    ...tags.map((rule, index): [string, unknown] => [`produces_tags[${index}].pattern`, (rule as Json).pattern]),
  ];
  for (const [field, pattern] of patterns) {
    if (pattern === undefined) continue;
    const problem = typeof pattern === 'string' ? patternProblem(pattern) : 'is not a string';
    if (problem) error('pattern_unsafe', field, `pattern ${show(pattern)} ${problem}`);
  }
  if (hasErrors()) return finish(null);

  // 7. campfire_key signing by someone other than the campfire key.
  let authorized = true;
  if (input.signing === 'campfire_key' && context.signedByCampfireKey === false) {
    authorized = false;
    warning('campfire_key_unauthorized', 'signing', 'declares campfire_key signing but was not signed by the campfire key; marked not authorised and treated as member_key');
  }

  // 8. campfire_key with steps.
  if (input.signing === 'campfire_key' && steps.length > 0) error('campfire_key_with_steps', 'steps', 'a campfire_key operation may not have steps');
  if (hasErrors()) return finish(null);

  // 9. step variables.
  const bound = new Set<string>();
  steps.forEach((step, index) => {
    const text = JSON.stringify(step) ?? '';
    for (const match of text.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)(\.[A-Za-z0-9_]+)?/g)) {
      const [whole, name, field] = match as unknown as [string, string, string | undefined];
      if (name === 'self_key' && !field) continue;
      if (!bound.has(name) || !field) error('step_variable_unbound', `steps[${index}]`, `${whole} is neither $self_key nor $<binding>.field bound by an earlier step`);
    }
    if (isObject(step) && nonEmpty(step.bind)) bound.add(step.bind);
  });
  if (hasErrors()) return finish(null);

  // 10. tag denylist (parse mode lets infrastructure conventions through).
  const exemptFor = mode === 'parse' && typeof input.convention === 'string' ? input.convention : undefined;
  tags.forEach((rule, index) => {
    const reason = deniedTagReason(String((rule as Json).tag), exemptFor);
    if (reason) error('tag_denied', `produces_tags[${index}].tag`, `${reason}; declarations may not produce it`);
  });
  if (hasErrors()) return finish(null);

  // 11. rate limit ceiling.
  let rateLimit: ParsedDeclaration['rateLimit'] = null;
  if (input.rate_limit !== undefined) {
    const limit = input.rate_limit;
    if (!isObject(limit)) error('rate_limit_invalid', 'rate_limit', `rate_limit is an object {max, per, window} (got ${show(limit)})`);
    else {
      let max = limit.max;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) error('rate_limit_invalid', 'rate_limit.max', `rate_limit.max must be a whole number of at least 1 (got ${show(max)})`);
      else if (max > RATE_LIMIT_MAX) {
        warning('rate_limit_clamped', 'rate_limit.max', `rate_limit.max ${max} is above the ceiling of ${RATE_LIMIT_MAX}; clamped to ${RATE_LIMIT_MAX}`);
        max = RATE_LIMIT_MAX;
      }
      let window = limit.window;
      let windowMs = 0;
      if (typeof window !== 'string' || !durationPattern.test(window)) error('rate_limit_invalid', 'rate_limit.window', `rate_limit.window must be a duration such as 1m, 1h (got ${show(window)})`);
      else {
        windowMs = parseDuration(window, 'rate_limit.window');
        if (windowMs < MIN_WINDOW_MS) {
          warning('rate_limit_window_raised', 'rate_limit.window', `rate_limit.window "${window}" is under 1m; raised to 1m`);
          window = '1m';
          windowMs = MIN_WINDOW_MS;
        }
      }
      let per = limit.per;
      if (!(RATE_LIMIT_SCOPES as readonly unknown[]).includes(per)) {
        warning('rate_limit_per_unknown', 'rate_limit.per', `rate_limit.per ${show(per)} is not one of ${RATE_LIMIT_SCOPES.join(', ')}; counting per sender`);
        per = 'sender';
      }
      if (!hasErrors()) rateLimit = { max: max as number, per: per as (typeof RATE_LIMIT_SCOPES)[number], window: window as string, windowMs };
    }
  }
  if (hasErrors()) return finish(null);

  // The typed shape (numbers are numbers, lists are lists) behind the checks.
  const shaped = declarationSchema.safeParse(input);
  if (!shaped.success) {
    for (const issue of issuesFromZod(shaped.error, input)) error('field_invalid', issue.field, `${issue.field}: ${issue.message}`);
    return finish(null);
  }
  const declaration = shaped.data;
  const parsed: ParsedDeclaration = {
    declaration,
    response: { mode: declaration.response ?? 'sync', explicit: declaration.response !== undefined },
    timeoutMs,
    rateLimit,
    antecedents: antecedents as ParsedDeclaration['antecedents'],
    authorized,
    signing: authorized ? declaration.signing : 'member_key',
  };
  if (mode === 'lint') findings.push(...lintOnlyFindings(declaration));
  return finish(parsed);
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
