import type { Declaration } from './declaration';
import type { LintFinding } from './lint';
import { deniedTagReason } from './tag-denylist';

/**
 * Findings only `cf convention lint` reports: the denylist with no exemptions, glob
 * tags that no arg can fill, and enum values that lack their glob's prefix.
 */
export function lintOnlyFindings(declaration: Declaration): LintFinding[] {
  const findings: LintFinding[] = [];
  declaration.produces_tags.forEach((rule, index) => {
    const field = `produces_tags[${index}].tag`;
    const reason = deniedTagReason(rule.tag);
    if (reason) findings.push({ severity: 'error', code: 'tag_denied', field, message: `${reason}; no convention may produce it, infrastructure or not` });
    if (!rule.tag.endsWith('*')) return;
    const prefix = rule.tag.slice(0, -1);
    const named = prefix.replace(/[:_-]+$/, '');
    const enumArgs = declaration.args.filter((arg) => arg.type === 'enum');
    const fromEnum = enumArgs.some((arg) => (arg.values ?? []).some((value) => value.startsWith(prefix)));
    const fromName = declaration.args.some((arg) => arg.name === named);
    if (!fromEnum && !fromName) {
      findings.push({
        severity: 'error',
        code: 'glob_tag_unproducible',
        field,
        message: `glob tag "${rule.tag}" has no arg that can produce it: add an enum arg with values starting with "${prefix}" or an arg named "${named}"`,
      });
    }
    const listed = rule.values ?? [];
    for (const arg of enumArgs) {
      const bare = (arg.values ?? []).filter((value) => !value.startsWith(prefix) && listed.includes(`${prefix}${value}`));
      if (bare.length > 0) {
        findings.push({
          severity: 'warning',
          code: 'enum_prefix_mismatch',
          field: `args.${arg.name}.values`,
          message: `enum values ${bare.map((value) => `"${value}"`).join(', ')} lack the prefix "${prefix}" of glob tag "${rule.tag}", whose values list "${prefix}${bare[0]}"; write them with the prefix`,
        });
      }
    }
  });
  return findings;
}
