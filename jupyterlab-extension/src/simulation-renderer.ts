import { thinkingRows } from './thinking-rows';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { playedTurns, shownActions, simulationPayloadSchema, type SimulationPayload } from 'campfires/display';
import { element, userText } from './dom';
import { SIMULATION_MIME } from './mime-types';
import { checkPayload } from './payload-error';
import { agentActionsSpec, measuresOf, worldStateSpec, type VegaLiteSpec } from './simulation-specs';
import { TimelineControl } from './timeline-control';
import { renderTurn, turnIndex, type TurnIndex } from './simulation-turn';

/** The part of a vega view the renderer uses: its width signal, and where a turn falls on its x axis (for the cursor). */
export interface ChartView {
  signal(name: string, value: unknown): unknown;
  runAsync(): Promise<unknown>;
  container?(): HTMLElement | null;
  /** The plot's height in pixels. */
  height?(): number;
  scale?(name: string): ((value: number) => number) | undefined;
}

/** Draws one vega-lite spec into an element (vega-embed's signature, reduced to what we use). */
export type EmbedChart = (target: HTMLElement, spec: VegaLiteSpec) => Promise<{ finalize(): void; view?: ChartView }>;

/** Loads vega-embed only when the first chart is drawn: it is large and most outputs never need it. */
export const loadVegaEmbed = async (): Promise<EmbedChart> => {
  const module = await import('vega-embed');
  const embed = module.default;
  return (target, spec) => embed(target, spec as never, { actions: { export: true, source: false, compiled: false, editor: false }, renderer: 'svg' });
};

/** Options of the simulation renderer; `loadEmbed` swaps the chart library (tests). */
export interface SimulationRendererOptions {
  mimeType?: string;
  loadEmbed?: () => Promise<EmbedChart>;
}

/**
 * Renders `application/vnd.campfires.simulation.v1+json`: a summary line, a timeline over
 * the turns, interactive vega-lite charts of the world state (with a cursor at the turn
 * shown) and of each agent's actions, what each agent did in the turn shown (and, when the
 * run kept them, its prompt and the model's raw answer), and the agents' policies. It
 * starts at the last turn; everything comes from the payload, so it works without a kernel.
 */
