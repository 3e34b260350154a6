/**
 * The conformance checks of a declaration, in the order the convention document lists
 * them. `lintDeclaration` runs them in this order and stops after the first that finds
 * an error, so each may assume the ones before it passed for what it reports, yet each
 * accepts any input and can be run alone.
 */
import { durationPattern, issuesFromZod, parseDuration } from '../core';
import { ANTECEDENT_RULES, ARG_TYPES, CARDINALITIES, RATE_LIMIT_SCOPES, RESPONSE_MODES, SIGNING_MODES, declarationSchema, type ParsedDeclaration } from './declaration';
import { fieldsOf, isObject, lintError, lintWarning, listOf, nonEmpty, show, type DeclarationFields, type LintCheck, type LintContext, type LintFinding } from './lint-check';
import { patternProblem } from './pattern-safety';
import { deniedTagReason } from './tag-denylist';

/** The timeout of a sync operation that declares none. */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 30_000;
/** The longest a sync operation may wait; longer declared timeouts are clamped. */
export const MAX_RESPONSE_TIMEOUT_MS = 5 * 60_000;
/** The most calls a rate limit may allow per window; higher limits are clamped. */
export const RATE_LIMIT_CEILING = 100;
/** The shortest rate-limit window; shorter windows are raised to it. */
export const MIN_RATE_LIMIT_WINDOW_MS = 60_000;

/** A field read for use, with what reading it found. */
interface Reading<T> {
  value: T;
  findings: LintFinding[];
}

/** The response timeout a declaration asks for, clamped to the maximum (a warning says so). */
export function readResponseTimeout(text: unknown): Reading<number> {
  if (text === undefined) return { value: DEFAULT_RESPONSE_TIMEOUT_MS, findings: [] };
  if (typeof text === 'string' && /^-\d+[smhd]$/.test(text)) {
    return { value: DEFAULT_RESPONSE_TIMEOUT_MS, findings: [lintError('response_timeout_negative', 'response_timeout', `response_timeout must not be negative (got "${text}")`)] };
  }
  if (typeof text !== 'string' || !durationPattern.test(text)) {
    return { value: DEFAULT_RESPONSE_TIMEOUT_MS, findings: [lintError('response_timeout_invalid', 'response_timeout', `response_timeout must be a duration such as 30s, 2m (got ${show(text)})`)] };
  }
  const timeoutMs = parseDuration(text, 'response_timeout');
  if (timeoutMs <= MAX_RESPONSE_TIMEOUT_MS) return { value: timeoutMs, findings: [] };
  return { value: MAX_RESPONSE_TIMEOUT_MS, findings: [lintWarning('response_timeout_clamped', 'response_timeout', `response_timeout "${text}" is above the 5m maximum; clamped to 5m`)] };
}

/** The rate limit a declaration asks for, clamped to the ceiling, its window raised to the minimum; null when it declares none or has an error. */
export function readRateLimit(limit: unknown): Reading<ParsedDeclaration['rateLimit']> {
  if (limit === undefined) return { value: null, findings: [] };
  if (!isObject(limit)) return { value: null, findings: [lintError('rate_limit_invalid', 'rate_limit', `rate_limit is an object {max, per, window} (got ${show(limit)})`)] };
  const findings: LintFinding[] = [];
  let max = limit.max;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) {
    findings.push(lintError('rate_limit_invalid', 'rate_limit.max', `rate_limit.max must be a whole number of at least 1 (got ${show(max)})`));
  } else if (max > RATE_LIMIT_CEILING) {
    findings.push(lintWarning('rate_limit_clamped', 'rate_limit.max', `rate_limit.max ${max} is above the ceiling of ${RATE_LIMIT_CEILING}; clamped to ${RATE_LIMIT_CEILING}`));
    max = RATE_LIMIT_CEILING;
  }
  let window = limit.window;
  let windowMs = 0;
  if (typeof window !== 'string' || !durationPattern.test(window)) {
    findings.push(lintError('rate_limit_invalid', 'rate_limit.window', `rate_limit.window must be a duration such as 1m, 1h (got ${show(window)})`));
  } else {
    windowMs = parseDuration(window, 'rate_limit.window');
    if (windowMs < MIN_RATE_LIMIT_WINDOW_MS) {
      findings.push(lintWarning('rate_limit_window_raised', 'rate_limit.window', `rate_limit.window "${window}" is under 1m; raised to 1m`));
      window = '1m';
      windowMs = MIN_RATE_LIMIT_WINDOW_MS;
    }
  }
  let per = limit.per;
  if (!(RATE_LIMIT_SCOPES as readonly unknown[]).includes(per)) {
    findings.push(lintWarning('rate_limit_per_unknown', 'rate_limit.per', `rate_limit.per ${show(per)} is not one of ${RATE_LIMIT_SCOPES.join(', ')}; counting per sender`));
    per = 'sender';
  }
  if (findings.some((finding) => finding.severity === 'error')) return { value: null, findings };
  return { value: { max: max as number, per: per as (typeof RATE_LIMIT_SCOPES)[number], window: window as string, windowMs }, findings };
}

