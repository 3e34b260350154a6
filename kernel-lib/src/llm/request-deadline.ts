import { ModelError } from '../core';

/** The default time a model call may take before it is abandoned. */
export const DEFAULT_MODEL_TIMEOUT_MS = 30_000;

/**
 * A per-request timeout with an abort signal. It keeps its own timer (cleared by
 * `clear()`) rather than `AbortSignal.timeout`, which Node 20 can garbage-collect
 * before it fires, letting a hung request through.
 */
export class RequestDeadline {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly detachOuter: () => void;
  private expired = false;

  constructor(readonly timeoutMs: number, outer?: AbortSignal) {
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onOuterAbort = (): void => this.controller.abort(outer?.reason);
    if (outer?.aborted) onOuterAbort();
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    this.detachOuter = () => outer?.removeEventListener('abort', onOuterAbort);
  }

  /** True once the timer fired (as opposed to the caller aborting). */
  get timedOut(): boolean {
    return this.expired;
  }

  /** Stops the timer; call when the whole answer (body included) has been read. */
  clear(): void {
    clearTimeout(this.timer);
    this.detachOuter();
  }

  /** A fetch that always carries this deadline's signal (and the caller's, if any). */
  bindFetch(base: typeof fetch = fetch): typeof fetch {
    return (input, init) => {
      // A client's own abort (e.g. ollama's stream iterator) ends this request too.
      const clientSignal = init?.signal;
      if (clientSignal) {
        if (clientSignal.aborted) this.controller.abort(clientSignal.reason);
        else clientSignal.addEventListener('abort', () => this.controller.abort(clientSignal.reason), { once: true });
      }
      return base(input, { ...init, signal: this.signal });
    };
  }

  /** The error a user sees when the timer fired. */
  timeoutError(provider: string, model: string, where: string): ModelError {
    return new ModelError({
      code: 'model_timeout',
      message: `${provider} model ${model} at ${where} did not answer within ${this.timeoutMs / 1000} s; raise timeoutMs (in the model settings or the request) or use a smaller model`,
      details: { provider, model, host: where, timeoutMs: this.timeoutMs, retryable: true },
    });
  }
}
