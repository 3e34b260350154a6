import { cutText, shownActions, type SimulationPayload } from 'campfires/display';

/** A vega-lite spec as plain JSON (the renderer hands it to vega-embed). */
export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The world's fields a chart draws: the payload's `measures` (your own world), else the council's two. */
export function measuresOf(payload: Pick<SimulationPayload, 'measures'>): string[] {
  return payload.measures && payload.measures.length > 0 ? payload.measures : ['resource_level', 'stability'];
}

/**
 * Line chart of the world's measures per turn (resource_level and stability, or your own
 * world's fields) and a hover rule for exact values. The timeline's cursor is laid over
 * the chart by the renderer.
 */
export function worldStateSpec(payload: SimulationPayload): VegaLiteSpec {
  const measures = measuresOf(payload);
  const values = payload.turns.flatMap((turn) => measures.filter((measure) => typeof turn[measure] === 'number').map((measure) => ({ turn: turn.turn, measure, value: turn[measure] })));
  return {
    $schema: SCHEMA,
    description: 'World state per turn',
    title: 'World state per turn',
    width: 'container',
    height: 180,
    data: { values },
    encoding: {
      x: { field: 'turn', type: 'quantitative', title: 'turn', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: 'level' },
      color: { field: 'measure', type: 'nominal', title: null, sort: measures },
    },
    layer: [
      { mark: { type: 'line', point: true }, encoding: { tooltip: [{ field: 'turn' }, { field: 'measure' }, { field: 'value' }] } },
      {
        params: [{ name: 'hover', select: { type: 'point', fields: ['turn'], on: 'pointerover', nearest: true, clear: 'pointerout' } }],
        mark: { type: 'rule', color: 'gray' },
        encoding: { opacity: { condition: { param: 'hover', empty: false, value: 0.4 }, value: 0 } },
      },
    ],
  };
}

/** Each agent's actions by turn: shape shows success, hollow marks are policy fallbacks, tooltips give the reason. */
export function agentActionsSpec(payload: SimulationPayload): VegaLiteSpec {
  // A stopped council's unfinished turn has no world point: its actions are not drawn either.
  const values = shownActions(payload).actions.map((action) => ({
    turn: action.turn,
    // Vega shortens long labels by UTF-16 units; a label cut here first never splits an emoji.
    agent: cutText(action.agent.replace(/\s+/g, ' '), { characters: 24 }),
    action: action.action,
    target: action.target ?? '',
    reason: action.reason,
    outcome: action.success ? 'succeeded' : 'failed',
    message: action.message,
    source: action.fallback ? 'policy fallback' : 'model',
  }));
  return {
    $schema: SCHEMA,
    description: "Each agent's actions by turn",
    title: "Each agent's actions",
    width: 'container',
    height: { step: 28 },
    data: { values },
    params: [{ name: 'pick', select: { type: 'point', fields: ['action'] }, bind: 'legend' }],
    mark: { type: 'point', size: 120, strokeWidth: 2 },
    encoding: {
      x: { field: 'turn', type: 'quantitative', title: 'turn', axis: { tickMinStep: 1 } },
      y: { field: 'agent', type: 'nominal', title: null },
      color: { field: 'action', type: 'nominal' },
      // Below the chart: beside the action legend it would not fit the height of a small council.
      shape: {
        field: 'outcome',
        type: 'nominal',
        scale: { domain: ['succeeded', 'failed'], range: ['circle', 'cross'] },
        legend: { orient: 'bottom', direction: 'horizontal' },
      },
      fill: {
        // Same field and scale as `color`, so the two share one action legend (a null legend here would hide it).
        condition: { test: "datum.source === 'model'", field: 'action', type: 'nominal' },
        value: 'transparent',
      },
      opacity: { condition: { param: 'pick', value: 1 }, value: 0.15 },
      tooltip: [
        { field: 'turn' },
        { field: 'agent' },
        { field: 'action' },
        { field: 'target' },
        { field: 'outcome' },
        { field: 'reason' },
        { field: 'message' },
        { field: 'source' },
      ],
    },
  };
}
