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
