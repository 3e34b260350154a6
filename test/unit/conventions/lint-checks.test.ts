import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LINT_CHECKS, lintDeclaration, type LintCheck, type LintContext } from 'campfires/conventions/lint';
import {
  antecedentsCheck,
  argumentTypesCheck,
  campfireKeyAuthorityCheck,
  campfireKeyWithoutStepsCheck,
  cardinalitiesCheck,
  declarationShapeCheck,
  operationTagCheck,
  patternSafetyCheck,
  rateLimitCeilingCheck,
  requiredFieldsCheck,
  stepVariablesCheck,
  tagDenylistCheck,
} from 'campfires/conventions/lint-checks';
import { enumValuesCarryGlobPrefixCheck, globTagsProducibleCheck } from 'campfires/conventions/lint-only-checks';

const fixtures = join(__dirname, '../../../fixtures/conventions');
const base = { convention: 'task-runner', version: '0.1', operation: 'submit-result', signing: 'member_key' };

/** What one check reports, as `code@field` strings, in order. */
const codes = (check: LintCheck, input: unknown, context: LintContext = {}): string[] => check.check(input, context).map((finding) => `${finding.code}@${finding.field}`);

describe('each check passes every realistic declaration', () => {
  const realistic = ['task-runner', 'torch-relay', 'moderation-queue'].flatMap((folder) =>
    readdirSync(join(fixtures, folder)).map((file) => [`${folder}/${file}`, JSON.parse(readFileSync(join(fixtures, folder, file), 'utf8')) as unknown] as const),
  );
  for (const check of LINT_CHECKS) {
    it(`${check.name}: nothing to report`, () => {
      for (const [, declaration] of realistic) expect(check.check(declaration, {})).toEqual([]);
    });
  }
});

describe('the runner', () => {
  it('stops after the first check that reports an error, keeping earlier warnings', () => {
    // A clamped timeout (check 2, a warning), then an unknown arg type (check 3) and an unknown cardinality (check 4).
    const result = lintDeclaration({ ...base, response_timeout: '1h', args: [{ name: 'x', type: 'uuid' }], produces_tags: [{ tag: 't', cardinality: 'many' }] });
    expect(result.warnings.map((finding) => finding.code)).toEqual(['response_timeout_clamped']);
    expect(result.errors.map((finding) => finding.code)).toEqual(['arg_type_unknown']);
    expect(result.parsed).toBeNull();
  });

  it('runs the lint-only checks when linting and skips them when parsing for use', () => {
    const declaration = { ...base, produces_tags: [{ tag: 'status:*', cardinality: 'exactly_one' }] };
    expect(lintDeclaration(declaration).errors.map((finding) => finding.code)).toEqual(['glob_tag_unproducible']);
    expect(lintDeclaration(declaration, { mode: 'parse' }).valid).toBe(true);
  });

  it('lists every check once, each with a name', () => {
    const names = LINT_CHECKS.map((check) => check.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((name) => name.length > 0)).toBe(true);
  });
});

describe('operation tag', () => {
  it.each([
    [undefined, []],
    [['convention:operation'], []],
    [['Convention:Operation', 'other'], []],
    [[], ['operation_tag@tags']],
    [['convention:operation', 'convention:operation'], ['operation_tag@tags']],
    [['convention:schema'], ['operation_tag@tags']],
  ])('message tags %j -> %j', (messageTags, expected) => {
    expect(codes(operationTagCheck, base, { messageTags })).toEqual(expected);
  });

  it('says how many it found', () => {
    expect(operationTagCheck.check(base, { messageTags: [] })[0]?.message).toContain('(found 0)');
  });
});

