/** Small DOM helpers that only ever set text, so untrusted strings never become markup. */
import { cutText } from 'campfires/display';

/** Attributes for {@link element}: plain string attributes, set with setAttribute. */
export type Attributes = Record<string, string>;

/** Creates an HTML element with a class, attributes and text content (never innerHTML). */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
  attributes: Attributes = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element with attributes and optional text content. */
export function svgElement<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number> = {},
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Returns the URL when it is http(s), else null: torch URLs are untrusted and `javascript:` must never become a link. */
export function safeHttpUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Control characters and backslashes: no link a torch carries needs them, and browsers read `\\` as `/`. */
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_LINK = /[\u0000-\u001f\u007f\\]/;

/**
 * Returns the URL when it leads to this Jupyter server (http(s), same origin as the page
 * once resolved), else null: `//host/x`, `/\\host/x`, `javascript:` and other hosts never
 * become links to follow from a Party Box path.
 */
export function sameServerUrl(url: string, base: string = window.location.href): string | null {
  if (UNSAFE_IN_LINK.test(url)) return null;
  try {
    const parsed = new URL(url, base);
    const page = new URL(base);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
    // The URL as given: it resolves to this page's origin, with no character a browser would rewrite.
    return parsed.origin === page.origin ? url : null;
  } catch {
    return null;
  }
}

/**
 * True for a Party Box path that names a file on this server: relative (`party_box/a.md`)
 * or with one leading slash (`/files/a.md`); never a scheme (`javascript:`, `https:`), a
 * host (`//host`), a backslash or a control character.
 */
export function isServerPath(path: string): boolean {
  if (path === '' || UNSAFE_IN_LINK.test(path)) return false;
  if (path.startsWith('//')) return false;
  return !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path);
}

/**
 * An element showing user text: its direction isolated (`dir="auto"`, so a right-to-left
 * override stays inside it), cut to `max` characters on a character boundary, and the
 * whole text in its tooltip when cut.
 */
export function userText<K extends keyof HTMLElementTagNameMap>(tag: K, className: string | undefined, text: string, max = Infinity): HTMLElementTagNameMap[K] {
  const single = max === Infinity ? text : text.replace(/\s+/g, ' ').trim();
  const shown = max === Infinity ? text : cutText(single, { characters: max });
  const node = element(tag, className, shown, { dir: 'auto' });
  if (shown !== text) node.title = cutText(text, { characters: 2000 });
  return node;
}
