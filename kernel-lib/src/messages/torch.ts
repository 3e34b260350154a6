import { z } from 'zod';
import { TORCH_MAX_BYTES, TorchTooLargeError, ValidationError, byteLength, cutText, formatBytes, validate } from '../core';
import { findNonJson, JSON_VALUES_ALLOWED, jsonValueSchema } from './json-value';
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

/**
 * Torches this process built and checked. Each is deeply frozen, so it stays what was
 * checked: a camper handed one cannot enlarge it in place and send it on unchecked.
 */
const checkedTorches = new WeakSet<object>();

/** True when `value` is a torch `createTorch` returned (validated, frozen, so still valid). */
export function isCheckedTorch(value: unknown): value is Torch {
  return typeof value === 'object' && value !== null && checkedTorches.has(value);
}

/** Freezes a torch built here (zod and `plainTorch` return fresh objects: nothing of the caller's is frozen). */
function sealTorch(torch: Torch): Torch {
  const pending: object[] = [torch];
  while (pending.length > 0) {
    const current = pending.pop() as object;
    Object.freeze(current);
    for (const key in current) {
      const item = (current as Record<string, unknown>)[key];
      if (typeof item === 'object' && item !== null && !Object.isFrozen(item)) pending.push(item);
    }
  }
  checkedTorches.add(torch);
  return torch;
}

function tooLarge(size: number, claim: string, exact: boolean): TorchTooLargeError {
  const measured = exact ? `${formatBytes(size)} (${size} bytes)` : `over ${size} bytes`;
  return new TorchTooLargeError({
    code: 'torch_too_large',
    message: `torch is ${measured} of JSON; a torch may be at most ${TORCH_MAX_BYTES} bytes. Put the bulk in the Party Box and send its path.`,
    issues: [{ field: 'torch', message: 'too large', given: size, allowed: { max: TORCH_MAX_BYTES } }],
    details: { bytes: size, limit: TORCH_MAX_BYTES, claim: cutText(claim, { characters: 80 }, '') },
  });
}

/** The input without top-level keys set to undefined (optional torch fields), so only nested undefined is refused. */
function withoutUndefinedFields(input: object): object {
  let copy: Record<string, unknown> | null = null;
  for (const key of Object.keys(input)) {
    if ((input as Record<string, unknown>)[key] !== undefined) continue;
    copy ??= { ...(input as Record<string, unknown>) };
    delete copy[key];
  }
  return copy ?? input;
}

/**
 * Validates a torch and refuses one whose JSON is over 1 KiB, naming its size, and one
 * holding a value JSON cannot (BigInt, NaN, a cycle, a Date, ...), naming its field and
 * kind. The torch returned is a new, deeply frozen object; a torch it returned before is
 * given back as it is.
 */
export function createTorch(input: TorchInput): Torch {
  if (isCheckedTorch(input)) return input;
  const plain = plainTorch(input);
  // A plain torch's JSON is its claim (at most 6 bytes a character, escaped) and under 80 bytes
  // more: a short claim cannot reach the limit, so it needs no measuring.
  if (plain && plain.claim.length * 6 + 80 <= TORCH_MAX_BYTES) return sealTorch(plain);
  let checked: unknown = input;
  if (!plain) {
    if (typeof input === 'object' && input !== null) checked = withoutUndefinedFields(input);
    // Each JSON value takes at least a byte: past the limit's count of values the torch is too large.
    const found = findNonJson(checked, 'torch', { maxValues: TORCH_MAX_BYTES, maxDepth: TORCH_MAX_BYTES / 2 });
    if (found?.reason === 'too-many') throw tooLarge(TORCH_MAX_BYTES, typeof (input as { claim?: unknown })?.claim === 'string' ? (input as { claim: string }).claim : '', false);
    if (found) {
      throw new ValidationError({
        code: 'torch_not_json',
        message: `torch is not valid: ${found.field} is ${found.kind}, which JSON cannot hold; a torch holds only ${JSON_VALUES_ALLOWED}`,
        issues: [{ field: found.field, message: 'not a JSON value', given: found.kind, allowed: JSON_VALUES_ALLOWED }],
        details: { field: found.field, kind: found.kind },
      });
    }
  }
  const torch = plain ?? validate(torchSchema, checked, { what: 'torch', code: 'torch_invalid', field: 'torch' });
  const size = byteLength(JSON.stringify(torch));
  if (size > TORCH_MAX_BYTES) throw tooLarge(size, torch.claim, true);
  return sealTorch(torch);
}

/** An error torch: what a camper that failed contributes instead of crashing the cycle. */
export function createErrorTorch(error: unknown, camper: string): Torch {
  const code = (error as { code?: unknown } | null)?.code;
  return createTorch({
    claim: cutText(`${camper} failed: ${thrownText(error)}`, { characters: 300 }, ''),
    confidence: 0,
    metadata: { error: true, camper, errorCode: typeof code === 'string' ? code.slice(0, 100) : 'camper_failed' },
  });
}

/** The text of anything thrown, never throwing itself (an object without a prototype, a throwing toString). */
function thrownText(error: unknown): string {
  try {
    if (error instanceof Error) return String(error.message);
    const message = (error as { message?: unknown } | null)?.message;
    if (typeof message === 'string') return message;
    return typeof error === 'bigint' ? `${error}n` : String(error);
  } catch {
    return `a thrown ${typeof error} that has no text`;
  }
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
