import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/**
 * A new id that sorts by creation time: 12 base-36 characters of time and sequence,
 * then 8 random hex characters. `prefix` names what it is (`run`, `msg`).
 */
export function newId(prefix?: string): string {
  const now = Date.now();
  sequence = now === lastMs ? sequence + 1 : 0;
  lastMs = now;
  const time = now.toString(36).padStart(9, '0') + sequence.toString(36).padStart(3, '0');
  const id = `${time}${randomBytes(4).toString('hex')}`;
  return prefix ? `${prefix}_${id}` : id;
}
