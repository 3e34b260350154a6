/** What replaces a secret wherever text leaves the model layer. */
export const REDACTED = '[redacted]';

/**
 * Replaces every secret (and any `Bearer <token>` / `sk-...` looking key) in `text`, so that
 * API keys never reach errors, logs, run logs or cassettes.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) result = result.split(secret).join(REDACTED);
  }
  return result
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]{8,}/g, `Bearer ${REDACTED}`)
    .replace(/\bsk-[A-Za-z0-9_-]{8,}/g, REDACTED);
}

/** Applies `redactSecrets` to every string inside a JSON-like value. */
export function redactDeep<T>(value: T, secrets: readonly (string | undefined)[] = []): T {
  if (typeof value === 'string') return redactSecrets(value, secrets) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, secrets)) as T;
  if (value !== null && typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = redactDeep(item, secrets);
    return result as T;
  }
  return value;
}

/** A copy of a `CampfiresError` (same class and code) with secrets removed from its message and details. */
export function redactError<E extends { message: string; code: string; details: Record<string, unknown> }>(error: E, secrets: readonly (string | undefined)[]): E {
  const message = redactSecrets(error.message, secrets);
  const Class = error.constructor as new (init: { code: string; message: string; details: Record<string, unknown> }) => E;
  return new Class({ code: error.code, message, details: redactDeep(error.details, secrets) });
}
