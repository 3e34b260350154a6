import { thinkingRows } from './thinking-rows';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { torchFlowPayloadSchema, type TorchFlowPayload } from 'campfires/display';
import { element, userText } from './dom';
import { drawFlowDiagram, type FlowDiagram } from './flow-diagram';
import { flowTimeline, type FlowTimeline } from './flow-timeline';
import { TORCH_FLOW_MIME } from './mime-types';
import { checkPayload } from './payload-error';
import { renderTorchDetail, type PartyBoxUrlResolver } from './torch-detail';
import { markCycle, pageCount, renderTorchTable, scrollToRow, TORCHES_PER_PAGE, type TorchTableState } from './torch-table';
import { TimelineControl } from './timeline-control';

/** Options of the torch-flow renderer; JupyterLab passes its renderer options. */
export interface TorchFlowRendererOptions {
  mimeType?: string;
  resolver?: IRenderMime.IResolver | null;
}

/**
 * Renders `application/vnd.campfires.torchflow.v1+json`: the campfire diagram, a timeline
 * over the run's cycles, then the torches in order, paged; clicking a torch shows its claim,
 * metadata, Party Box link, tool calls and JSON. Everything comes from the payload, so a
 * saved notebook scrubs without a kernel. Re-rendering (a live display update) keeps the
 * page, selection and cycle a person chose; untouched, it follows the newest cycle.
 */
export class TorchFlowRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly mimeType: string;
  private readonly resolveUrl?: PartyBoxUrlResolver;
  private payload: TorchFlowPayload | null = null;
  private state: TorchTableState = { page: null, selectedSeq: null, cycle: null };
  private timeline: FlowTimeline | null = null;
  private control: TimelineControl | null = null;
  private diagram: FlowDiagram | null = null;
  private tableHost: HTMLElement | null = null;
  private detailHost: HTMLElement | null = null;
  /** Whether the timeline follows the newest cycle (until a person moves it). */
  private following = true;

  constructor(options: TorchFlowRendererOptions = {}) {
    super();
    this.mimeType = options.mimeType ?? TORCH_FLOW_MIME;
    this.addClass('cf-torchflow');
    const resolver = options.resolver;
    if (resolver) {
      this.resolveUrl = async (path) => resolver.getDownloadUrl(await resolver.resolveUrl(path));
    }
  }

  /** Validates and draws the payload of a MIME model. */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.renderData(model.data[this.mimeType]);
  }

  /** Validates and draws a raw payload (what `renderModel` does, without a model). */
  renderData(data: unknown): void {
    const checked = checkPayload(torchFlowPayloadSchema, this.mimeType, data);
    if (!checked.success) {
      this.payload = null;
      this.control?.stop();
      this.node.replaceChildren(checked.element);
      return;
    }
    this.payload = checked.data;
    this.draw();
  }

  /** Stops a playing timeline when the output goes away. */
  override dispose(): void {
    this.control?.stop();
    super.dispose();
  }

  private draw(): void {
    const payload = this.payload;
    if (!payload) return;
    this.control?.stop();
    const header = element('div', 'cf-torchflow-header');
    header.append(userText('span', 'cf-title', payload.title, 120));
    header.append(element('span', `cf-status cf-status-${payload.status}`, payload.status));
    const errors = payload.errors?.length ?? 0;
    const meta = element('span', 'cf-meta', `${payload.campfires.length} campfires · ${payload.torches.length} torches${errors > 0 ? ` · ${errors} camper error${errors === 1 ? '' : 's'}` : ''} · backend: `);
    meta.append(userText('bdi', undefined, payload.backend, 40), ' · run ', userText('bdi', undefined, payload.runId, 60));
    header.append(meta);
    const timeline = flowTimeline(payload);
    this.timeline = timeline;
    const diagram = drawFlowDiagram(payload);
    this.diagram = diagram;
    const scroll = element('div', 'cf-flow-scroll');
    scroll.append(diagram.svg);
    // A person's cycle is kept across live updates when it still exists; otherwise the newest.
    const kept = this.following ? -1 : timeline.cycles.indexOf(this.state.cycle ?? NaN);
    const position = kept >= 0 ? kept : timeline.cycles.length - 1;
    if (kept < 0) this.following = true;
    const control = new TimelineControl({
      unit: 'cycle',
      count: timeline.cycles.length,
      describe: (index) => timeline.describe(index),
      onMove: (index) => this.showCycle(index, true),
    });
    this.control = control;
    this.tableHost = element('div', 'cf-torches-host');
    this.detailHost = element('div', 'cf-torch-detail-host');
    const thinking = thinkingRows(payload.thinking?.map((row) => ({ where: `cycle ${row.cycle} · ${row.campfire} (${row.camper})`, text: row.text, revealed: row.revealed })));
    this.node.replaceChildren(header, control.element, scroll, ...(thinking ? [thinking] : []), this.tableHost, this.detailHost);
    control.show(position);
    if (timeline.cycles.length > 0) this.showCycle(position, false);
    else this.drawTable();
    this.drawDetail();
  }

  /** Shows cycle `position`: the diagram's marks and torches, the table's page and highlighted rows. */
  private showCycle(position: number, scroll: boolean): void {
    const payload = this.payload;
    const timeline = this.timeline;
    if (!payload || !timeline) return;
    this.following = position >= timeline.cycles.length - 1;
    const cycle = timeline.cycles[position] ?? null;
    this.diagram?.show(timeline.moment(position));
    // The newest cycle shows the newest page (as an output without a timeline did); another, the page of its first torch.
    const first = this.following ? payload.torches.length - 1 : timeline.torchesAt[position]?.[0];
    const lastPage = pageCount(payload.torches.length) - 1;
    // A live update keeps the page a person turned to while the timeline follows the newest cycle.
    const keepPage = !scroll && this.following && this.state.page !== null;
    const page = keepPage || first === undefined || first < 0 ? this.state.page : Math.floor(first / TORCHES_PER_PAGE);
    const wanted = page === null || page >= lastPage ? null : page;
    const pageChanged = wanted !== this.state.page || !this.tableHost?.firstChild;
    this.state = { ...this.state, cycle, page: wanted };
    if (pageChanged) this.drawTable();
    const table = this.tableHost?.firstElementChild as HTMLElement | null;
    if (!table) return;
    const row = markCycle(table, cycle);
    if (row && scroll) scrollToRow(table, row);
  }

  private drawTable(): void {
    const payload = this.payload;
    if (!payload || !this.tableHost) return;
    const table = renderTorchTable(payload.torches, this.state, {
      onPage: (page) => {
        const last = pageCount(payload.torches.length) - 1;
        this.state = { ...this.state, page: page >= last ? null : Math.max(0, page) };
        this.drawTable();
      },
      onSelect: (seq) => {
        this.state = { ...this.state, selectedSeq: this.state.selectedSeq === seq ? null : seq };
        this.drawTable();
        this.drawDetail();
      },
    }, payload.errors ?? []);
    this.tableHost.replaceChildren(table);
  }

  private drawDetail(): void {
    const payload = this.payload;
    if (!payload || !this.detailHost) return;
    const position = payload.torches.findIndex((torch) => torch.seq === this.state.selectedSeq);
    const selected = payload.torches[position];
    this.detailHost.replaceChildren(...(selected ? [renderTorchDetail(selected, this.resolveUrl, position + 1, payload.textCap)] : []));
  }
}
