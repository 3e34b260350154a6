import { z } from 'zod';
import { ValidationError, newId, validate } from '../core';
import { JSON_VALUES_ALLOWED, findNonJson, jsonValueSchema, type JsonValue } from './json-value';

/** What a channel name may be made of; the schema below and the bus's quick check share it. */
const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
const CHANNEL_NAME_MAX = 128;

/** A channel name: lowercase words joined by `-`, `_`, `.`, `:` or `/` (e.g. `crisis-update`). */
export const channelNameSchema = z
  .string()
  .min(1)
  .max(CHANNEL_NAME_MAX)
  .regex(CHANNEL_NAME, 'a channel name is letters, digits and . _ : / -');

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

/** Deepest nesting a payload may have (as `findNonJson` counts it). */
const PAYLOAD_MAX_DEPTH = 64;

/** True when `value` is JSON (undefined fields left out, as JSON does): the quick walk every payload gets; it builds nothing. */
function isJson(value: unknown, depth: number): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (depth >= PAYLOAD_MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) if (!isJson(value[index], depth + 1)) return false;
    return true;
  }
  if (typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    // for-in rather than Object.keys: no array per object on a path every torch takes.
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined && !isJson(item, depth + 1)) return false;
    }
    return true;
  }
  return false;
}

const isStrings = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** A quick check of the envelope; only when it fails does zod run, to name every problem. */
function looksLikeMessage(message: Message): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const { id, channel, sender, tags, antecedents, signature, ts } = message;
  return (
    typeof id === 'string' && id.length > 0 &&
    typeof channel === 'string' && channel.length <= CHANNEL_NAME_MAX && CHANNEL_NAME.test(channel) &&
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
  if (!isJson(message.payload, 0)) {
    // Only now is the payload walked again, to say where and what (`findNonJson` builds paths).
    const path = field ? `${field}.payload` : 'payload';
    const found = findNonJson(message.payload, path, { maxDepth: PAYLOAD_MAX_DEPTH, skipUndefinedFields: true }) ?? { field: path, kind: 'not a JSON value' };
    throw new ValidationError({
      code: 'message_invalid',
      message: `${what} is not valid: ${found.field} is not a JSON value (got ${found.kind})`,
      issues: [{ field: found.field, message: 'not a JSON value', given: found.kind, allowed: JSON_VALUES_ALLOWED }],
    });
  }
  return message;
}
