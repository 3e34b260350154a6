const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML element content and quoted attributes. Every text/html
 * fallback the library builds (torch flows, simulations, run logs, Party Box
 * listings, operation help) passes torch, model and user text through here.
 * @example escapeHtml('<b onmouseover="x()">') // '&lt;b onmouseover=&quot;x()&quot;&gt;'
 */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (character) => HTML_ENTITIES[character] ?? character);
}

/**
 * Style of an HTML table the library builds around user text: its headers and numbers
 * break only between words (a container's `overflow-wrap:anywhere` would let the table
 * squeeze "runs" into "ru ns").
 */
export const TABLE_STYLE = 'overflow-wrap:normal;word-break:normal';

/** Wraps a table so that, in an output narrower than its whole words, it scrolls on its own instead of the output. */
export function tableThatScrolls(table: string): string {
  return `<div style="overflow-x:auto;max-width:100%">${table}</div>`;
}

/**
 * Style of a table cell holding user text: it wraps anywhere, so a 10 KB name cannot widen
 * the table, and is never squeezed narrower than a short word.
 */
export const USER_TEXT_CELL_STYLE = 'overflow-wrap:anywhere;min-width:6em';
