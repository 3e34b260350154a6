import { z } from 'zod';
import { ValidationError, cutText, newId, validate } from '../core';
import { jsonValueSchema, type JsonValue } from './json-value';

/** A channel name: lowercase words joined by `-`, `_`, `.`, `:` or `/` (e.g. `crisis-update`). */
export const channelNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'a channel name is letters, digits and . _ : / -');

/**
 * Everything that travels on a channel: torches, convention requests and their
 * fulfilments. `antecedents` names the messages this one answers or follows.
 */
export const messageSchema = z.object({
  id: z.string().min(1),
  channel: channelNameSchema,
  sender: z.string().min(1),
  tags: z.array(z.string().min(1)),
  payload: jsonValueSchema,
  antecedents: z.array(z.string()),
  /** Hex Ed25519 signature over the signing bytes, or null when unsigned. */
  signature: z.string().nullable(),
  /** Milliseconds since the Unix epoch. */
  ts: z.number().int().nonnegative(),
});
export type Message = z.infer<typeof messageSchema>;

/** What a caller gives to make a message; id, time and signature are filled in. */
export interface MessageInit {
  channel: string;
  sender: string;
  payload: JsonValue;
  tags?: string[];
  antecedents?: string[];
  signature?: string | null;
  id?: string;
  ts?: number;
}

/** Builds and validates a message (the same check as a bus gives it: zod only names the problems of a bad one). */
export function createMessage(init: MessageInit): Message {
  return checkMessage(
    {
      id: init.id ?? newId('msg'),
      channel: init.channel,
      sender: init.sender,
      tags: init.tags ?? [],
      payload: init.payload,
      antecedents: init.antecedents ?? [],
      signature: init.signature ?? null,
      ts: init.ts ?? Date.now(),
    } as Message,
    { strip: true, field: '' },
  );
}

/** True when the message carries `tag` (tags compare case-insensitively). */
export function hasTag(message: Pick<Message, 'tags'>, tag: string): boolean {
  const wanted = tag.toLowerCase();
  return message.tags.some((candidate) => candidate.toLowerCase() === wanted);
}

/*
 * The check every message gets on its way onto a bus. The envelope is checked by hand
 * first and the payload by a direct walk; zod runs only when the quick check fails, to
 * name every problem. Both buses use it, so a message one accepts the other accepts.
 */

const envelopeSchema = messageSchema.extend({ payload: z.unknown() });
const envelopeKeys = new Set(Object.keys(envelopeSchema.shape));

/** Where `value` stops being JSON (a function, undefined, NaN, a class instance...), or null when it is JSON. */
function notJsonAt(value: unknown, path: string): { path: string; value: unknown } | null {
  const found = firstNonJson(value, 0);
  if (!found) return null;
  // The path is spelled out only for the refusal: a valid payload builds no strings.
  return { path: [path, ...found.keys.reverse()].join('.'), value: found.value };
}

function firstNonJson(value: unknown, depth: number): { keys: string[]; value: unknown } | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : { keys: [], value };
  if (depth > 64) return { keys: [], value: 'nested more than 64 levels' };
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = firstNonJson(value[index], depth + 1);
      if (found) {
        found.keys.push(String(index));
        return found;
      }
    }
    return null;
  }
  if (typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    // for-in rather than Object.keys: no array per object on a path every torch takes.
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined) continue;
      const found = firstNonJson(item, depth + 1);
      if (found) {
        found.keys.push(key);
        return found;
      }
    }
    return null;
  }
  return { keys: [], value };
}

/** What a non-JSON value is, in a few words (a function's whole source is never quoted). */
function describeNonJson(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `the BigInt ${cutText(String(value), { characters: 40 })}`;
  if (typeof value === 'symbol') return 'a symbol';
  if (value === undefined) return 'undefined';
  if (typeof value === 'object' && value !== null) return `an instance of ${cutText(value.constructor?.name || 'a class', { characters: 60 })}`;
  return cutText(String(value), { characters: 80 });
}

const channelPattern = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
const isStrings = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** A quick check of the envelope; only when it fails does zod run, to name every problem. */
function looksLikeMessage(message: Message): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const { id, channel, sender, tags, antecedents, signature, ts } = message;
  return (
    typeof id === 'string' && id.length > 0 &&
    typeof channel === 'string' && channel.length <= 128 && channelPattern.test(channel) &&
    typeof sender === 'string' && sender.length > 0 &&
    isStrings(tags) && tags.every((tag) => tag.length > 0) &&
    isStrings(antecedents) &&
    (signature === null || typeof signature === 'string') &&
    Number.isInteger(ts) && ts >= 0 &&
    onlyEnvelopeKeys(message)
  );
}

function onlyEnvelopeKeys(message: Message): boolean {
  for (const key in message) if (!envelopeKeys.has(key)) return false;
  return true;
}

/**
 * Checks a message on its way in: the envelope with zod, the payload with a direct walk
 * (much cheaper than a recursive schema on every torch). Returns the caller's object, or
 * with `strip` the envelope zod parsed (unknown keys dropped) when the quick check failed.
 */
export function checkMessage(message: Message, options: { what?: string; field?: string; strip?: boolean } = {}): Message {
  const what = options.what ?? 'message';
  if (!looksLikeMessage(message)) {
    const parsed = validate(envelopeSchema, message, { what, code: 'message_invalid', field: options.field ?? 'message' }) as Message;
    if (options.strip) message = parsed;
  }
  const field = options.field ?? 'message';
  const problem = notJsonAt(message.payload, field ? `${field}.payload` : 'payload');
  if (problem) {
    throw new ValidationError({
      code: 'message_invalid',
      message: `${what} is not valid: ${problem.path} is not a JSON value (got ${describeNonJson(problem.value)})`,
      issues: [{ field: problem.path, message: 'not a JSON value', given: describeNonJson(problem.value), allowed: 'string, finite number, boolean, null, array or plain object' }],
    });
  }
  return message;
}
