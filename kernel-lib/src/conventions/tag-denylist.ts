/** Tags a declaration may never produce: the protocol's own. */
export const DENIED_TAGS = ['future', 'fulfills', 'convention:operation', 'convention:schema', 'convention:revoke'] as const;
/** Tag prefixes a declaration may never produce. */
export const DENIED_TAG_PREFIXES = ['naming:', 'campfire:'] as const;

/**
 * Conventions of the protocol itself, by their exact names, allowed to produce their own
 * reserved tags when parsing a declaration the campfire key signed (never in lint).
 */
const INFRASTRUCTURE: ReadonlyMap<string, readonly string[]> = new Map([
  ['convention-extension', ['convention:operation', 'convention:schema', 'convention:revoke']],
  ['naming-uri', ['naming:']],
]);

/**
 * Why `tag` is reserved, or null. Compares case-insensitively, so `FULFILLS` is caught.
 * `exemptFor` names a convention whose infrastructure tags are let through: exactly
 * `convention-extension` or `naming-uri` (the caller checks that the campfire key signed it).
 */
export function deniedTagReason(tag: string, exemptFor?: string): string | null {
  const lower = tag.toLowerCase();
  const exempt = exemptFor === undefined ? [] : (INFRASTRUCTURE.get(exemptFor) ?? []);
  if (exempt.some((allowed) => lower === allowed || (allowed.endsWith(':') && lower.startsWith(allowed)))) return null;
  if ((DENIED_TAGS as readonly string[]).includes(lower)) return `"${tag}" is a reserved tag`;
  const prefix = DENIED_TAG_PREFIXES.find((candidate) => lower.startsWith(candidate));
  return prefix ? `"${tag}" uses the reserved prefix "${prefix}"` : null;
}
