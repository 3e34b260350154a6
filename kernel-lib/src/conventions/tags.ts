import { ValidationError, type ValidationIssue } from '../core';
import { operationTag, type ParsedDeclaration } from './declaration';
import type { ResolvedArgs } from './args';
import { deniedTagReason } from './tag-denylist';

/** The static `exactly_one` tags of a declaration, else `<convention>:<operation>`: what a server listens for. */
export function filterTags(parsed: ParsedDeclaration): string[] {
  const statics = parsed.declaration.produces_tags.filter((rule) => rule.cardinality === 'exactly_one' && !rule.tag.endsWith('*')).map((rule) => rule.tag);
  return statics.length > 0 ? statics : [operationTag(parsed.declaration)];
}

function globValues(parsed: ParsedDeclaration, prefix: string, args: ResolvedArgs): string[] {
  const values: string[] = [];
  const named = prefix.replace(/[:_-]+$/, '');
  for (const arg of parsed.declaration.args) {
    const value = args[arg.name];
    if (value === undefined) continue;
    const list = (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string');
    if (arg.type === 'enum' && (arg.values ?? []).some((candidate) => candidate.startsWith(prefix))) {
      values.push(...list.filter((item) => item.startsWith(prefix)));
    } else if (arg.name === named) {
      values.push(...list.map((item) => (item.startsWith(prefix) ? item : `${prefix}${item}`)));
    }
  }
  return [...new Set(values)];
}

/**
 * Composes the outgoing tags from `produces_tags` and the resolved args, enforcing
 * cardinality and the (case-insensitive) denylist; adds `<convention>:<operation>`
 * when no static `exactly_one` tag would let a server find the message.
 */
export function composeTags(parsed: ParsedDeclaration, args: ResolvedArgs): string[] {
  const tags: string[] = [];
  const issues: ValidationIssue[] = [];
  parsed.declaration.produces_tags.forEach((rule, index) => {
    const field = `produces_tags[${index}]`;
    if (!rule.tag.endsWith('*')) {
      if (rule.cardinality === 'exactly_one') tags.push(rule.tag);
      return;
    }
    const values = globValues(parsed, rule.tag.slice(0, -1), args);
    if (rule.cardinality === 'exactly_one' && values.length !== 1) {
      issues.push({ field, message: `tag "${rule.tag}" is exactly_one but the args give ${values.length} values${values.length ? ` (${values.join(', ')})` : ''}`, given: values, allowed: 'exactly one value' });
    } else if (rule.cardinality === 'at_most_one' && values.length > 1) {
      issues.push({ field, message: `tag "${rule.tag}" is at_most_one but the args give ${values.length} values (${values.join(', ')})`, given: values, allowed: 'at most one value' });
    } else if (rule.cardinality === 'zero_to_many' && rule.max !== undefined && rule.max > 0 && values.length > rule.max) {
      issues.push({ field, message: `tag "${rule.tag}" allows at most ${rule.max} values but the args give ${values.length}`, given: values, allowed: { max: rule.max } });
    }
    tags.push(...values);
  });
  for (const tag of tags) {
    const reason = deniedTagReason(tag);
    if (reason) issues.push({ field: 'tags', message: `${reason}; the composed message may not carry it`, given: tag, allowed: 'no reserved tags' });
  }
  if (issues.length > 0) {
    throw new ValidationError({
      code: 'convention_tags_invalid',
      message: `${parsed.declaration.operation}: ${issues.map((issue) => issue.message).join('; ')}`,
      issues,
      details: { operation: parsed.declaration.operation },
    });
  }
  const statics = parsed.declaration.produces_tags.some((rule) => rule.cardinality === 'exactly_one' && !rule.tag.endsWith('*'));
  if (!statics) tags.push(operationTag(parsed.declaration));
  return [...new Set(tags)];
}
