import { element, userText } from './dom';

/** One pending answer of a live payload: who is writing, and the newest text so far. */
export interface ThinkingRow {
  /** Where it sits: "cycle 3 · summary (alert-llm)" or "turn 4 · Mara". */
  where: string;
  text: string;
  /** A deterministic answer revealed in steps rather than a model's stream. */
  revealed: boolean;
}

/**
 * The model text arriving in a live run, one row per campfire or agent writing now; nothing
 * once the run has stopped (its payload has no `thinking`), so a saved notebook keeps none.
 */
export function thinkingRows(rows: readonly ThinkingRow[] | undefined): HTMLElement | null {
  if (!rows || rows.length === 0) return null;
  const list = element('div', 'cf-thinking', undefined, { 'aria-live': 'polite' });
  for (const row of rows) {
    const line = element('div', 'cf-thinking-row');
    line.append(userText('span', 'cf-thinking-where', row.where, 80), element('i', 'cf-thinking-verb', row.revealed ? ' answering… ' : ' writing… '));
    const text = userText('span', 'cf-thinking-text', row.text);
    text.style.whiteSpace = 'pre-wrap';
    text.style.overflowWrap = 'anywhere';
    line.append(text);
    list.append(line);
  }
  return list;
}
