import { PermissionError, ValidationError, formatDuration, parseDuration, systemClock, type Clock } from '../core';
import { hasTag, type JsonValue, type Message } from '../messages';
import { resolveArgs } from './args';
import { RateLimiter, type CounterSource } from '../counters';
import type { CampfireClient } from './campfire-client';
import { conventionRateLimit } from './convention-rate-limit';
import { operationTag, type ParsedDeclaration } from './declaration';
import { composeTags } from './tags';

/** How a call ended: `ok`/`error` (a fulfilment came back), `timeout`, `dispatched` (async or not awaited), `sent` (no reply expected). */
export type ExecutionStatus = 'ok' | 'error' | 'timeout' | 'dispatched' | 'sent';

/** The outcome of one operation call; a timeout still names the message and the time waited. */
export interface ExecutionResult {
  status: ExecutionStatus;
  operation: string;
  campfire: string;
  messageId: string;
  tags: string[];
  args: Record<string, JsonValue>;
  response?: JsonValue;
  responseMessageId?: string;
  error?: string;
  elapsedMs: number;
}

/** How an executor is built: its clock, and where rate-limit counts are kept. */
export interface ConventionExecutorOptions {
  clock?: Clock;
  /**
   * Where `rate_limit` counts are kept (default: the campfire store's file, so every
   * executor and `cf` process on the store shares them). A `RedisCounterStore` shares
   * them across machines.
   */
  counters?: CounterSource;
}

/** Per-call options: skip waiting, or wait a different time than the declaration says. */
export interface ExecuteOptions {
  /** False sends and returns at once (`--no-wait`). */
  wait?: boolean;
  /** Overrides `response_timeout`, as a duration (`10s`) or milliseconds. */
  waitTimeout?: string | number;
}

/**
 * Runs convention operations for one client: provenance, args, tags, antecedents,
 * rate limit, then send (and wait for the fulfilment of an explicit sync operation).
 * Nothing is sent when any step fails. The rate limit is taken in one atomic step just
 * before sending and given back when the send fails, so concurrent calls never exceed it.
 * @example const result = await new ConventionExecutor(client).execute(parsed, 'tasks', { task_id, result: 'done', status: 'ok' });
 */
export class ConventionExecutor {
  private readonly clock: Clock;
  private readonly limiter: RateLimiter;

  constructor(
    readonly client: CampfireClient,
    options: ConventionExecutorOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.limiter = new RateLimiter({ counters: options.counters ?? client.store, clock: this.clock });
  }

  /** Validates everything and builds the signed message, without sending it or counting it against the rate limit. */
  prepare(parsed: ParsedDeclaration, campfireName: string, input: Record<string, unknown>): { message: Message; args: Record<string, JsonValue> } {
    const { declaration } = parsed;
    const campfire = this.client.campfire(campfireName);
    const level = this.client.operatorLevel(campfire);
    if (level < 0) {
      throw new PermissionError({ code: 'not_a_member', message: `${this.client.identity.name} is not a member of ${campfire.name}; join it first (cf join ${campfire.name})`, details: { campfire: campfire.name } });
    }
    const required = declaration.min_operator_level ?? 0;
    if (required > 0 && level < required) {
      throw new PermissionError({
        code: 'operator_level_too_low',
        message: `${declaration.operation} needs operator level ${required}; ${this.client.identity.name} is at level ${level} in ${campfire.name}`,
        details: { operation: declaration.operation, required, level },
      });
    }
    if (parsed.signing === 'campfire_key' && !this.client.holdsCampfireKey(campfire)) {
      throw new PermissionError({
        code: 'campfire_key_required',
        message: `${declaration.operation} is signed with the campfire key of ${campfire.name}, which ${this.client.identity.name} does not hold; only its operator can call it`,
        details: { operation: declaration.operation },
      });
    }
    const args = resolveArgs(parsed, input);
    const tags = composeTags(parsed, args);
    if (parsed.response.mode === 'sync' && parsed.response.explicit) tags.push('future');
    const antecedents = this.antecedents(parsed, campfire.name, args);
    const message = this.client.compose({
      campfire: campfire.name,
      tags,
      payload: args,
      antecedents,
      signWith: parsed.signing === 'campfire_key' ? 'campfire' : 'member',
    });
    return { message, args };
  }

