import { z } from 'zod';
import { validate } from '../core';

/** The `reveal` option of a run: `true`, `false`, or `{ steps, stepMs }`. */
export const revealOptionSchema = z.union([
  z.boolean(),
  z
    .object({
      /** In how many pieces the answer appears (default 4). */
      steps: z.number().int().min(1).max(50).default(4),
      /** The pause after each piece, in ms (default 150). */
      stepMs: z.number().int().min(0).max(5_000).default(150),
    })
    .strict(),
]);

/**
 * Reveal an answer that did not stream (a deterministic camper or persona-policy agent, a
 * scripted or cassette model) in a few steps before it is final, so a run without a model
 * shows the same "writing" flow a streaming model does. `true` is `{ steps: 4, stepMs: 150 }`.
 */
export type RevealOption = z.input<typeof revealOptionSchema>;

/** Reveal settings as engines use them: pieces and the pause after each. */
export interface RevealSettings {
  steps: number;
  stepMs: number;
}

/** Checks a `reveal` option; null when it is off. */
export function revealSettings(option: unknown, what: string): RevealSettings | null {
  if (option === undefined) return null;
  return revealSettingsOf(validate(revealOptionSchema, option, { what, code: 'reveal_invalid', field: 'reveal' }));
}

/** Reveal settings of an already checked `reveal` option; null when it is off. */
export function revealSettingsOf(checked: z.output<typeof revealOptionSchema> | undefined): RevealSettings | null {
  if (checked === undefined || checked === false) return null;
  return checked === true ? { steps: 4, stepMs: 150 } : checked;
}

/** `text` as `steps` growing prefixes (the last is the whole text), cut between code points. */
export function revealPieces(text: string, steps: number): string[] {
  const points = [...text];
  const count = Math.max(1, Math.min(steps, points.length));
  const pieces: string[] = [];
  let from = 0;
  for (let step = 1; step <= count; step += 1) {
    const to = Math.round((points.length * step) / count);
    pieces.push(points.slice(from, to).join(''));
    from = to;
  }
  return pieces;
}

/** Waits `ms` of wall time without keeping the process alive for it. */
export function pause(ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, ms));
}
