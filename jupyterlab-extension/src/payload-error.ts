import type { z } from 'zod';
import { cutText } from 'campfires/display';
import { element } from './dom';

/** Result of checking a MIME payload against its schema. */
export type PayloadCheck<T> = { success: true; data: T } | { success: false; element: HTMLElement };

/**
 * Validates a payload with its zod schema; on failure returns a readable error
 * listing each field, what was given and what the schema expected.
 */
export function checkPayload<S extends z.ZodType>(
  schema: S,
  mimeType: string,
  data: unknown,
): PayloadCheck<z.output<S>> {
  const result = schema.safeParse(data);
  if (result.success) return { success: true, data: result.data };
  const box = element('div', 'cf-payload-error');
  box.setAttribute('role', 'alert');
  box.append(element('strong', undefined, `Campfires could not show this output: the ${mimeType} payload is not valid.`));
  const list = element('ul');
  for (const issue of result.error.issues.slice(0, 20)) {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(payload)';
    const given = describeValue(valueAt(data, issue.path));
    list.append(element('li', undefined, `${cutText(field, { characters: 120 })}: ${issue.message} (got ${given})`, { dir: 'auto' }));
  }
  if (result.error.issues.length > 20) {
    list.append(element('li', undefined, `... and ${result.error.issues.length - 20} more problems`));
  }
  box.append(list);
  return { success: false, element: box };
}

function valueAt(data: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = data;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return cutText(text, { characters: 60 }, '...');
}