describe('required fields, response and response timeout', () => {
  it.each([
    ['a complete declaration', base, []],
    ['an array', [base], ['payload_not_object@(root)']],
    ['a string', 'submit-result', ['payload_not_object@(root)']],
    ['nothing but a convention', { convention: 'x' }, ['required_field@version', 'required_field@operation', 'required_field@signing']],
    ['a blank version', { ...base, version: '  ' }, ['required_field@version']],
    ['an upper-case operation', { ...base, operation: 'SubmitResult' }, ['operation_name_invalid@operation']],
    ['an unknown signing', { ...base, signing: 'anyone' }, ['signing_invalid@signing']],
    ['an unknown response', { ...base, response: 'eventually' }, ['response_invalid@response']],
    ['a negative timeout', { ...base, response_timeout: '-5s' }, ['response_timeout_negative@response_timeout']],
    ['a timeout that is no duration', { ...base, response_timeout: 'soon' }, ['response_timeout_invalid@response_timeout']],
    ['a timeout above 5m', { ...base, response_timeout: '10m' }, ['response_timeout_clamped@response_timeout']],
    ['a timeout of 2m', { ...base, response_timeout: '2m' }, []],
  ])('%s', (_case, input, expected) => {
    expect(codes(requiredFieldsCheck, input)).toEqual(expected);
  });

  it('reports a clamped timeout as a warning, the others as errors', () => {
    expect(requiredFieldsCheck.check({ ...base, response_timeout: '10m' }, {})[0]?.severity).toBe('warning');
    expect(requiredFieldsCheck.check({ ...base, signing: 'anyone' }, {})[0]?.severity).toBe('error');
  });
});

describe('argument types', () => {
  it.each([
    ['no args', base, []],
    ['typed args', { ...base, args: [{ name: 'status', type: 'enum', values: ['ok', 'error'] }, { name: 'note', type: 'string' }] }, []],
    ['args that are not a list', { ...base, args: { status: 'enum' } }, ['args_invalid@args']],
    ['an arg that is not an object', { ...base, args: ['status'] }, ['arg_invalid@args[0]']],
    ['a nameless arg', { ...base, args: [{ type: 'string' }] }, ['arg_name_missing@args[0].name']],
    ['a camel-case name', { ...base, args: [{ name: 'taskId', type: 'string' }] }, ['arg_name_invalid@args[0].name']],
    ['a name declared twice', { ...base, args: [{ name: 'x', type: 'string' }, { name: 'x', type: 'integer' }] }, ['arg_name_duplicate@args[1].name']],
    ['an unknown type', { ...base, args: [{ name: 'id', type: 'uuid' }] }, ['arg_type_unknown@args[0].type']],
    ['an enum with no values', { ...base, args: [{ name: 'level', type: 'enum', values: [] }] }, ['enum_values_missing@args[0].values']],
    ['an enum with a blank value', { ...base, args: [{ name: 'level', type: 'enum', values: ['low', ''] }] }, ['enum_values_missing@args[0].values']],
  ])('%s', (_case, input, expected) => {
    expect(codes(argumentTypesCheck, input)).toEqual(expected);
  });
});

describe('cardinalities', () => {
  it.each([
    ['no tag rules', base, []],
    ['each known cardinality', { ...base, produces_tags: ['exactly_one', 'at_most_one', 'zero_to_many'].map((cardinality, index) => ({ tag: `t${index}`, cardinality })) }, []],
    ['rules that are not a list', { ...base, produces_tags: 'status:*' }, ['produces_tags_invalid@produces_tags']],
    ['a rule without a tag', { ...base, produces_tags: [{ cardinality: 'exactly_one' }] }, ['tag_rule_invalid@produces_tags[0]']],
    ['an unknown cardinality', { ...base, produces_tags: [{ tag: 'x', cardinality: 'exactly_two' }] }, ['cardinality_unknown@produces_tags[0].cardinality']],
  ])('%s', (_case, input, expected) => {
    expect(codes(cardinalitiesCheck, input)).toEqual(expected);
  });
});

describe('antecedents', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['none', []],
    ['exactly_one(target)', []],
    ['zero_or_one(self_prior)', []],
    ['all_prior', ['antecedents_invalid@antecedents']],
    [3, ['antecedents_invalid@antecedents']],
  ])('antecedents %j -> %j', (antecedents, expected) => {
    expect(codes(antecedentsCheck, { ...base, antecedents })).toEqual(expected);
  });
});

