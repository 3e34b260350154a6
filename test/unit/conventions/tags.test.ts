import { parseDeclaration } from 'campfires';
import { composeTags, filterTags, resolveArgs } from 'campfires/conventions';

const base = { convention: 'queue', version: '1', operation: 'flag-post', signing: 'member_key' };
const compose = (declaration: Record<string, unknown>, input: Record<string, unknown>) => {
  const parsed = parseDeclaration({ ...base, ...declaration });
  return composeTags(parsed, resolveArgs(parsed, input));
};

describe('tag composition', () => {
  it('emits static exactly_one tags and fills a glob from enum values with its prefix', () => {
    const declaration = {
      args: [{ name: 'reason', type: 'enum', values: ['reason:spam', 'reason:abuse'] }],
      produces_tags: [
        { tag: 'moderation:flag', cardinality: 'exactly_one' },
        { tag: 'optional:marker', cardinality: 'at_most_one' },
        { tag: 'reason:*', cardinality: 'exactly_one' },
      ],
    };
    expect(compose(declaration, { reason: 'reason:spam' })).toEqual(['moderation:flag', 'reason:spam']);
    expect(filterTags(parseDeclaration({ ...base, ...declaration }))).toEqual(['moderation:flag']);
  });

  it('fills a glob from the arg named like its prefix', () => {
    expect(compose({ args: [{ name: 'topic', type: 'string', repeated: true }], produces_tags: [{ tag: 'topic:*', cardinality: 'zero_to_many' }] }, { topic: ['a', 'b'] })).toEqual([
      'topic:a',
      'topic:b',
      'queue:flag-post',
    ]);
  });

  it('adds <convention>:<operation> when no static exactly_one tag lets a server find the message', () => {
    expect(compose({}, {})).toEqual(['queue:flag-post']);
    expect(filterTags(parseDeclaration(base))).toEqual(['queue:flag-post']);
  });

  it('errors when an exactly_one glob gets no value, instead of dropping it', () => {
    expect(() => compose({ args: [{ name: 'reason', type: 'string' }], produces_tags: [{ tag: 'reason:*', cardinality: 'exactly_one' }] }, {})).toThrow(
      'tag "reason:*" is exactly_one but the args give 0 values',
    );
  });

  it('enforces at_most_one and the zero_to_many max', () => {
    const declaration = (cardinality: string, max?: number) => ({ args: [{ name: 'topic', type: 'string', repeated: true }], produces_tags: [{ tag: 'topic:*', cardinality, max }] });
    expect(() => compose(declaration('at_most_one'), { topic: ['a', 'b'] })).toThrow('tag "topic:*" is at_most_one but the args give 2 values (topic:a, topic:b)');
    expect(() => compose(declaration('zero_to_many', 2), { topic: ['a', 'b', 'c'] })).toThrow('tag "topic:*" allows at most 2 values but the args give 3');
  });

  it('runs the denylist again on composed tags, ignoring case', () => {
    const declaration = { args: [{ name: 'kind', type: 'enum', values: ['FUTURE', 'Fulfills', 'fine'] }], produces_tags: [{ tag: 'f*', cardinality: 'at_most_one' }, { tag: 'F*', cardinality: 'at_most_one' }] };
    expect(() => compose(declaration, { kind: 'Fulfills' })).toThrow('"Fulfills" is a reserved tag');
    expect(compose(declaration, { kind: 'fine' })).toEqual(['fine', 'queue:flag-post']);
  });
});
