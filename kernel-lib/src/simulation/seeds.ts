/** The largest seed handed out: seeds stay positive 31-bit integers, which every model API accepts. */
const SEED_RANGE = 0x7fffffff;

/** FNV-1a over the text, then a finaliser that spreads every bit (as MurmurHash3's). */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    h ^= text.charCodeAt(index);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A seed derived from another and some names: the same inputs give the same seed on any
 * machine, different inputs give unrelated seeds (repeat 2 of an experiment seeded 7, a
 * tie-break of Ada in turn 3 of a run seeded 12345).
 * @example deriveSeed(7, 'repeat', 2) // the same number every time
 */
export function deriveSeed(seed: number, ...parts: readonly (string | number)[]): number {
  return hash32(JSON.stringify([seed, ...parts])) % SEED_RANGE;
}

/** Checks a seed a user gave: a whole number from 0 to 2^31 - 1. */
export function isSeed(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= SEED_RANGE;
}

/** How seeds are described in errors. */
export const SEED_ALLOWED = `a whole number from 0 to ${SEED_RANGE}`;