describe('pattern safety', () => {
  it.each([
    ['a plain arg pattern', { ...base, args: [{ name: 'id', type: 'string', pattern: '^[a-z0-9-]+$' }] }, []],
    ['a nested quantifier in an arg', { ...base, args: [{ name: 'id', type: 'string', pattern: '(a+)+' }] }, ['pattern_unsafe@args[0].pattern']],
    ['a lookaround in a tag rule', { ...base, produces_tags: [{ tag: 'x', cardinality: 'exactly_one', pattern: '(?=a)b' }] }, ['pattern_unsafe@produces_tags[0].pattern']],
    ['a pattern that is not a string', { ...base, args: [{ name: 'id', type: 'string', pattern: 42 }] }, ['pattern_unsafe@args[0].pattern']],
    ['args that are not a list', { ...base, args: 'nope' }, []],
  ])('%s', (_case, input, expected) => {
    expect(codes(patternSafetyCheck, input)).toEqual(expected);
  });
});

describe('campfire_key signed by someone else', () => {
  it.each([
    ['member_key, unsigned', { ...base }, { signedByCampfireKey: false }, []],
    ['campfire_key, signed by the campfire key', { ...base, signing: 'campfire_key' }, { signedByCampfireKey: true }, []],
    ['campfire_key, signer unknown (lint)', { ...base, signing: 'campfire_key' }, {}, []],
    ['campfire_key, signed by a member', { ...base, signing: 'campfire_key' }, { signedByCampfireKey: false }, ['campfire_key_unauthorized@signing']],
  ])('%s', (_case, input, context, expected) => {
    expect(codes(campfireKeyAuthorityCheck, input, context)).toEqual(expected);
  });

  it('only warns', () => {
    expect(campfireKeyAuthorityCheck.check({ ...base, signing: 'campfire_key' }, { signedByCampfireKey: false })[0]?.severity).toBe('warning');
  });
});

describe('campfire_key with steps', () => {
  const steps = [{ action: 'query', tags: ['owner:$self_key'], bind: 'route' }];
  it.each([
    ['member_key with steps', { ...base, steps }, []],
    ['campfire_key without steps', { ...base, signing: 'campfire_key' }, []],
    ['campfire_key with an empty list', { ...base, signing: 'campfire_key', steps: [] }, []],
    ['campfire_key with steps', { ...base, signing: 'campfire_key', steps }, ['campfire_key_with_steps@steps']],
  ])('%s', (_case, input, expected) => {
    expect(codes(campfireKeyWithoutStepsCheck, input)).toEqual(expected);
  });
});

describe('step variables', () => {
  const query = { action: 'query', tags: ['owner:$self_key'], bind: 'route' };
  const send = (where: string, value: unknown) => ({ action: 'send', [where]: value });
  it.each([
    ['no steps', [], []],
    ['$self_key alone', [query], []],
    ['a field of an earlier binding', [query, send('future_payload', { to: '$route.target' })], []],
    ['a binding used before it is made', [send('antecedents', ['$route.target']), query], ['step_variable_unbound@steps[0]']],
    ['a binding without a field', [query, send('future_tags', ['to:$route'])], ['step_variable_unbound@steps[1]']],
    ['a field of $self_key', [send('tags', ['$self_key.name'])], ['step_variable_unbound@steps[0]']],
    ['a result bound with result_binding, as the origin project writes it', [{ action: 'query', tags: ['owner:$self_key'], result_binding: 'route' }, send('future_payload', { to: '$route.target' })], []],
    ['a $ in a description, which is text', [{ action: 'send', description: 'costs $5, paid by $buyer', future_payload: { note: 'plain' } }], []],
    ['a $ in an unscanned field', [send('to', '$route.target')], []],
  ])('%s', (_case, steps, expected) => {
    expect(codes(stepVariablesCheck, { ...base, steps })).toEqual(expected);
  });

  it.each(['tags', 'future_tags', 'antecedents', 'future_payload'])('scans %s for variables', (field) => {
    expect(codes(stepVariablesCheck, { ...base, steps: [send(field, field === 'future_payload' ? { to: '$nobody.name' } : ['$nobody.name'])] })).toEqual(['step_variable_unbound@steps[0]']);
  });

  it('names the variable it could not resolve and where it is', () => {
    expect(stepVariablesCheck.check({ ...base, steps: [{ future_tags: ['$route.target'] }] }, {})[0]?.message).toContain('$route.target in future_tags');
  });
});

