import { ValidationError } from './campfires-error';

/** A duration as written in declarations and configs: a whole number and one of s, m, h, d. */
export const durationPattern = /^\d+[smhd]$/;

const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `30s`, `5m`, `2h` or `1d` into milliseconds; anything else is a `ValidationError` naming `field`. */
export function parseDuration(text: string, field = 'duration'): number {
  if (!durationPattern.test(text)) {
    throw new ValidationError({
      code: 'duration_invalid',
      message: `${field}: "${text}" is not a duration; use a whole number and s, m, h or d (e.g. 30s, 5m, 2h, 1d)`,
      issues: [{ field, message: 'not a duration', given: text, allowed: '^\\d+[smhd]$' }],
    });
  }
  const unit = text.slice(-1) as keyof typeof unitMs;
  return Number(text.slice(0, -1)) * unitMs[unit];
}

/** Formats milliseconds as the largest whole unit: 90000 -> `90s`, 300000 -> `5m`. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % unitMs[unit] === 0 && ms >= unitMs[unit]) return `${ms / unitMs[unit]}${unit}`;
  }
  return `${ms}ms`;
}
