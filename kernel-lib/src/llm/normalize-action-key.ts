/** Key spellings small models use for "the action chosen". */
export const ACTION_KEY_VARIANTS = ['action', 'type', 'action_type', 'actionType', 'Action', 'Type', 'chosen_action'] as const;

/**
 * A `normalize` hook for `generateObject` that accepts the action under any of its usual
 * keys (`action` as the CouncilForge document says, `type` as its code wrote, ...) and
 * writes it under `key`; the value is trimmed, lower-cased and snake_cased
 * (`"Increase Resource"` -> `increase_resource`). Unknown actions are left for the schema to reject.
 * @example generateObject({ ..., normalize: acceptActionKeyVariants('action') })
 */
export function acceptActionKeyVariants(key: 'action' | 'type' = 'action'): (raw: unknown) => unknown {
  return (raw) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
    const record = { ...(raw as Record<string, unknown>) };
    let value = record[key];
    if (value === undefined) {
      for (const variant of ACTION_KEY_VARIANTS) {
        if (variant !== key && record[variant] !== undefined) {
          value = record[variant];
          delete record[variant];
          break;
        }
      }
    }
    if (typeof value === 'string') {
      value = value
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '_')
        .replace(/^_+|_+$/g, '');
    }
    if (value !== undefined) record[key] = value;
    return record;
  };
}
