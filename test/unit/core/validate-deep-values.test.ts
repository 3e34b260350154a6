import { z } from 'zod';
import { ValidationError } from 'campfires';
import { validate } from 'campfires/core';

/** A value nested `depth` deep: arrays, objects, or both in turn. */
function nestedValue(depth: number, shape: 'array' | 'object' | 'mixed'): unknown {
  let value: unknown = 'core';
  for (let level = 0; level < depth; level += 1) {
    const asArray = shape === 'array' || (shape === 'mixed' && level % 2 === 0);
    value = asArray ? [value] : { inner: value };
  }
  return value;
}

describe('validate on deeply nested input', () => {
  it.each([10, 1_000, 20_000, 100_000].flatMap((depth) => (['array', 'object', 'mixed'] as const).map((shape) => [depth, shape] as const)))(
    'describes a value %i deep (%s) in a short message instead of overflowing',
    (depth, shape) => {
      const schema = z.strictObject({ reason: z.string() });
      const error = (() => {
        try {
          validate(schema, { reason: nestedValue(depth, shape) }, { what: 'answer' });
        } catch (caught) {
          return caught;
        }
        return undefined;
      })() as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.message).toMatch(/^answer is not valid: reason: .* \(got [[{].*\)$/);
      expect(error.message.length).toBeLessThan(300);
    },
  );
});