/** The antecedent rule a declaration names; none when it names none. */
export function antecedentRuleOf(fields: DeclarationFields): unknown {
  return fields.antecedents === undefined || fields.antecedents === '' ? 'none' : fields.antecedents;
}

/** False when a declaration claims the campfire key but its message was not signed with it. */
export function campfireKeyAuthorized(fields: DeclarationFields, context: LintContext): boolean {
  return !(fields.signing === 'campfire_key' && context.signedByCampfireKey === false);
}

/** 1. The carrying message has exactly one `convention:operation` tag. */
export const operationTagCheck: LintCheck = {
  name: 'operation tag',
  check(_input, context) {
    const operationTags = (context.messageTags ?? ['convention:operation']).filter((tag) => tag.toLowerCase() === 'convention:operation');
    if (operationTags.length === 1) return [];
    return [lintError('operation_tag', 'tags', `a declaration message carries exactly one "convention:operation" tag (found ${operationTags.length})`)];
  },
};

/** 2. The declaration is an object with its required fields, response mode and response timeout. */
export const requiredFieldsCheck: LintCheck = {
  name: 'required fields, response and response timeout',
  check(input) {
    if (!isObject(input)) return [lintError('payload_not_object', '(root)', `a declaration is a JSON object (got ${Array.isArray(input) ? 'an array' : show(input)})`)];
    const findings: LintFinding[] = [];
    for (const field of ['convention', 'version', 'operation', 'signing'] as const) {
      if (!nonEmpty(input[field])) findings.push(lintError('required_field', field, `"${field}" is required and must be a non-empty string (got ${show(input[field])})`));
    }
    if (nonEmpty(input.operation) && !/^[a-z][a-z0-9_-]{0,63}$/.test(input.operation)) {
      findings.push(lintError('operation_name_invalid', 'operation', `operation ${show(input.operation)} must be lowercase letters, digits, - and _, starting with a letter, at most 64 characters`));
    }
    if (nonEmpty(input.signing) && !(SIGNING_MODES as readonly string[]).includes(input.signing)) {
      findings.push(lintError('signing_invalid', 'signing', `signing must be one of ${SIGNING_MODES.join(', ')} (got ${show(input.signing)})`));
    }
    if (input.response !== undefined && !(RESPONSE_MODES as readonly unknown[]).includes(input.response)) {
      findings.push(lintError('response_invalid', 'response', `response must be one of ${RESPONSE_MODES.join(', ')} (got ${show(input.response)})`));
    }
    return [...findings, ...readResponseTimeout(input.response_timeout).findings];
  },
};

