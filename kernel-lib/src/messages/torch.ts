import { z } from 'zod';
import { TORCH_MAX_BYTES, TorchTooLargeError, byteLength, formatBytes, validate, cutText } from '../core';
import { jsonValueSchema } from './json-value';
import { createMessage, hasTag, type Message } from './message';

/** The tag every torch message carries. */
export const TORCH_TAG = 'torch';
/** Version of the torch payload shape, stored with every torch. */
export const TORCH_VERSION = 1;

/**
 * A torch: one campfire's distilled output for one cycle, text only. Assets are
 * pointed at by `path` (local Party Box) or `url` (remote box), never carried.
 */
export const torchSchema = z
  .object({
    version: z.literal(TORCH_VERSION).default(TORCH_VERSION),
    claim: z.string().min(1, 'a torch needs a non-empty claim'),
    confidence: z.number().min(0).max(1).default(1),
    path: z.string().min(1).optional(),
    url: z.string().min(1).optional(),
    /** Small extra facts (`caption`, `sentiment`, `error`); counted in the 1 KiB. */
    metadata: z.record(z.string(), jsonValueSchema).default({}),
  })
  .strict();
export type Torch = z.output<typeof torchSchema>;
export type TorchInput = z.input<typeof torchSchema>;

/**
 * The torch zod would produce for the commonest answers (a claim, maybe a confidence),
 * built without running the schema; null sends anything else through zod.
 */
function plainTorch(input: TorchInput): Torch | null {
  if (typeof input !== 'object' || input === null || Object.getPrototypeOf(input) !== Object.prototype) return null;
  let keys = 0;
  for (const key in input) {
    if (key !== 'claim' && key !== 'confidence') return null;
    keys += 1;
  }
  const { claim, confidence } = input;
  if (typeof claim !== 'string' || claim.length === 0) return null;
  if (confidence === undefined) {
    if (keys !== 1) return null;
    return { version: TORCH_VERSION, claim, confidence: 1, metadata: {} };
  }
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) return null;
  return { version: TORCH_VERSION, claim, confidence, metadata: {} };
}

/** Validates a torch and refuses one whose JSON is over 1 KiB, naming its size. */
export function createTorch(input: TorchInput): Torch {
  const plain = plainTorch(input);
  // A plain torch's JSON is its claim (at most 6 bytes a character, escaped) and under 80 bytes
  // more: a short claim cannot reach the limit, so it needs no measuring.
  if (plain && plain.claim.length * 6 + 80 <= TORCH_MAX_BYTES) return plain;
  const torch = plain ?? validate(torchSchema, input, { what: 'torch', code: 'torch_invalid', field: 'torch' });
  const size = byteLength(JSON.stringify(torch));
  if (size > TORCH_MAX_BYTES) {
    throw new TorchTooLargeError({
      code: 'torch_too_large',
      message: `torch is ${formatBytes(size)} (${size} bytes) of JSON; a torch may be at most ${TORCH_MAX_BYTES} bytes. Put the bulk in the Party Box and send its path.`,
      issues: [{ field: 'torch', message: 'too large', given: size, allowed: { max: TORCH_MAX_BYTES } }],
      details: { bytes: size, limit: TORCH_MAX_BYTES, claim: cutText(torch.claim, { characters: 80 }, '') },
    });
  }
  return torch;
}

/** An error torch: what a camper that failed contributes instead of crashing the cycle. */
export function createErrorTorch(error: unknown, camper: string): Torch {
  const message = error instanceof Error ? error.message : String(error);
  return createTorch({
    claim: cutText(`${camper} failed: ${message}`, { characters: 300 }, ''),
    confidence: 0,
    metadata: { error: true, camper, errorCode: (error as { code?: string })?.code ?? 'camper_failed' },
  });
}

/** True when a torch is an error torch. */
export function isErrorTorch(torch: Torch): boolean {
  return torch.metadata.error === true;
}

/** Wraps a torch in a message tagged `torch` for `channel`. */
export function torchMessage(torch: Torch, init: { channel: string; sender: string; antecedents?: string[]; ts?: number }): Message {
  return createMessage({ ...init, tags: [TORCH_TAG], payload: torch });
}

/** Reads the torch out of a message, validating it (messages come from outside). */
export function torchOf(message: Message): Torch {
  if (!hasTag(message, TORCH_TAG)) {
    throw new TypeError(`message ${message.id} is not a torch (tags: ${message.tags.join(', ') || 'none'})`);
  }
  return createTorch(message.payload as TorchInput);
}
