import { escapeHtml } from '../core';
import type { MimeBundle } from './payloads';

/**
 * A titled table as a MIME bundle: HTML for any Jupyter front end, text for a terminal.
 * Every cell is text and is escaped.
 * @example tableBundle('Channels', ['channel', 'listeners'], [['headlines', 1]]);
 */
export function tableBundle(title: string, headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): MimeBundle {
  const head = headers.map((header) => `<th>${escapeHtml(header)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('');
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => String(row[column] ?? '').length)));
  const line = (cells: ReadonlyArray<string | number>) => cells.map((cell, column) => String(cell).padEnd(widths[column])).join('  ').trimEnd();
  return {
    'text/html': `<div><b>${escapeHtml(title)}</b><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`,
    'text/plain': [title, ...(rows.length > 0 ? [`  ${line(headers)}`, ...rows.map((row) => `  ${line(row)}`)] : [])].join('\n'),
  };
}
