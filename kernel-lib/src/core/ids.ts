import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;
/** Random bytes fetched 4 KiB at a time: one call into the system per thousand ids. */
let pool = Buffer.alloc(0);
let poolAt = 0;

function randomHex8(): string {
  if (poolAt + 4 > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  poolAt += 4;
  return pool.toString('hex', poolAt - 4, poolAt);
}

/**
 * A new id that sorts by creation time: 12 base-36 characters of time and sequence,
 * then 8 random hex characters. `prefix` names what it is (`run`, `msg`).
 */
export function newId(prefix?: string): string {
  const now = Date.now();
  sequence = now === lastMs ? sequence + 1 : 0;
  lastMs = now;
  const time = now.toString(36).padStart(9, '0') + sequence.toString(36).padStart(3, '0');
  const id = `${time}${randomHex8()}`;
  return prefix ? `${prefix}_${id}` : id;
}
