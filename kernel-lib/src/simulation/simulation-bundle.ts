import { escapeHtml, isolateText, oneLine, validate } from '../core';
import { SIMULATION_MIME_TYPE, VEGA_LITE_MIME_TYPE, playedTurns, shownActions, simulationPayloadSchema, type MimeBundle, type SimulationPayload } from '../display';
import { simulationVegaLiteSpec } from './simulation-chart';
import { renderVegaLiteSvg, svgThatFits } from '../display';

/** How many actions the HTML and text fallbacks list (the newest). */
const ACTION_LIST_LIMIT = 40;

/** `1 turn`, `12 turns`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** A turn cut short (an interrupted council) has actions but no world point: said, not drawn. */
function unfinishedNote(unfinished: number): string {
  return unfinished > 0 ? ` (${count(unfinished, 'action')} of an unfinished turn not shown)` : '';
}

/** The text/plain form of a simulation: agents, the last world state and the newest actions; names isolated. */
export function simulationText(payload: SimulationPayload): string {
  const last = payload.turns.at(-1);
  const fields = payload.measures ?? ['resource_level', 'stability'];
  const values = last ? fields.map((field) => `${field} ${last[field]}`).join(', ') : '';
  const state = last ? (last.turn === 0 ? `start: ${values}` : `turn ${last.turn}: ${values}`) : 'no turns yet';
  const { actions, unfinished } = shownActions(payload);
  const fallbacks = actions.filter((action) => action.fallback).length;
  const lines = actions.slice(-ACTION_LIST_LIMIT).map((action) => {
    const target = action.target ? ` -> ${isolateText(oneLine(action.target, 40))}` : '';
    const mark = action.fallback ? ' [fallback]' : '';
    return `  turn ${action.turn} ${isolateText(oneLine(action.agent, 40))}: ${isolateText(oneLine(action.action, 40))}${target} ${action.success ? 'ok' : 'failed'}${mark} - ${isolateText(oneLine(action.message, 200))}`;
  });
  return [
    `Simulation "${isolateText(oneLine(payload.title, 120))}" (${payload.status}, backend: ${isolateText(oneLine(payload.backend, 40))}): ${count(payload.agents.length, 'agent')}, ${count(playedTurns(payload), 'turn')}, ${count(actions.length, 'action')} (${fallbacks} fallback)${unfinishedNote(unfinished)}`,
    ...(payload.fork ? [`  ${forkNote(payload.fork)}`] : []),
    `  agents: ${payload.agents.map((agent) => `${isolateText(oneLine(agent.name, 40))} (${isolateText(oneLine(agent.policy, 40))})`).join(', ')}`,
    `  ${state}`,
    ...lines,
    ...(payload.thinking ?? []).map((row) => `  … turn ${row.turn} ${isolateText(oneLine(row.agent, 40))} ${row.revealed ? 'deciding' : 'thinking'}: ${isolateText(oneLine(row.text, 200))}`),
  ].join('\n');
}

/** Where a fork branches from, in words: `fork of run run_x after turn 6: Mara → Gus`; the label isolated. */
export function forkNote(fork: NonNullable<SimulationPayload['fork']>): string {
  return `fork of run ${oneLine(fork.runId, 60)} after turn ${fork.turn}: ${isolateText(oneLine(fork.label, 80))}`;
}

/** User text in the HTML fallback: escaped and isolated. */
function bdi(text: string): string {
  return `<bdi>${escapeHtml(text)}</bdi>`;
}

const WRAP = 'overflow-wrap:anywhere;word-break:break-word';

/** The text/html form: the SVG chart (when rendered) and an action table; all model text escaped and isolated. */
export function simulationHtml(payload: SimulationPayload, svg: string | null): string {
  const { actions, unfinished } = shownActions(payload);
  const rows = actions
    .slice(-ACTION_LIST_LIMIT)
    .map(
      (action) =>
        `<tr><td>${action.turn}</td><td>${bdi(action.agent)}</td><td>${bdi(action.action)}</td><td>${bdi(action.target ?? '')}</td><td>${action.success ? 'ok' : 'failed'}${action.fallback ? ' (fallback)' : ''}</td><td>${bdi(action.reason)}</td><td>${bdi(action.message)}</td></tr>`,
    )
    .join('');
  // What the deciding agent is writing: a pending row after the actions, replaced by its action once applied.
  const pending = (payload.thinking ?? [])
    .map(
      (row) =>
        `<tr class="campfires-thinking" style="color:#555" aria-live="polite"><td>${row.turn}</td><td>${bdi(row.agent)}</td><td colspan="5"><i>${row.revealed ? 'deciding' : 'thinking'}…</i> <bdi style="white-space:pre-wrap">${escapeHtml(row.text)}</bdi></td></tr>`,
    )
    .join('');
  return [
    `<div class="campfires-simulation" style="max-width:100%;${WRAP}">`,
    `<p><b>Simulation: ${bdi(payload.title)}</b> · ${escapeHtml(payload.status)} · backend: ${bdi(payload.backend)} · ${count(payload.agents.length, 'agent')}, ${count(playedTurns(payload), 'turn')}${escapeHtml(unfinishedNote(unfinished))}${payload.fork ? ` · fork of run ${escapeHtml(payload.fork.runId)} after turn ${payload.fork.turn}: ${bdi(payload.fork.label)}` : ''}</p>`,
    svg ? svgThatFits(svg) : '',
    rows || pending
      ? `<table style="table-layout:fixed;width:100%"><thead><tr><th>turn</th><th>agent</th><th>action</th><th>target</th><th>outcome</th><th>reason</th><th>message</th></tr></thead><tbody>${rows}${pending}</tbody></table>`
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
