import { CampfiresError, systemClock, type Clock } from '../core';
import { RateLimiter, type CounterSource, type RateLimitRequest } from '../counters';
import { modelRateLimit, type RateLimit } from './model-rate-limit';
import { DEFAULT_MODEL_TIMEOUT_MS, RequestDeadline } from './request-deadline';

/** Settings every HTTP adapter shares: timeout, backoff on 429/5xx, rate limits. */
export interface ModelCallSettings {
  /** Time allowed for one request, body included (default 30 s). */
  timeoutMs?: number;
  /** Retries after HTTP 429 or 5xx, with exponential backoff (default 3). */
  retries?: number;
  /** First backoff wait; doubled on each retry (default 1000 ms). */
  backoffBaseMs?: number;
  /** A `Retry-After` longer than this is not waited for: the call fails with `retryAt` (default 60 s). */
  maxRetryWaitMs?: number;
  /** Requests per minute and per day for this provider. */
  rateLimit?: RateLimit;
  /**
   * Where rate-limit counts are kept: a `CounterStore`, or the run log (its file keeps them,
   * so a restart keeps them). Default: in memory, for this model only.
   */
  counters?: CounterSource;
  clock?: Clock;
}

/** One HTTP exchange opened under the policy; `deadline` runs until the caller clears it. */
export interface OpenedCall<T> {
  value: T;
  deadline: RequestDeadline;
}

/** Applies rate limits, the timeout and 429/5xx backoff around one adapter request. */
export class ModelCallPolicy {
  readonly clock: Clock;
  private readonly limiter: RateLimiter | undefined;
  private readonly limit: RateLimitRequest | undefined;

  constructor(
    readonly provider: string,
    private readonly settings: ModelCallSettings,
  ) {
    this.clock = settings.clock ?? systemClock;
    this.limiter = settings.rateLimit ? new RateLimiter({ counters: settings.counters, clock: this.clock }) : undefined;
    this.limit = settings.rateLimit ? modelRateLimit(provider, settings.rateLimit) : undefined;
  }

  /** The timeout a request gets: its own, else the adapter's, else 30 s. */
  timeoutFor(requestTimeoutMs?: number): number {
    return requestTimeoutMs ?? this.settings.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS;
  }

  /**
   * Runs `attempt` until it succeeds, retrying on errors whose `details.status` is 429 or
   * 5xx; `mapError` turns library errors into `CampfiresError`s a user can act on. The
   * returned deadline is still running (a stream may still be read): clear it when done.
   */
  async open<T>(options: {
    timeoutMs?: number;
    signal?: AbortSignal;
    /** Retries this request may make itself (default: the adapter's); 0 when its caller retries. */
    retries?: number;
    attempt: (deadline: RequestDeadline) => Promise<T>;
    mapError: (error: unknown, deadline: RequestDeadline) => CampfiresError;
  }): Promise<OpenedCall<T>> {
    const retries = options.retries ?? this.settings.retries ?? 3;
    const base = this.settings.backoffBaseMs ?? 1000;
    const maxWait = this.settings.maxRetryWaitMs ?? 60_000;
    let reconnected = false;
    for (let retry = 0; ; retry += 1) {
      // Every request the provider sees counts, retries included, as the provider counts them.
      const grant = this.limiter && this.limit ? await this.limiter.take(this.limit) : undefined;
      const deadline = new RequestDeadline(this.timeoutFor(options.timeoutMs), options.signal);
      try {
        return { value: await options.attempt(deadline), deadline };
      } catch (error) {
        deadline.clear();
        const mapped = error instanceof CampfiresError ? error : options.mapError(error, deadline);
        // Nobody answered, so the provider counted nothing: neither do we.
        if (mapped.code === 'model_unreachable') await grant?.release();
        if (mapped.code === 'model_unreachable' && mapped.details.retryable === true && !reconnected && retries > 0) {
          reconnected = true; // the server dropped an idle connection: ask again at once, once
          retry -= 1;
          continue;
        }
        const status = mapped.details.status;
        const backoff = typeof status === 'number' && (status === 429 || status >= 500);
        if (!backoff || retry >= retries) throw mapped;
        const retryAfter = mapped.details.retryAfterMs;
        const wait = typeof retryAfter === 'number' ? retryAfter : base * 2 ** retry;
        if (wait > maxWait) throw mapped; // it names retryAt; waiting that long in a cell helps nobody
        await this.clock.sleep(wait);
      }
    }
  }

  /** `open` for a request whose whole answer is read inside `attempt`; clears the deadline. */
  async call<T>(options: Parameters<ModelCallPolicy['open']>[0] & { attempt: (deadline: RequestDeadline) => Promise<T> }): Promise<T> {
    const opened = await this.open<T>(options);
    opened.deadline.clear();
    return opened.value;
  }
}

/** Parses a `Retry-After` header (seconds or an HTTP date) into milliseconds from `now`. */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