describe('tag denylist', () => {
  const producing = (tag: string, convention = base.convention) => ({ ...base, convention, produces_tags: [{ tag, cardinality: 'exactly_one' }] });
  it.each([
    ['an ordinary tag', producing('status:ok'), {}, []],
    ['fulfills in capitals', producing('FULFILLS'), {}, ['tag_denied@produces_tags[0].tag']],
    ['a campfire: prefix', producing('Campfire:x'), {}, ['tag_denied@produces_tags[0].tag']],
    ['convention-extension producing its own tag, linted', producing('convention:revoke', 'convention-extension'), { signedByCampfireKey: true }, ['tag_denied@produces_tags[0].tag']],
    ['convention-extension producing its own tag, parsed, signed by the campfire key', producing('convention:revoke', 'convention-extension'), { mode: 'parse' as const, signedByCampfireKey: true }, []],
    ['naming-uri producing a naming: tag, parsed, signed by the campfire key', producing('naming:alias', 'naming-uri'), { mode: 'parse' as const, signedByCampfireKey: true }, []],
    ['convention-extension producing its own tag, parsed, signed by a member', producing('convention:revoke', 'convention-extension'), { mode: 'parse' as const, signedByCampfireKey: false }, ['tag_denied@produces_tags[0].tag']],
    ['convention-extension producing its own tag, parsed, signer not known', producing('convention:revoke', 'convention-extension'), { mode: 'parse' as const }, ['tag_denied@produces_tags[0].tag']],
    ['a convention named "convention", parsed, signed by the campfire key', producing('convention:revoke', 'convention'), { mode: 'parse' as const, signedByCampfireKey: true }, ['tag_denied@produces_tags[0].tag']],
    ['a convention named "naming", parsed, signed by the campfire key', producing('naming:alias', 'naming'), { mode: 'parse' as const, signedByCampfireKey: true }, ['tag_denied@produces_tags[0].tag']],
    ['a convention named "Convention-Extension", parsed, signed by the campfire key', producing('convention:revoke', 'Convention-Extension'), { mode: 'parse' as const, signedByCampfireKey: true }, ['tag_denied@produces_tags[0].tag']],
    ['naming-uri producing a convention: tag, parsed, signed by the campfire key', producing('convention:revoke', 'naming-uri'), { mode: 'parse' as const, signedByCampfireKey: true }, ['tag_denied@produces_tags[0].tag']],
    ['a convention named "constructor", parsed, signed by the campfire key', producing('convention:revoke', 'constructor'), { mode: 'parse' as const, signedByCampfireKey: true }, ['tag_denied@produces_tags[0].tag']],
    ['another convention producing it, parsed', producing('convention:revoke'), { mode: 'parse' as const, signedByCampfireKey: true }, ['tag_denied@produces_tags[0].tag']],
  ])('%s', (_case, input, context, expected) => {
    expect(codes(tagDenylistCheck, input, context)).toEqual(expected);
  });

  it('says why the tag is refused', () => {
    expect(tagDenylistCheck.check(producing('FULFILLS'), {})[0]?.message).toBe('"FULFILLS" is a reserved tag; declarations may not produce it');
  });
});

