import { playedTurns, shownActions, type SimulationAction, type SimulationPayload } from 'campfires/display';
import { element, userText } from './dom';
import { measuresOf } from './simulation-specs';

/** A council indexed by turn, so a timeline shows any turn in time independent of the run's length. */
export interface TurnIndex {
  payload: SimulationPayload;
  /** The turn numbers the world chart has a point for (0 is the start), in order. */
  positions: number[];
  /** Each turn's actions, in the order they were taken. */
  actionsOf: Map<number, SimulationAction[]>;
  /** The measures drawn. */
  measures: string[];
  /** `turn 3 of 12`, `the start (turn 0 of 12)`. */
  describe(position: number): string;
}

/** Indexes a payload's world points and the actions shown beside them by turn. */
export function turnIndex(payload: SimulationPayload): TurnIndex {
  const positions = payload.turns.map((turn) => turn.turn);
  const actionsOf = new Map<number, SimulationAction[]>();
  for (const action of shownActions(payload).actions) {
    const list = actionsOf.get(action.turn);
    if (list) list.push(action);
    else actionsOf.set(action.turn, [action]);
  }
  const played = playedTurns(payload);
  return {
    payload,
    positions,
    actionsOf,
    measures: measuresOf(payload),
    describe(position) {
      const turn = positions[position];
      if (turn === undefined) return 'no turns yet';
      return turn === 0 ? `the start (turn 0 of ${played})` : `turn ${turn} of ${played}`;
    },
  };
}

const number = new Intl.NumberFormat('en-US');

/** `prompt cut at 4,000 characters (12,345 in all)`. */
function capNote(what: string, cap: number | undefined, length: number | undefined): string | null {
  if (length === undefined) return null;
  return `${what} cut at ${number.format(cap ?? 0)} characters (${number.format(length)} in all)`;
}

/** A kept prompt or answer: a titled block of its text, and the cut it had when it had one. */
function keptText(title: string, text: string, note: string | null): HTMLElement[] {
  const parts: HTMLElement[] = [element('div', 'cf-detail-label', title), userText('pre', 'cf-turn-text', text)];
  if (note) parts.push(element('div', 'cf-turn-cap', note));
  return parts;
}

/**
 * One turn as a person reads it: the world after it (and how each measure moved), then
 * each agent's action, target, outcome and reason, and — when the run kept them — the
 * prompt the agent's model was sent and its raw answer, with the cap they were cut at.
 */
export function renderTurn(index: TurnIndex, position: number): HTMLElement {
  const { payload, positions, measures } = index;
  const turn = positions[position] ?? 0;
  const box = element('section', 'cf-turn', undefined, { 'data-turn': String(turn), 'aria-label': index.describe(position) });
  const point = payload.turns[position];
  const before = payload.turns[position - 1];
  box.append(element('div', 'cf-detail-label', turn === 0 ? 'The world at the start' : `The world after turn ${turn}`));
  const state = element('div', 'cf-turn-state');
  for (const measure of measures) {
    const value = point?.[measure];
    const item = element('span', 'cf-turn-measure', undefined, { 'data-measure': measure });
    item.append(userText('span', undefined, measure, 60), `: ${value ?? '–'}`);
    const previous = before?.[measure];
    if (typeof value === 'number' && typeof previous === 'number' && value !== previous) {
      const delta = value - previous;
      item.append(' ', element('span', delta > 0 ? 'cf-turn-delta-up' : 'cf-turn-delta-down', `(${delta > 0 ? '+' : '−'}${Math.abs(delta)})`));
    }
    state.append(item);
  }
  box.append(state);
  const actions = index.actionsOf.get(turn) ?? [];
  if (turn === 0) return box;
  if (actions.length === 0) {
    box.append(element('div', 'cf-turn-none', 'No actions recorded in this turn.'));
    return box;
  }
  const table = element('table', 'cf-turn-table');
  const head = element('tr');
  for (const title of ['agent', 'action', 'target', 'outcome', 'reason']) head.append(element('th', undefined, title));
  const thead = element('thead');
  thead.append(head);
  const body = element('tbody');
  for (const action of actions) {
    const row = element('tr', 'cf-turn-action', undefined, { 'data-agent': action.agent });
    const outcome = element('td', action.success ? 'cf-turn-ok' : 'cf-turn-failed', action.success ? 'succeeded' : 'failed');
    outcome.append(': ', userText('bdi', undefined, action.message, 300));
    if (action.fallback) outcome.append(' (policy fallback)');
    row.append(userText('td', 'cf-turn-agent', action.agent, 60), userText('td', 'cf-turn-kind', action.action, 60), userText('td', 'cf-turn-target', action.target ?? '—', 60), outcome, userText('td', 'cf-turn-reason', action.reason, 500));
    body.append(row);
    if (action.prompt !== undefined || action.answer !== undefined) {
      const more = element('tr', 'cf-turn-texts');
      const cell = element('td', undefined, undefined, { colspan: '5' });
      const details = element('details', 'cf-turn-model');
      const summary = element('summary');
      summary.append('What ', userText('bdi', undefined, action.agent, 60), "'s model was asked and answered");
      details.append(summary);
      if (action.prompt !== undefined) details.append(...keptText('Prompt', action.prompt, capNote('prompt', payload.textCap, action.promptLength)));
      if (action.answer !== undefined) details.append(...keptText('Raw model answer', action.answer, capNote('answer', payload.textCap, action.answerLength)));
      if (payload.textCap !== undefined) details.append(element('div', 'cf-turn-cap', `Prompts and answers are kept up to ${number.format(payload.textCap)} characters each.`));
      cell.append(details);
      more.append(cell);
      body.append(more);
    }
  }
  table.append(thead, body);
  box.append(table);
  return box;
}
