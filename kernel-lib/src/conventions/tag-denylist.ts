/** Tags a declaration may never produce: the protocol's own. */
export const DENIED_TAGS = ['future', 'fulfills', 'convention:operation', 'convention:schema', 'convention:revoke'] as const;
/** Tag prefixes a declaration may never produce. */
export const DENIED_TAG_PREFIXES = ['naming:', 'campfire:'] as const;

/** Conventions of the protocol itself, allowed to produce their own reserved tags when parsing (never in lint). */
const INFRASTRUCTURE: Record<string, readonly string[]> = {
  convention: ['convention:operation', 'convention:schema', 'convention:revoke'],
  naming: ['naming:'],
};

/**
 * Why `tag` is reserved, or null. Compares case-insensitively, so `FULFILLS` is caught.
 * `exemptFor` names a convention whose infrastructure tags are let through (never in lint).
 */
export function deniedTagReason(tag: string, exemptFor?: string): string | null {
  const lower = tag.toLowerCase();
  const exempt = exemptFor === undefined ? [] : (INFRASTRUCTURE[exemptFor.toLowerCase()] ?? []);
  if (exempt.some((allowed) => lower === allowed || (allowed.endsWith(':') && lower.startsWith(allowed)))) return null;
  if ((DENIED_TAGS as readonly string[]).includes(lower)) return `"${tag}" is a reserved tag`;
  const prefix = DENIED_TAG_PREFIXES.find((candidate) => lower.startsWith(candidate));
  return prefix ? `"${tag}" uses the reserved prefix "${prefix}"` : null;
}
