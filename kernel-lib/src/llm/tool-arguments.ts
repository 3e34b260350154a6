import type { ModelToolCall } from './language-model';

/**
 * A tool call's arguments as a plain object: OpenAI sends a JSON string, Ollama an object,
 * and small models sometimes a string where an object belongs. Anything that is not an
 * object gives `{}` and says why in `argumentsError`, so the caller can tell the model.
 */
export function parseToolArguments(raw: unknown): Pick<ModelToolCall, 'arguments' | 'argumentsError'> {
  let value = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return { arguments: {} };
    try {
      value = JSON.parse(raw);
    } catch {
      return { arguments: {}, argumentsError: `the arguments are not JSON: ${raw.slice(0, 120)}` };
    }
  }
  if (value === undefined || value === null) return { arguments: {} };
  if (typeof value !== 'object' || Array.isArray(value)) return { arguments: {}, argumentsError: `the arguments are ${Array.isArray(value) ? 'an array' : typeof value}, not an object` };
  return { arguments: value as Record<string, unknown> };
}
