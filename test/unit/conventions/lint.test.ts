import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { lintDeclaration, parseDeclaration } from 'campfires';
import { patternProblem } from 'campfires/conventions';

const fixtures = join(__dirname, '../../../fixtures/conventions');
const load = (path: string): unknown => JSON.parse(readFileSync(join(fixtures, path), 'utf8'));
const base = { convention: 'task-runner', version: '0.1', operation: 'submit-result', signing: 'member_key' };

describe('lint: the realistic declarations pass', () => {
  for (const folder of ['task-runner', 'torch-relay', 'moderation-queue']) {
    for (const file of readdirSync(join(fixtures, folder))) {
      it(`${folder}/${file} is valid with no warnings`, () => {
        const result = lintDeclaration(load(`${folder}/${file}`));
        expect(result.errors).toEqual([]);
        expect(result.warnings).toEqual([]);
        expect(result.valid).toBe(true);
      });
    }
  }
});

describe('lint: each invalid fixture names its problem', () => {
  const expected: Record<string, [string, string, RegExp]> = {
    'missing-signing': ['required_field', 'signing', /"signing" is required/],
    'unknown-arg-type': ['arg_type_unknown', 'args[0].type', /"uuid" is not one of string, integer/],
    'unknown-cardinality': ['cardinality_unknown', 'produces_tags[0].cardinality', /"exactly_two"/],
    'unknown-antecedents-rule': ['antecedents_invalid', 'antecedents', /"all_prior"/],
    'nested-quantifier-pattern': ['pattern_unsafe', 'args[0].pattern', /nested quantifier/],
    'lookaround-pattern': ['pattern_unsafe', 'args[0].pattern', /lookaround/],
    'campfire-key-with-steps': ['campfire_key_with_steps', 'steps', /campfire_key operation may not have steps/],
    'unbound-step-variable': ['step_variable_unbound', 'steps[0]', /\$route\.target/],
    'reserved-tag-fulfills': ['tag_denied', 'produces_tags[0].tag', /"FULFILLS" is a reserved tag/],
    'infrastructure-convention-smuggles-reserved-tag': ['tag_denied', 'produces_tags[0].tag', /"convention:revoke" is a reserved tag/],
    'rate-limit-window-not-a-duration': ['rate_limit_invalid', 'rate_limit.window', /"1 minute"/],
    'glob-tag-without-producing-arg': ['glob_tag_unproducible', 'produces_tags[0].tag', /no arg that can produce it/],
    'negative-response-timeout': ['response_timeout_negative', 'response_timeout', /must not be negative/],
    'unknown-response-mode': ['response_invalid', 'response', /"eventually"/],
  };
  for (const [name, [code, field, message]] of Object.entries(expected)) {
    it(`${name}.json fails with ${code} on ${field}`, () => {
      const result = lintDeclaration(load(`invalid/${name}.json`));
      expect(result.valid).toBe(false);
      expect(result.errors[0]).toMatchObject({ severity: 'error', code, field });
      expect(result.errors[0]?.message).toMatch(message);
    });
  }

  it('every invalid fixture is covered by a test above', () => {
    const names = readdirSync(join(fixtures, 'invalid')).map((file) => file.replace(/\.json$/, ''));
    expect(names.filter((name) => name !== 'not-json' && !(name in expected))).toEqual([]);
  });
});

describe('lint: warnings only', () => {
  it('clamps a rate limit above 100 and raises a window under 1m', () => {
    const result = lintDeclaration(load('warnings/rate-limit-above-ceiling.json'));
    expect(result.valid).toBe(true);
    expect(result.warnings.map((finding) => finding.code)).toEqual(['rate_limit_clamped', 'rate_limit_window_raised']);
    expect(result.parsed?.rateLimit).toEqual({ max: 100, per: 'sender', window: '1m', windowMs: 60_000 });
  });

  it('clamps a response timeout above 5m', () => {
    const result = lintDeclaration(load('warnings/response-timeout-above-maximum.json'));
    expect(result.warnings[0]).toMatchObject({ code: 'response_timeout_clamped', field: 'response_timeout' });
    expect(result.parsed?.timeoutMs).toBe(300_000);
  });

  it('warns when enum values lack the glob prefix that the tag values list', () => {
    const result = lintDeclaration(load('warnings/enum-values-lack-glob-prefix.json'));
    expect(result.valid).toBe(true);
    expect(result.warnings[0]).toMatchObject({ code: 'enum_prefix_mismatch', field: 'args.priority.values' });
    expect(result.warnings[0]?.message).toContain('"low", "high" lack the prefix "priority:"');
  });

  it('warns on an unknown rate limit scope and counts per sender', () => {
    const result = lintDeclaration({ ...base, rate_limit: { max: 5, per: 'planet', window: '1h' } });
    expect(result.warnings[0]).toMatchObject({ code: 'rate_limit_per_unknown', field: 'rate_limit.per' });
    expect(result.parsed?.rateLimit?.per).toBe('sender');
  });
});