  /** Executes an operation; resolves with how it ended (a timeout is a result, not an exception). */
  async execute(parsed: ParsedDeclaration, campfireName: string, input: Record<string, unknown>, options: ExecuteOptions = {}): Promise<ExecutionResult> {
    const started = this.clock.now();
    const { message, args } = this.prepare(parsed, campfireName, input);
    const campfire = this.client.campfire(campfireName);
    const base = { operation: parsed.declaration.operation, campfire: campfire.name, messageId: message.id, tags: message.tags, args };
    const awaitsReply = parsed.response.mode === 'sync' && parsed.response.explicit && options.wait !== false;
    const timeoutMs = awaitsReply ? this.timeoutOf(parsed, options.waitTimeout) : 0;
    const limit = conventionRateLimit(parsed, this.client.identity.publicKey, campfire.id);
    const grant = limit ? await this.limiter.take(limit) : null;
    /** Runs a step before the message is out; when it fails, the call does not use the budget. */
    const beforeSent = async <T>(step: () => Promise<T>): Promise<T> => {
      try {
        return await step();
      } catch (error) {
        await grant?.release();
        throw error;
      }
    };
    const send = (): Promise<void> => beforeSent(() => this.client.publish(message));
    if (!awaitsReply) {
      await send();
      const status: ExecutionStatus = parsed.response.mode === 'async' || (parsed.response.mode === 'sync' && parsed.response.explicit) ? 'dispatched' : 'sent';
      return { ...base, status, elapsedMs: this.clock.now() - started };
    }
    let finish: (reply: Message | null) => void = () => undefined;
    const replied = new Promise<Message | null>((resolve) => (finish = resolve));
    const subscription = await beforeSent(() =>
      this.client.subscribe(campfire.name, `executor:${message.id}`, (candidate) => {
        if (hasTag(candidate, 'fulfills') && candidate.antecedents.includes(message.id)) finish(candidate);
      }),
    );
    const timer = setTimeout(() => finish(null), timeoutMs);
    try {
      await send();
      const reply = await replied;
      const elapsedMs = this.clock.now() - started;
      if (!reply) return { ...base, status: 'timeout', elapsedMs };
      const payload = reply.payload;
      if (hasTag(reply, 'convention:error')) {
        const error = payload !== null && typeof payload === 'object' && !Array.isArray(payload) && typeof payload.error === 'string' ? payload.error : JSON.stringify(payload);
        return { ...base, status: 'error', error, response: payload, responseMessageId: reply.id, elapsedMs };
      }
      return { ...base, status: 'ok', response: payload, responseMessageId: reply.id, elapsedMs };
    } finally {
      clearTimeout(timer);
      await subscription.unsubscribe();
    }
  }

  private timeoutOf(parsed: ParsedDeclaration, override: string | number | undefined): number {
    if (override === undefined) return parsed.timeoutMs;
    const ms = typeof override === 'number' ? override : parseDuration(override, 'wait-timeout');
    if (!(ms > 0)) throw new ValidationError({ code: 'wait_timeout_invalid', message: `wait-timeout must be above zero (got ${formatDuration(ms)})`, issues: [{ field: 'wait-timeout', message: 'not positive', given: override }] });
    return ms;
  }

  private antecedents(parsed: ParsedDeclaration, campfire: string, args: Record<string, JsonValue>): string[] {
    const rule = parsed.antecedents;
    if (rule === 'none') return [];
    if (rule === 'exactly_one(target)') {
      const arg = parsed.declaration.args.find((candidate) => candidate.type === 'message_id' && args[candidate.name] !== undefined);
      const value = arg ? args[arg.name] : undefined;
      const target = Array.isArray(value) ? value[0] : value;
      if (typeof target !== 'string') {
        throw new ValidationError({
          code: 'antecedent_missing',
          message: `${parsed.declaration.operation} answers a message (antecedents exactly_one(target)) but no message_id arg was given`,
          issues: [{ field: 'antecedents', message: 'no message_id arg given', allowed: 'a message_id arg' }],
        });
      }
      return [target];
    }
    const prior = this.client.read(campfire, { sender: this.client.identity.publicKey, tags: [operationTag(parsed.declaration)], newestFirst: true, limit: 1 })[0];
    if (!prior && rule === 'exactly_one(self_prior)') {
      throw new ValidationError({
        code: 'antecedent_missing',
        message: `${parsed.declaration.operation} follows your previous ${operationTag(parsed.declaration)} message, and there is none yet`,
        issues: [{ field: 'antecedents', message: 'no prior message of this operation by the caller' }],
      });
    }
    return prior ? [prior.message.id] : [];
  }
}
