import { ModelError, RateLimitedError } from '../core';

/** Who was called, for error messages: provider, model and where. */
export interface CallTarget {
  provider: string;
  model: string;
  /** Host or base URL, never with credentials. */
  host: string;
}

const networkReasons: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  UND_ERR_SOCKET: 'connection closed',
};

/** The network reason (`connection refused`...) found in an error's cause chain, if any. */
export function networkReason(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && networkReasons[code]) return networkReasons[code];
    current = (current as { cause?: unknown }).cause;
  }
  const text = String((error as Error | undefined)?.message ?? '');
  if (!/fetch failed|Connection error|ECONNREFUSED|socket hang up/i.test(text)) return undefined;
  // fetch refuses some URLs itself (e.g. "bad port" for port 1); say that rather than guess.
  const innermost = [(error as { cause?: { cause?: unknown } })?.cause?.cause, (error as { cause?: unknown })?.cause].find(
    (cause): cause is Error => cause instanceof Error || (typeof cause === 'object' && cause !== null && typeof (cause as Error).message === 'string'),
  );
  const detail = innermost?.message;
  return detail && detail !== text && !/fetch failed/i.test(detail) ? detail : 'no connection';
}

/** Nobody answered at the host (a down Ollama, a wrong base URL, no network), or it hung up; a hang-up is worth one more try. */
export function unreachableError(target: CallTarget, reason: string): ModelError {
  const dropped = reason === 'connection closed' || reason === 'connection reset';
  if (dropped) {
    const fix =
      target.provider === 'ollama'
        ? 'Check the Ollama server log (the terminal running `ollama serve`, or `journalctl -u ollama`): loading the model may have run out of memory.'
        : 'Try again later; if it keeps happening, check the base URL and any proxy in between.';
    return new ModelError({
      code: 'model_unreachable',
      message: `${target.provider === 'ollama' ? 'Ollama' : target.provider} at ${target.host} closed the connection without answering (${reason}). ${fix}`,
      details: { ...target, reason, retryable: true },
    });
  }
  const fix =
    target.provider === 'ollama'
      ? 'Start it with `ollama serve` (install from https://ollama.com), or set OLLAMA_HOST to where it runs.'
      : 'Check the base URL and the network connection.';
  return new ModelError({
    code: 'model_unreachable',
    message: `${target.provider === 'ollama' ? 'Ollama' : target.provider} is not answering at ${target.host} (${reason}). ${fix}`,
    details: { ...target, reason, retryable: false },
  });
}

/** The provider does not have the model asked for. */
export function modelNotFoundError(target: CallTarget, available?: string[]): ModelError {
  const have = available && available.length > 0 ? ` It has: ${available.slice(0, 10).join(', ')}.` : available ? ' It has no models yet.' : '';
  const fix =
    target.provider === 'ollama'
      ? `Pull it with \`ollama pull ${target.model}\`, or pass another model name.`
      : 'Pass a model name the endpoint lists (for OpenRouter see https://openrouter.ai/models).';
  return new ModelError({
    code: 'model_not_found',
    message: `${target.provider} at ${target.host} has no model "${target.model}". ${fix}${have}`,
    details: { ...target, available: available ?? null, retryable: false },
  });
}

/** The key was refused (401/403) or is missing. */
export function unauthorizedError(target: CallTarget, status: number | null, keyVariable: string | undefined): ModelError {
  const where = keyVariable ? `Set ${keyVariable} to a valid key` : 'Pass a valid apiKey';
  const keys = target.provider === 'openrouter' ? ' (create one at https://openrouter.ai/keys)' : '';
  return new ModelError({
    code: 'model_unauthorized',
    message: `${target.provider} at ${target.host} refused the API key${status ? ` (HTTP ${status})` : ''}. ${where}${keys}.`,
    details: { ...target, status, retryable: false },
  });
}

/** A 200 answer whose body is not what the protocol promises. */
export function malformedResponseError(target: CallTarget, what: string): ModelError {
  return new ModelError({
    code: 'model_response_malformed',
    message: `${target.provider} at ${target.host} answered with a malformed body (${what}). Check that the host is really ${target.provider === 'ollama' ? 'an Ollama server' : 'an OpenAI-compatible endpoint'}, then try again.`,
    details: { ...target, what, retryable: true },
  });
}

/** A stream that ended before the provider said it was done. */
export function truncatedStreamError(target: CallTarget, receivedCharacters: number): ModelError {
  return new ModelError({
    code: 'model_stream_truncated',
    message: `the answer from ${target.provider} model ${target.model} at ${target.host} stopped after ${receivedCharacters} characters, before the stream said it was done; try again (the connection or the server dropped it)`,
    details: { ...target, receivedCharacters, retryable: true },
  });
}

/** Any other HTTP failure: 429 becomes `RateLimitedError`, 5xx `provider_unavailable`, the rest `model_request_rejected`. */
export function httpError(target: CallTarget, status: number, detail: string, options: { retryAfterMs?: number; now: number }): ModelError | RateLimitedError {
  if (status === 429) {
    const retryAt = options.now + (options.retryAfterMs ?? 60_000);
    return new RateLimitedError({
      code: 'model_rate_limited',
      message: `${target.provider} is rate limiting ${target.model} (HTTP 429: ${detail}); calls are allowed again at ${new Date(retryAt).toISOString()}`,
      details: { ...target, status, retryAfterMs: options.retryAfterMs ?? null, retryAt, retryable: false },
    });
  }
  if (status >= 500) {
    return new ModelError({
      code: 'model_provider_unavailable',
      message: `${target.provider} at ${target.host} failed with HTTP ${status} (${detail}) after retrying with backoff; try again later or switch provider`,
      details: { ...target, status, retryAfterMs: options.retryAfterMs ?? null, retryable: true },
    });
  }
  return new ModelError({
    code: 'model_request_rejected',
    message: `${target.provider} at ${target.host} rejected the request for ${target.model} with HTTP ${status}: ${detail}`,
    details: { ...target, status, retryable: false },
  });
}
