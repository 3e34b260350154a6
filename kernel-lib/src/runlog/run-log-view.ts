import { escapeHtml as escape } from '../core';
import { display, type MimeBundle } from '../display';
import type { RunInfo, RunLog } from './run-log';

function counts(runs: readonly RunInfo[]): string {
  const byKind = new Map<string, number>();
  for (const run of runs) byKind.set(run.kind, (byKind.get(run.kind) ?? 0) + 1);
  return [...byKind].map(([kind, count]) => `${count} ${kind}`).join(', ');
}

/** Where a forked simulation branches from (its meta's `fork`), in words; empty for any other run. */
function forkNote(run: RunInfo): string {
  const fork = run.meta.fork as { parentRunId?: unknown; turn?: unknown } | undefined;
  if (!fork || typeof fork !== 'object' || typeof fork.parentRunId !== 'string' || typeof fork.turn !== 'number') return '';
  return `fork of ${fork.parentRunId} after turn ${fork.turn}`;
}

/** One line about a run log: where it is and what runs it holds. */
export function runLogSummary(log: RunLog, schemaVersion: number): string {
  const runs = log.runs();
  return `SqliteRunLog ${log.path}: schema v${schemaVersion}, ${runs.length} run${runs.length === 1 ? '' : 's'}${runs.length ? ` (${counts(runs)})` : ''}`;
}

/** The newest runs of a log as an HTML table and text, for `show()`. */
export function runLogBundle(log: RunLog, schemaVersion: number, limit = 20): MimeBundle {
  const runs = log.runs().slice(-limit).reverse();
  const time = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19));
  const rows = runs
    .map((run) => `<tr><td>${escape(run.id)}</td><td>${escape(run.kind)}</td><td>${escape(run.name)}</td><td>${escape(run.status)}</td><td>${time(run.startedAt)}</td><td>${time(run.endedAt)}</td><td>${escape(forkNote(run))}</td></tr>`)
    .join('');
  const text = [runLogSummary(log, schemaVersion), ...runs.map((run) => `  ${run.id}  ${run.kind}  ${run.name}  ${run.status}  ${time(run.startedAt)}${forkNote(run) ? `  ${forkNote(run)}` : ''}`)].join('\n');
  return {
    'text/html': `<div><b>${escape(runLogSummary(log, schemaVersion))}</b><table><thead><tr><th>run</th><th>kind</th><th>name</th><th>status</th><th>started (UTC)</th><th>ended</th><th>branch</th></tr></thead><tbody>${rows}</tbody></table></div>`,
    'text/plain': text,
  };
}

/** Displays a run log's newest runs in the notebook. */
export function showRunLog(log: RunLog, schemaVersion: number): Promise<void> {
  return display({ toMimeBundle: () => runLogBundle(log, schemaVersion) });
}
