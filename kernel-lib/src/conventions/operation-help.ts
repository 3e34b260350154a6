import { inspect } from 'node:util';
import { escapeHtml, formatDuration } from '../core';
import { describeArgType } from './args';
import { camelName, kebabName, type ParsedDeclaration } from './declaration';

/** A MIME bundle (as the notebook module displays it). */
type Bundle = Record<string, unknown>;

/** How an operation answers, in words: `sync, waits up to 10s` / `async, returns the message id`. */
export function describeResponse(parsed: ParsedDeclaration): string {
  const { mode, explicit } = parsed.response;
  if (mode === 'sync' && explicit) return `sync: waits up to ${formatDuration(parsed.timeoutMs)} for the reply`;
  if (mode === 'async') return 'async: returns the message id; the reply comes later';
  if (mode === 'none') return 'none: returns the message id; no reply';
  return 'sync by default (not declared): returns the message id without waiting';
}

/** One row per arg: the name a cell uses, the CLI flag, type and limits, required, default. */
export function helpRows(parsed: ParsedDeclaration): { name: string; cell: string; flag: string; type: string; required: string; default: string; description: string }[] {
  return parsed.declaration.args.map((arg) => ({
    name: arg.name,
    cell: camelName(arg.name),
    flag: `--${kebabName(arg.name)}`,
    type: `${arg.type}: ${describeArgType(arg)}`,
    required: arg.required ? 'yes' : 'no',
    default: arg.default === undefined ? '' : JSON.stringify(arg.default),
    description: arg.description ?? '',
  }));
}

function facts(parsed: ParsedDeclaration): string[] {
  const { declaration } = parsed;
  const lines = [`response: ${describeResponse(parsed)}`, `signing: ${parsed.signing}${parsed.authorized ? '' : ' (declared campfire_key, not authorised)'}`];
  if (parsed.rateLimit) lines.push(`rate limit: ${parsed.rateLimit.max} per ${parsed.rateLimit.window} per ${parsed.rateLimit.per}`);
  if (declaration.min_operator_level) lines.push(`needs operator level ${declaration.min_operator_level}`);
  if (parsed.antecedents !== 'none') lines.push(`antecedents: ${parsed.antecedents}`);
  return lines;
}

/** The help of one operation: a text table for `util.inspect` and an HTML table for notebooks. */
export class OperationHelp {
  constructor(readonly parsed: ParsedDeclaration) {}

  /** Plain-text help, as printed by `cf <campfire> <operation> --help` and cells. */
  toString(): string {
    const { declaration } = this.parsed;
    const rows = helpRows(this.parsed);
    const header = ['arg', 'type and limits', 'required', 'default'];
    const body = rows.map((row) => [row.cell === row.name ? row.name : `${row.cell} (${row.name})`, row.type, row.required, row.default]);
    const widths = header.map((title, index) => Math.min(60, Math.max(title.length, ...body.map((cells) => (cells[index] as string).length))));
    const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index] as number)).join('  ').trimEnd();
    return [
      `${camelName(declaration.operation)} — ${declaration.convention}:${declaration.operation}@${declaration.version}${declaration.description ? `: ${declaration.description}` : ''}`,
      ...facts(this.parsed).map((fact) => `  ${fact}`),
      '',
      rows.length === 0 ? '  (no args)' : [line(header), ...body.map(line)].map((text) => `  ${text}`).join('\n'),
    ].join('\n');
  }

  /** text/html table (each arg as a cell spells it and as a `cf` flag, never broken after its dashes) plus text/plain. */
  toMimeBundle(): Bundle {
    const { declaration } = this.parsed;
    const rows = helpRows(this.parsed)
      .map((row) => `<tr><td><code>${escapeHtml(row.cell)}</code></td><td><code style="white-space:nowrap">${escapeHtml(row.flag)}</code></td><td>${escapeHtml(row.type)}</td><td>${row.required}</td><td>${escapeHtml(row.default)}</td><td>${escapeHtml(row.description)}</td></tr>`)
      .join('');
    const html = `<div class="campfires-operation"><b>${escapeHtml(camelName(declaration.operation))}</b> <code>${escapeHtml(`${declaration.convention}:${declaration.operation}@${declaration.version}`)}</code> ${escapeHtml(declaration.description ?? '')}<ul>${facts(this.parsed).map((fact) => `<li>${escapeHtml(fact)}</li>`).join('')}</ul><table><thead><tr><th>arg</th><th>cf flag</th><th>type and limits</th><th>required</th><th>default</th><th>description</th></tr></thead><tbody>${rows}</tbody></table></div>`;
    return { 'text/html': html, 'text/plain': this.toString() };
  }

  /** Displays the help table in the notebook (text outside a kernel). */
  show(): void {
    showBundle(this.toMimeBundle());
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Sends a bundle to the notebook; loaded lazily so the `cf` CLI never loads the display code. */
export function showBundle(bundle: Bundle): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { displayBundle } = require('../display') as typeof import('../display');
  displayBundle(bundle);
}
