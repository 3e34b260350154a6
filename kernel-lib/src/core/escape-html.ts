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