describe('rate limit ceiling', () => {
  it.each([
    ['no rate limit', undefined, []],
    ['a limit within bounds', { max: 3, per: 'sender', window: '1h' }, []],
    ['not an object', '3 per hour', ['rate_limit_invalid@rate_limit']],
    ['a fractional max', { max: 2.5, per: 'sender', window: '1h' }, ['rate_limit_invalid@rate_limit.max']],
    ['a window that is no duration', { max: 3, per: 'sender', window: '1 minute' }, ['rate_limit_invalid@rate_limit.window']],
    ['a max above 100 and a window under 1m', { max: 500, per: 'sender', window: '10s' }, ['rate_limit_clamped@rate_limit.max', 'rate_limit_window_raised@rate_limit.window']],
    ['an unknown scope', { max: 3, per: 'planet', window: '1h' }, ['rate_limit_per_unknown@rate_limit.per']],
  ])('%s', (_case, rate_limit, expected) => {
    expect(codes(rateLimitCeilingCheck, { ...base, rate_limit })).toEqual(expected);
  });
});

describe('typed shape', () => {
  it.each([
    ['a plain declaration', base, []],
    ['a description that is not text', { ...base, description: 42 }, ['field_invalid@description']],
    ['an operator level below zero', { ...base, min_operator_level: -1 }, ['field_invalid@min_operator_level']],
    ['a max_length that is not a number', { ...base, args: [{ name: 'note', type: 'string', max_length: 'long' }] }, ['field_invalid@args.0.max_length']],
  ])('%s', (_case, input, expected) => {
    expect(codes(declarationShapeCheck, input)).toEqual(expected);
  });
});

describe('enum values carry their glob prefix (lint only)', () => {
  const glob = (values: string[], listed?: string[]) => ({
    ...base,
    args: [{ name: 'priority', type: 'enum', values }],
    produces_tags: [{ tag: 'priority:*', cardinality: 'exactly_one', ...(listed ? { values: listed } : {}) }],
  });
  it.each([
    ['values with the prefix', glob(['priority:low', 'priority:high'], ['priority:low', 'priority:high']), []],
    ['bare values the tag lists with the prefix', glob(['low', 'high'], ['priority:low', 'priority:high']), ['enum_prefix_mismatch@args.priority.values']],
    ['bare values the tag does not list', glob(['low', 'high']), []],
    ['a declaration without the typed shape', { ...glob(['low'], ['priority:low']), signing: 42 }, []],
  ])('%s', (_case, input, expected) => {
    expect(codes(enumValuesCarryGlobPrefixCheck, input)).toEqual(expected);
  });

  it('is a lint-only warning that names the values', () => {
    const [finding] = enumValuesCarryGlobPrefixCheck.check(glob(['low', 'high'], ['priority:low', 'priority:high']), {});
    expect(enumValuesCarryGlobPrefixCheck.lintOnly).toBe(true);
    expect(finding?.severity).toBe('warning');
    expect(finding?.message).toContain('"low", "high" lack the prefix "priority:"');
  });
});

describe('glob tags have an arg that produces them (lint only)', () => {
  const rule = { tag: 'status:*', cardinality: 'exactly_one' };
  it.each([
    ['an enum with the prefix', { ...base, args: [{ name: 'outcome', type: 'enum', values: ['status:ok'] }], produces_tags: [rule] }, []],
    ['an arg named after the prefix', { ...base, args: [{ name: 'status', type: 'string' }], produces_tags: [rule] }, []],
    ['no such arg', { ...base, produces_tags: [rule] }, ['glob_tag_unproducible@produces_tags[0].tag']],
    ['an enum whose values lack the prefix', { ...base, args: [{ name: 'outcome', type: 'enum', values: ['ok'] }], produces_tags: [{ tag: 'x', cardinality: 'exactly_one' }, rule] }, ['glob_tag_unproducible@produces_tags[1].tag']],
    ['a plain tag', { ...base, produces_tags: [{ tag: 'status', cardinality: 'exactly_one' }] }, []],
  ])('%s', (_case, input, expected) => {
    expect(codes(globTagsProducibleCheck, input)).toEqual(expected);
  });

  it('tells the author which arg to add', () => {
    expect(globTagsProducibleCheck.check({ ...base, produces_tags: [rule] }, {})[0]?.message).toContain('an arg named "status"');
  });
});
