import { CampfiresError, type ErrorDetails } from './campfires-error';

/** An error as the run log, MCP replies and debug logs store it: plain JSON. */
export interface ErrorJson {
  name: string;
  /** Present for library errors: the stable code, e.g. `model_timeout`. */
  code?: string;
  message: string;
  details?: ErrorDetails;
}

/** Drops what JSON cannot hold (functions, undefined, cycles become a note) so the value can be stored. */
function jsonSafe(details: ErrorDetails): ErrorDetails {
  try {
    return JSON.parse(JSON.stringify(details)) as ErrorDetails;
  } catch {
    return { unserialisable: true };
  }
}

/**
 * Any thrown value as plain JSON: a `CampfiresError` keeps its code and details, any
 * other error its name and message, and a thrown non-error its text.
 * @example runLog.append(runId, { kind: 'camper-error', data: { error: errorToJson(error) } });
 */
export function errorToJson(error: unknown): ErrorJson {
  if (error instanceof CampfiresError) {
    const { name, code, message, details } = error.toJSON();
    return { name, code, message, details: jsonSafe(details) };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  const thrown = error as { name?: unknown; message?: unknown } | null | undefined;
  if (thrown && typeof thrown === 'object' && typeof thrown.message === 'string') {
    return { name: typeof thrown.name === 'string' ? thrown.name : 'Error', message: thrown.message };
  }
  try {
    return { name: 'Error', message: typeof error === 'bigint' ? `${error}n` : String(error) };
  } catch {
    // An object without a prototype, or whose toString throws.
    return { name: 'Error', message: `a thrown ${typeof error} that has no text` };
  }
}
