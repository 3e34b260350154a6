import { z } from 'zod';
import { newId, validate } from '../core';
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

/** Builds and validates a message. */
export function createMessage(init: MessageInit): Message {
  return validate(
    messageSchema,
    {
      id: init.id ?? newId('msg'),
      channel: init.channel,
      sender: init.sender,
      tags: init.tags ?? [],
      payload: init.payload,
      antecedents: init.antecedents ?? [],
      signature: init.signature ?? null,
      ts: init.ts ?? Date.now(),
    },
    { what: 'message', code: 'message_invalid' },
  );
}

/** True when the message carries `tag` (tags compare case-insensitively). */
export function hasTag(message: Pick<Message, 'tags'>, tag: string): boolean {
  const wanted = tag.toLowerCase();
  return message.tags.some((candidate) => candidate.toLowerCase() === wanted);
}
