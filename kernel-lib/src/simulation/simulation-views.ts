import { inspect } from 'node:util';
import { TABLE_STYLE, USER_TEXT_CELL_STYLE, escapeHtml, tableThatScrolls, inertText, isolateText } from '../core';
import type { MimeBundle } from '../display';
import type { CouncilState } from './models';
import type { ActionRecord } from './simulation-record';

/** One row of a timeline: who did what, to whom, why, and what the world made of it. */
export interface TimelineRow {
  turn: number;
  agent: string;
  action: string;
  target: string;
  reason: string;
  outcome: string;
  resource_level: number;
  stability: number;
}

/** The rows of a timeline from action records. */
export function timelineRows(actions: readonly ActionRecord[]): TimelineRow[] {
  return actions.map((record) => ({
    turn: record.turn,
    agent: record.agent,
    action: record.action.type,
    target: record.action.type === 'support_agent' || record.action.type === 'oppose_agent' ? record.action.target : '',
    reason: record.action.reason,
    outcome: record.valid ? (record.trace.fallback ? 'fallback pass' : record.success ? 'ok' : 'failed') : `invalid ${record.proposed.type} → pass`,
    resource_level: record.state.resource_level,
    stability: record.state.stability,
  }));
}

/** The rows as text, one line each; what a model wrote is shown inert (control characters escaped). */
function textTable(rows: readonly TimelineRow[]): string {
  return rows
    .map((row) => inertText(`  turn ${row.turn} ${isolateText(row.agent)}: ${row.action}${row.target ? ` → ${isolateText(row.target)}` : ''} (${row.outcome}; resources ${row.resource_level}, stability ${row.stability}) — ${isolateText(row.reason)}`))
    .join('\n');
}

/** User text in HTML: escaped and isolated, so an override in a name stays inside it. */
function bdi(text: string): string {
  return `<bdi>${escapeHtml(text)}</bdi>`;
}

const USER = `<td style="${USER_TEXT_CELL_STYLE}">`;

function htmlTable(rows: readonly TimelineRow[]): string {
  const body = rows
    .map((row) => `<tr><td>${row.turn}</td>${USER}${bdi(row.agent)}</td><td>${escapeHtml(row.action)}</td>${USER}${bdi(row.target)}</td><td>${escapeHtml(row.outcome)}</td><td>${row.resource_level}</td><td>${row.stability}</td>${USER}${bdi(row.reason)}</td></tr>`)
    .join('');
  return tableThatScrolls(`<table style="${TABLE_STYLE}"><thead><tr><th>turn</th><th>agent</th><th>action</th><th>target</th><th>outcome</th><th>resources</th><th>stability</th><th>reason</th></tr></thead><tbody>${body}</tbody></table>`);
}

/** Who did what, with reasons: prints as text, displays as an HTML table. */
export class SimulationTimeline {
  constructor(
    readonly title: string,
    readonly rows: readonly TimelineRow[],
  ) {}

  /** The timeline as text, one line per action. */
  toString(): string {
    return `${isolateText(inertText(this.title))}: ${this.rows.length} actions\n${textTable(this.rows)}`;
  }

  /** The rich view: an HTML table and its text. */
  toMimeBundle(): MimeBundle {
    return { 'text/html': `<p><b>${bdi(this.title)}</b></p>${htmlTable(this.rows)}`, 'text/plain': this.toString() };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** One turn of a recorded run, for stepping: the state before and after and every action in between. */
export class TurnReplay {
  constructor(
    readonly turn: number,
    readonly before: CouncilState,
    readonly after: CouncilState,
    readonly actions: readonly ActionRecord[],
  ) {}

  /** The turn as text. */
  toString(): string {
    const head = `turn ${this.turn}: resources ${this.before.resource_level} → ${this.after.resource_level}, stability ${this.before.stability} → ${this.after.stability}`;
    return `${head}\n${textTable(timelineRows(this.actions))}`;
  }

  /** The rich view: an HTML table and its text. */
  toMimeBundle(): MimeBundle {
    const head = `turn ${this.turn}: resources ${this.before.resource_level} → ${this.after.resource_level}, stability ${this.before.stability} → ${this.after.stability}`;
    return { 'text/html': `<p><b>${escapeHtml(head)}</b></p>${htmlTable(timelineRows(this.actions))}`, 'text/plain': this.toString() };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