describe('the 11 checks run in order and the first error stops', () => {
  it('check 1: a declaration message needs exactly one convention:operation tag', () => {
    expect(lintDeclaration(base, { messageTags: ['convention:operation', 'convention:operation'] }).errors[0]?.code).toBe('operation_tag');
    expect(lintDeclaration(base, { messageTags: [] }).errors[0]?.code).toBe('operation_tag');
  });

  it('check 2 reports every missing field before check 3 runs', () => {
    const result = lintDeclaration({ args: [{ name: 'x', type: 'nope' }] });
    expect(result.errors.map((finding) => finding.field)).toEqual(['convention', 'version', 'operation', 'signing']);
  });

  it('check 2: absent response is sync but not explicit; timeout defaults to 30s', () => {
    const parsed = parseDeclaration(base);
    expect(parsed.response).toEqual({ mode: 'sync', explicit: false });
    expect(parsed.timeoutMs).toBe(30_000);
    expect(parseDeclaration({ ...base, response: 'sync' }).response.explicit).toBe(true);
  });

  it('check 7: campfire_key not signed by the campfire key is a warning and is treated as member-signed', () => {
    const result = lintDeclaration({ ...base, signing: 'campfire_key' }, { signedByCampfireKey: false });
    expect(result.valid).toBe(true);
    expect(result.warnings[0]?.code).toBe('campfire_key_unauthorized');
    expect(result.parsed).toMatchObject({ authorized: false, signing: 'member_key' });
  });

  it('check 9 accepts $self_key and fields of earlier bindings', () => {
    const steps = [{ action: 'query', tags: ['owner:$self_key'], bind: 'route' }, { action: 'send', future_tags: ['to:$route.target'] }];
    expect(lintDeclaration({ ...base, steps }).valid).toBe(true);
    expect(lintDeclaration({ ...base, steps: [steps[1], steps[0]] }).errors[0]?.code).toBe('step_variable_unbound');
  });

  it('check 10: parsing lets convention-extension, signed by the campfire key, produce its own tags; lint does not', () => {
    const declaration = { ...base, convention: 'convention-extension', produces_tags: [{ tag: 'convention:revoke', cardinality: 'exactly_one' }] };
    expect(() => parseDeclaration(declaration, { signedByCampfireKey: true })).not.toThrow();
    expect(() => parseDeclaration(declaration, { signedByCampfireKey: false })).toThrow(/"convention:revoke" is a reserved tag/);
    expect(() => parseDeclaration({ ...declaration, convention: 'convention' }, { signedByCampfireKey: true })).toThrow(/"convention:revoke" is a reserved tag/);
    expect(lintDeclaration(declaration).errors[0]?.code).toBe('tag_denied');
    expect(lintDeclaration({ ...base, produces_tags: [{ tag: 'Campfire:x', cardinality: 'exactly_one' }] }).errors[0]?.message).toContain('reserved prefix "campfire:"');
  });

  it('parseDeclaration throws a LintError naming every error', () => {
    expect(() => parseDeclaration({ convention: 'x' })).toThrow(/\[version\] "version" is required.*\[operation\].*\[signing\]/);
  });
});

describe('pattern safety', () => {
  it.each([
    ['[a-z]+', null],
    ['(ab)+', null],
    ['(a+)+', /nested quantifier/],
    ['(?:x*y)*', /nested quantifier/],
    ['(a|b|c|d|e|f|g|h|i|j|k)', /more than 10 alternation branches/],
    ['a|b|c|d|e|f|g|h|i|j|k', /more than 10 alternation branches/],
    ['(a)\\1', /backreference/],
    ['(?<!x)y', /lookaround/],
    ['[', /does not compile/],
    ['a'.repeat(65), /at most 64/],
    ['[(+]+', null],
  ])('%s -> %s', (pattern, problem) => {
    const found = patternProblem(pattern);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });
});
