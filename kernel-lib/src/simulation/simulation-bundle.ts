import { escapeHtml, validate } from '../core';
import { SIMULATION_MIME_TYPE, VEGA_LITE_MIME_TYPE, simulationPayloadSchema, type MimeBundle, type SimulationPayload } from '../display';
import { simulationVegaLiteSpec } from './simulation-chart';
import { renderVegaLiteSvg } from '../display';

/** How many actions the HTML and text fallbacks list (the newest). */
const ACTION_LIST_LIMIT = 40;

/** The text/plain form of a simulation: agents, the last world state and the newest actions. */
export function simulationText(payload: SimulationPayload): string {
  const last = payload.turns.at(-1);
  const fields = payload.measures ?? ['resource_level', 'stability'];
  const state = last ? `turn ${last.turn}: ${fields.map((field) => `${field} ${last[field]}`).join(', ')}` : 'no turns yet';
  const fallbacks = payload.actions.filter((action) => action.fallback).length;
  const actions = payload.actions.slice(-ACTION_LIST_LIMIT).map((action) => {
    const target = action.target ? ` -> ${action.target}` : '';
    const mark = action.fallback ? ' [fallback]' : '';
    return `  turn ${action.turn} ${action.agent}: ${action.action}${target} ${action.success ? 'ok' : 'failed'}${mark} - ${action.message}`;
  });
  return [
    `Simulation "${payload.title}" (${payload.status}, backend: ${payload.backend}): ${payload.agents.length} agents, ${payload.turns.length} turns, ${payload.actions.length} actions (${fallbacks} fallback)`,
    `  agents: ${payload.agents.map((agent) => `${agent.name} (${agent.policy})`).join(', ')}`,
    `  ${state}`,
    ...actions,
  ].join('\n');
}

/** The text/html form: the SVG chart (when rendered) and an action table; all model text escaped. */
export function simulationHtml(payload: SimulationPayload, svg: string | null): string {
  const rows = payload.actions
    .slice(-ACTION_LIST_LIMIT)
    .map(
      (action) =>
        `<tr><td>${action.turn}</td><td>${escapeHtml(action.agent)}</td><td>${escapeHtml(action.action)}</td><td>${escapeHtml(action.target ?? '')}</td><td>${action.success ? 'ok' : 'failed'}${action.fallback ? ' (fallback)' : ''}</td><td>${escapeHtml(action.reason)}</td><td>${escapeHtml(action.message)}</td></tr>`,
    )
    .join('');
  return [
    '<div class="campfires-simulation">',
    `<p><b>Simulation: ${escapeHtml(payload.title)}</b> · ${escapeHtml(payload.status)} · backend: ${escapeHtml(payload.backend)} · ${payload.agents.length} agents, ${payload.turns.length} turns</p>`,
    svg ?? '',
    rows
      ? `<table><thead><tr><th>turn</th><th>agent</th><th>action</th><th>target</th><th>outcome</th><th>reason</th><th>message</th></tr></thead><tbody>${rows}</tbody></table>`
      : '<p>No actions yet.</p>',
    '</div>',
  ].join('');
}

/**
 * The rich view of a simulation: our MIME type, a vega-lite chart, its SVG, HTML and text.
 * @example displayBundle(await simulationBundle(payload));
 */
export async function simulationBundle(payload: SimulationPayload): Promise<MimeBundle> {
  const checked = validate(simulationPayloadSchema, payload, { what: 'simulation payload', code: 'simulation_payload_invalid', field: 'payload' });
  const spec = simulationVegaLiteSpec(checked);
  let svg: string | null = null;
  try {
    svg = await renderVegaLiteSvg(spec);
  } catch (error) {
    process.stderr.write(`campfires: the simulation SVG could not be rendered (${(error as Error).message})\n`);
  }
  return {
    [SIMULATION_MIME_TYPE]: checked,
    [VEGA_LITE_MIME_TYPE]: spec,
    ...(svg ? { 'image/svg+xml': svg } : {}),
    'text/html': simulationHtml(checked, svg),
    'text/plain': simulationText(checked),
  };
}
