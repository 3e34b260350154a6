/** True when `value` is a promise or another thenable: await it; anything else is used as it is. */
export function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
