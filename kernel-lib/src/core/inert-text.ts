/**
 * Model text made safe to print on a terminal: control characters (C0 except tab, DEL, C1)
 * are shown as visible escapes (`\u001b`, `\r`, `\n`...) instead of acting. A reason a model
 * wrote can then neither clear the screen, move the cursor, colour the console, set the
 * window title (OSC) nor overwrite the line it is on.
 * @example inertText('ok\u001b[2J') // 'ok\\u001b[2J'
 */
export function inertText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE. */
const ISOLATE_START = '\u2068';
const ISOLATE_END = '\u2069';

/**
 * Characters that can reorder the words around them: the bidirectional controls
 * (U+202A–U+202E overrides and embeddings, U+2066–U+2069 isolates, the marks) and the
 * right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko... and their supplements).
 */
const REORDERING = /[\p{Bidi_Control}\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF\u{10800}-\u{10FFF}\u{1E800}-\u{1EFFF}]/u;

/**
 * User text (a name, a title, a reason) wrapped in Unicode isolates for plain-text output
 * when it holds anything that could reorder what follows: its direction is then its own,
 * and an override inside it (U+202E) ends at the closing isolate instead of reversing the
 * library's words after it. Text without such characters is returned as it is. HTML
 * uses `<bdi>` instead.
 * @example `Simulation "${isolateText(name)}" · 4 agents`
 */
export function isolateText(text: string): string {
  return REORDERING.test(text) ? `${ISOLATE_START}${text}${ISOLATE_END}` : text;
}