/** 3. `args` is a list of uniquely named arguments of known types; enums list their values. */
export const argumentTypesCheck: LintCheck = {
  name: 'argument types',
  check(input) {
    const args = fieldsOf(input).args;
    if (args === undefined) return [];
    if (!Array.isArray(args)) return [lintError('args_invalid', 'args', `args must be a list of argument descriptors (got ${show(args)})`)];
    const findings: LintFinding[] = [];
    const seen = new Set<string>();
    for (const [index, arg] of args.entries()) {
      const field = `args[${index}]`;
      if (!isObject(arg)) {
        findings.push(lintError('arg_invalid', field, `each arg is an object with name and type (got ${show(arg)})`));
        continue;
      }
      if (!nonEmpty(arg.name)) findings.push(lintError('arg_name_missing', `${field}.name`, 'each arg needs a non-empty name'));
      else if (!/^[a-z][a-z0-9_]*$/.test(arg.name)) findings.push(lintError('arg_name_invalid', `${field}.name`, `arg name ${show(arg.name)} must be lowercase letters, digits and _, starting with a letter`));
      else if (seen.has(arg.name)) findings.push(lintError('arg_name_duplicate', `${field}.name`, `arg name "${arg.name}" is declared twice`));
      else seen.add(arg.name);
      if (!(ARG_TYPES as readonly unknown[]).includes(arg.type)) {
        findings.push(lintError('arg_type_unknown', `${field}.type`, `arg type ${show(arg.type)} is not one of ${ARG_TYPES.join(', ')}`));
      } else if (arg.type === 'enum' && (!Array.isArray(arg.values) || arg.values.length === 0 || !arg.values.every(nonEmpty))) {
        findings.push(lintError('enum_values_missing', `${field}.values`, 'an enum arg needs a non-empty list of string values'));
      }
    }
    return findings;
  },
};

/** 4. `produces_tags` is a list of tag rules, each with a known cardinality. */
export const cardinalitiesCheck: LintCheck = {
  name: 'cardinalities',
  check(input) {
    const tags = fieldsOf(input).produces_tags;
    if (tags === undefined) return [];
    if (!Array.isArray(tags)) return [lintError('produces_tags_invalid', 'produces_tags', `produces_tags must be a list of tag rules (got ${show(tags)})`)];
    const findings: LintFinding[] = [];
    for (const [index, rule] of tags.entries()) {
      const field = `produces_tags[${index}]`;
      if (!isObject(rule) || !nonEmpty(rule.tag)) {
        findings.push(lintError('tag_rule_invalid', field, `each tag rule is an object with a non-empty "tag" (got ${show(rule)})`));
        continue;
      }
      if (!(CARDINALITIES as readonly unknown[]).includes(rule.cardinality)) {
        findings.push(lintError('cardinality_unknown', `${field}.cardinality`, `cardinality ${show(rule.cardinality)} is not one of ${CARDINALITIES.join(', ')}`));
      }
    }
    return findings;
  },
};

/** 5. The antecedent rule is one the executor knows. */
export const antecedentsCheck: LintCheck = {
  name: 'antecedents',
  check(input) {
    const fields = fieldsOf(input);
    if ((ANTECEDENT_RULES as readonly unknown[]).includes(antecedentRuleOf(fields))) return [];
    return [lintError('antecedents_invalid', 'antecedents', `antecedents must be one of ${ANTECEDENT_RULES.join(', ')} (got ${show(fields.antecedents)})`)];
  },
};

/** 6. Every pattern of an arg or tag rule is a string that cannot blow up the matcher. */
export const patternSafetyCheck: LintCheck = {
  name: 'pattern safety',
  check(input) {
    const fields = fieldsOf(input);
    const patterns: [string, unknown][] = [
      ...listOf(fields.args).map((arg, index): [string, unknown] => [`args[${index}].pattern`, fieldsOf(arg).pattern]),
      ...listOf(fields.produces_tags).map((rule, index): [string, unknown] => [`produces_tags[${index}].pattern`, fieldsOf(rule).pattern]),
    ];
    const findings: LintFinding[] = [];
    for (const [field, pattern] of patterns) {
      if (pattern === undefined) continue;
      const problem = typeof pattern === 'string' ? patternProblem(pattern) : 'is not a string';
      if (problem) findings.push(lintError('pattern_unsafe', field, `pattern ${show(pattern)} ${problem}`));
    }
    return findings;
  },
};

