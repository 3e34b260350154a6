import { inertText, isolateText } from '../core';
import type { ActionRecord, SimulationEnd } from './simulation-record';

/** One readable console line for an action; what a model wrote is shown inert (control characters escaped). */
export function narrateAction(record: ActionRecord): string {
  const { action } = record;
  const target = action.type === 'support_agent' || action.type === 'oppose_agent' ? ` → ${isolateText(action.target)}` : '';
  const swapped = record.valid ? '' : ` [proposed ${record.proposed.type}: ${isolateText(record.invalidReason ?? '')}]`;
  const fallback = record.trace.fallback ? (record.trace.modelFailure ? ` [fallback: the model failed (${record.trace.modelFailure})]` : ' [fallback: no valid model answer]') : '';
  const reason = action.reason ? ` — "${isolateText(action.reason)}"` : '';
  return inertText(`turn ${record.turn} · ${isolateText(record.agent)}: ${action.type}${target}${swapped}${fallback}${reason} (resources ${record.state.resource_level}, stability ${record.state.stability})`);
}

/** The console line that ends a run. */
export function narrateEnd(name: string, end: SimulationEnd): string {
  return inertText(`${isolateText(name)}: stopped after turn ${end.turns} (${end.reason}); resources ${end.state.resource_level}, stability ${end.state.stability}`);
}