export class SimulationRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly mimeType: string;
  private readonly loadEmbed: () => Promise<EmbedChart>;
  private views: Array<{ finalize(): void; view?: ChartView }> = [];
  private control: TimelineControl | null = null;
  private turns: TurnIndex | null = null;
  private turnHost: HTMLElement | null = null;
  /** The turn a person chose (null: follow the newest as a live run grows). */
  private chosenTurn: number | null = null;
  /**
   * The cursor on the world chart at the turn shown: a line laid over the chart, moved
   * without repainting the chart (a step through a long council stays one layout).
   */
  private cursor: HTMLElement | null = null;
  /** Watches the charts' width: a chart drawn while its cell was off-screen (0 wide) is redrawn once it shows. */
  private resizer: ResizeObserver | null = null;

  constructor(options: SimulationRendererOptions = {}) {
    super();
    this.mimeType = options.mimeType ?? SIMULATION_MIME;
    this.loadEmbed = options.loadEmbed ?? loadVegaEmbed;
    this.addClass('cf-simulation');
  }

  /** Validates the payload of a MIME model and draws its charts. */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    await this.renderData(model.data[this.mimeType]);
  }

  /** Validates a raw payload and draws its charts; resolves once the charts are drawn. */
  async renderData(data: unknown): Promise<void> {
    this.finalizeViews();
    const checked = checkPayload(simulationPayloadSchema, this.mimeType, data);
    if (!checked.success) {
      this.node.replaceChildren(checked.element);
      return;
    }
    const payload = checked.data;
    const turns = turnIndex(payload);
    this.turns = turns;
    const kept = this.chosenTurn === null ? -1 : turns.positions.indexOf(this.chosenTurn);
    if (kept < 0) this.chosenTurn = null;
    const position = kept >= 0 ? kept : turns.positions.length - 1;
    this.shownPosition = position;
    const control = new TimelineControl({ unit: 'turn', count: turns.positions.length, describe: (index) => turns.describe(index), onMove: (index) => this.showTurn(index) });
    control.show(position);
    this.control = control;
    const worldChart = element('div', 'cf-chart cf-chart-world');
    this.cursor = element('div', 'cf-chart-cursor');
    this.cursor.setAttribute('aria-hidden', 'true');
    const actionsChart = element('div', 'cf-chart cf-chart-actions');
    this.turnHost = element('div', 'cf-turn-host');
    const thinking = thinkingRows(payload.thinking?.map((row) => ({ where: `turn ${row.turn} · ${row.agent}`, text: row.text, revealed: row.revealed })));
    this.node.replaceChildren(header(payload), control.element, worldChart, ...(thinking ? [thinking] : []), this.turnHost, actionsChart, agentList(payload));
    this.drawTurn(position);
    try {
      const embed = await this.loadEmbed();
      this.views = await Promise.all([embed(worldChart, worldStateSpec(payload)), embed(actionsChart, agentActionsSpec(payload))]);
      worldChart.append(this.cursor);
      this.placeCursor();
      this.watchWidth();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.node.append(element('div', 'cf-payload-error', `The charts could not be drawn: ${message}`));
    }
  }

  /** Releases the vega views and stops a playing timeline when the output goes away. */
  override dispose(): void {
    this.finalizeViews();
    super.dispose();
  }

  /** Shows turn `position`: the turn's panel and the chart's cursor. */
  showTurn(position: number): void {
    const turns = this.turns;
    if (!turns) return;
    this.chosenTurn = position >= turns.positions.length - 1 ? null : (turns.positions[position] ?? null);
    this.shownPosition = position;
    this.drawTurn(position);
    this.placeCursor();
  }

  private shownPosition = 0;

  /** Lays the cursor over the world chart at the turn shown (hidden until the chart is drawn). */
  private placeCursor(): void {
    const cursor = this.cursor;
    const view = this.views[0]?.view;
    const host = cursor?.parentElement;
    // The line mark's own coordinates are the plot's: its screen transform places turn 0.
    const plot = host?.querySelector<SVGGraphicsElement>('svg .mark-line.role-mark');
    const frame = plot?.getScreenCTM?.();
    const x = view?.scale?.('x');
    if (!cursor || !view || !host || !frame || !x) {
      if (cursor) cursor.hidden = true;
      return;
    }
    const turn = this.turns?.positions[this.shownPosition] ?? 0;
    const hostBox = host.getBoundingClientRect();
    // Centred on the turn: the line is 2 pixels wide.
    const left = frame.e - hostBox.left + x(turn) * frame.a - 1;
    cursor.hidden = !Number.isFinite(left);
    cursor.style.left = `${left}px`;
    cursor.style.top = `${frame.f - hostBox.top}px`;
    cursor.style.height = `${(view.height?.() ?? 0) * frame.d}px`;
    cursor.dataset.turn = String(turn);
  }

  private drawTurn(position: number): void {
    if (!this.turns || !this.turnHost) return;
    this.turnHost.replaceChildren(renderTurn(this.turns, position));
  }

  /** Gives each chart its container's width whenever that changes (vega itself only listens to the window). */
  private watchWidth(): void {
    if (typeof ResizeObserver === 'undefined') return;
    const widths = new Map<Element, number>();
    this.resizer = new ResizeObserver(() => {
      for (const { view } of this.views) {
        const container = view?.container?.();
        if (!view || !container) continue;
        const width = container.clientWidth;
        if (width <= 0 || widths.get(container) === width) continue;
        widths.set(container, width);
        try {
          view.signal('width', width);
          void view
            .runAsync()
            .then(() => this.placeCursor())
            .catch(() => undefined);
        } catch {
          // A chart of fixed width has no width signal to set.
        }
      }
    });
    for (const { view } of this.views) {
      const container = view?.container?.();
      if (container) this.resizer.observe(container);
    }
  }

  private finalizeViews(): void {
    this.resizer?.disconnect();
    this.resizer = null;
    this.control?.stop();
    for (const view of this.views) view.finalize();
    this.views = [];
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function header(payload: SimulationPayload): HTMLElement {
  const { actions, unfinished } = shownActions(payload);
  const fallbacks = actions.filter((action) => action.fallback).length;
  const last = payload.turns.at(-1);
  const box = element('div', 'cf-simulation-header');
  box.append(userText('span', 'cf-title', payload.title, 120));
  box.append(element('span', `cf-status cf-status-${payload.status}`, payload.status));
  // Turn 0 is the start state: a 12-season council played 12 turns.
  const meta = element(
    'span',
    'cf-meta',
    `${count(payload.agents.length, 'agent')} · ${count(playedTurns(payload), 'turn')} · ${count(actions.length, 'action')} (${fallbacks} by policy fallback)` +
      (unfinished > 0 ? ` · ${count(unfinished, 'action')} of an unfinished turn not shown` : '') +
      ' · backend: ',
  );
  meta.append(userText('bdi', undefined, payload.backend, 40));
  if (last) meta.append(` · ${last.turn === 0 ? 'start' : 'final'} ${measuresOf(payload).map((measure) => `${measure} ${last[measure] ?? '–'}`).join(', ')}`);
  box.append(meta);
  return box;
}

function agentList(payload: SimulationPayload): HTMLElement {
  const list = element('ul', 'cf-agents');
  for (const agent of payload.agents) {
    const item = element('li');
    item.append(userText('strong', undefined, agent.name, 80), ' — ', userText('bdi', undefined, agent.description), ' (policy: ', userText('bdi', undefined, agent.policy, 80), ')');
    list.append(item);
  }
  return list;
}
