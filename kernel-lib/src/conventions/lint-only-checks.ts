/**
 * Checks only `cf convention lint` makes: advice to the author of a declaration that
 * parsing for use does not need. They read the declaration's typed shape, so they find
 * nothing in one that does not have it (the conformance checks report that).
 */
import { declarationSchema, type Declaration } from './declaration';
import { lintError, lintWarning, type LintCheck, type LintFinding } from './lint-check';

/** The glob tag rules of a well-shaped declaration, with their prefix (`status:*` -> `status:`). */
function globRules(input: unknown): { declaration: Declaration; rule: Declaration['produces_tags'][number]; index: number; prefix: string }[] {
  const shaped = declarationSchema.safeParse(input);
  if (!shaped.success) return [];
  const declaration = shaped.data;
  return declaration.produces_tags.flatMap((rule, index) => (rule.tag.endsWith('*') ? [{ declaration, rule, index, prefix: rule.tag.slice(0, -1) }] : []));
}

/** Enum values that a glob tag lists with its prefix should carry the prefix themselves (a warning). */
export const enumValuesCarryGlobPrefixCheck: LintCheck = {
  name: 'enum values carry their glob prefix',
  lintOnly: true,
  check(input) {
    const findings: LintFinding[] = [];
    for (const { declaration, rule, prefix } of globRules(input)) {
      const listed = rule.values ?? [];
      for (const arg of declaration.args.filter((candidate) => candidate.type === 'enum')) {
        const bare = (arg.values ?? []).filter((value) => !value.startsWith(prefix) && listed.includes(`${prefix}${value}`));
        if (bare.length === 0) continue;
        findings.push(
          lintWarning(
            'enum_prefix_mismatch',
            `args.${arg.name}.values`,
            `enum values ${bare.map((value) => `"${value}"`).join(', ')} lack the prefix "${prefix}" of glob tag "${rule.tag}", whose values list "${prefix}${bare[0]}"; write them with the prefix`,
          ),
        );
      }
    }
    return findings;
  },
};

/** Every glob tag can be filled: an enum arg has values with its prefix, or an arg is named after it. */
export const globTagsProducibleCheck: LintCheck = {
  name: 'glob tags have an arg that produces them',
  lintOnly: true,
  check(input) {
    const findings: LintFinding[] = [];
    for (const { declaration, rule, index, prefix } of globRules(input)) {
      const named = prefix.replace(/[:_-]+$/, '');
      const fromEnum = declaration.args.some((arg) => arg.type === 'enum' && (arg.values ?? []).some((value) => value.startsWith(prefix)));
      const fromName = declaration.args.some((arg) => arg.name === named);
      if (fromEnum || fromName) continue;
      findings.push(
        lintError(
          'glob_tag_unproducible',
          `produces_tags[${index}].tag`,
          `glob tag "${rule.tag}" has no arg that can produce it: add an enum arg with values starting with "${prefix}" or an arg named "${named}"`,
        ),
      );
    }
    return findings;
  },
};
