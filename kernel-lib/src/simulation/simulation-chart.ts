import { oneLine } from '../core';
import { playedTurns, shownActions, type SimulationPayload } from '../display';

/**
 * A vega-lite v5 spec of a simulation: resource_level and stability per turn above,
 * each agent's actions per turn below (colour = action, cross = failed).
 */
export function simulationVegaLiteSpec(payload: SimulationPayload): Record<string, unknown> {
  // The world's fields (the council's world: resource_level and stability).
  const fields = payload.measures ?? ['resource_level', 'stability'];
  const measures = payload.turns.flatMap((turn) => fields.map((measure) => ({ turn: turn.turn, measure, value: turn[measure] })));
  // An interrupted council's unfinished turn has no world point: its actions are left out too.
  const actions = shownActions(payload).actions.map((action) => ({
    ...action,
    target: action.target ?? '',
    outcome: action.success ? 'succeeded' : 'failed',
    chosen: action.fallback ? 'fallback' : 'model',
  }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: oneLine(payload.title, 80), subtitle: `${payload.status} · backend: ${payload.backend} · ${playedTurns(payload)} turn${playedTurns(payload) === 1 ? '' : 's'}${payload.fork ? ` · fork of run ${payload.fork.runId} after turn ${payload.fork.turn}: ${oneLine(payload.fork.label, 60)}` : ''}` },
    background: 'white',
    // The measures and the actions are different things: separate colour scales and legends.
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    vconcat: [
      {
        width: 520,
        height: 180,
        title: 'World state per turn',
        data: { values: measures },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'turn', type: 'quantitative', title: 'turn', axis: { tickMinStep: 1 } },
          y: { field: 'value', type: 'quantitative', title: 'level' },
          color: { field: 'measure', type: 'nominal', title: null },
          tooltip: [{ field: 'turn' }, { field: 'measure' }, { field: 'value' }],
        },
      },
      {
        width: 520,
        height: { step: 26 },
        title: 'Actions per agent',
        data: { values: actions },
        mark: { type: 'point', size: 140, filled: true, opacity: 0.9 },
        encoding: {
          x: { field: 'turn', type: 'ordinal', title: 'turn', axis: { labelAngle: 0 } },
          y: { field: 'agent', type: 'nominal', title: null },
          color: { field: 'action', type: 'nominal' },
          shape: { field: 'outcome', type: 'nominal', title: 'outcome', scale: { domain: ['succeeded', 'failed'], range: ['circle', 'cross'] } },
          tooltip: [
            { field: 'turn' },
            { field: 'agent' },
            { field: 'action' },
            { field: 'target' },
            { field: 'outcome' },
            { field: 'chosen' },
            { field: 'reason' },
            { field: 'message' },
          ],
        },
      },
    ],
  };
}