/** 7. A campfire_key declaration not signed by the campfire key is demoted to member_key (a warning). */
export const campfireKeyAuthorityCheck: LintCheck = {
  name: 'campfire_key signed by someone else',
  check(input, context) {
    if (campfireKeyAuthorized(fieldsOf(input), context)) return [];
    return [lintWarning('campfire_key_unauthorized', 'signing', 'declares campfire_key signing but was not signed by the campfire key; marked not authorised and treated as member_key')];
  },
};

/** 8. A campfire_key operation has no steps. */
export const campfireKeyWithoutStepsCheck: LintCheck = {
  name: 'campfire_key with steps',
  check(input) {
    const fields = fieldsOf(input);
    if (fields.signing !== 'campfire_key' || listOf(fields.steps).length === 0) return [];
    return [lintError('campfire_key_with_steps', 'steps', 'a campfire_key operation may not have steps')];
  },
};

/** The fields of a step whose `$` words are variables; anywhere else (a description...) a `$` is text. */
const STEP_VARIABLE_FIELDS = ['tags', 'future_tags', 'antecedents', 'future_payload'] as const;
/** The keys a step binds its result with: `bind`, or `result_binding` as the origin project writes it. */
const STEP_BINDING_KEYS = ['bind', 'result_binding'] as const;

/** 9. Steps use only `$self_key` and fields of bindings made by earlier steps. */
export const stepVariablesCheck: LintCheck = {
  name: 'step variables',
  check(input) {
    const findings: LintFinding[] = [];
    const bound = new Set<string>();
    listOf(fieldsOf(input).steps).forEach((step, index) => {
      const fields = fieldsOf(step);
      for (const key of STEP_VARIABLE_FIELDS) {
        const text = fields[key] === undefined ? '' : (JSON.stringify(fields[key]) ?? '');
        for (const match of text.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)(\.[A-Za-z0-9_]+)?/g)) {
          const [whole, name, field] = match as unknown as [string, string, string | undefined];
          if (name === 'self_key' && !field) continue;
          if (!bound.has(name) || !field) findings.push(lintError('step_variable_unbound', `steps[${index}]`, `${whole} in ${key} is neither $self_key nor $<binding>.field bound by an earlier step`));
        }
      }
      for (const key of STEP_BINDING_KEYS) {
        const binding = fields[key];
        if (nonEmpty(binding)) bound.add(binding);
      }
    });
    return findings;
  },
};

/** 10. No produced tag is one of the protocol's own (parse mode lets `convention-extension` and `naming-uri`, signed by the campfire key, produce theirs). */
export const tagDenylistCheck: LintCheck = {
  name: 'tag denylist',
  check(input, context) {
    const fields = fieldsOf(input);
    // Only the protocol's own conventions, declared by the campfire itself, may produce its tags.
    const exemptFor = context.mode === 'parse' && context.signedByCampfireKey === true && typeof fields.convention === 'string' ? fields.convention : undefined;
    const findings: LintFinding[] = [];
    listOf(fields.produces_tags).forEach((rule, index) => {
      const tag = fieldsOf(rule).tag;
      const reason = typeof tag === 'string' ? deniedTagReason(tag, exemptFor) : null;
      if (reason) findings.push(lintError('tag_denied', `produces_tags[${index}].tag`, `${reason}; declarations may not produce it`));
    });
    return findings;
  },
};

/** 11. A rate limit is well formed and under the ceiling (clamped, with a warning, when above). */
export const rateLimitCeilingCheck: LintCheck = {
  name: 'rate limit ceiling',
  check(input) {
    return readRateLimit(fieldsOf(input).rate_limit).findings;
  },
};

/** Last: the typed shape behind the checks (numbers are numbers, lists are lists). */
export const declarationShapeCheck: LintCheck = {
  name: 'typed shape',
  check(input) {
    const shaped = declarationSchema.safeParse(input);
    if (shaped.success) return [];
    return issuesFromZod(shaped.error, input).map((issue) => lintError('field_invalid', issue.field, `${issue.field}: ${issue.message}`));
  },
};
