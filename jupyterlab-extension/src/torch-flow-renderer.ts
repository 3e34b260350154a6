import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { torchFlowPayloadSchema, type TorchFlowPayload } from 'campfires/display';
import { element, userText } from './dom';
import { renderFlowDiagram } from './flow-diagram';
import { TORCH_FLOW_MIME } from './mime-types';
import { checkPayload } from './payload-error';
import { renderTorchDetail, type PartyBoxUrlResolver } from './torch-detail';
import { pageCount, renderTorchTable, type TorchTableState } from './torch-table';

/** Options of the torch-flow renderer; JupyterLab passes its renderer options. */
export interface TorchFlowRendererOptions {
  mimeType?: string;
  resolver?: IRenderMime.IResolver | null;
}

/**
 * Renders `application/vnd.campfires.torchflow.v1+json`: the campfire diagram, then
 * the torches in order, paged; clicking a torch shows its JSON and Party Box link.
 * Re-rendering (a live display update) keeps the page and selection a person chose.
 */
export class TorchFlowRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly mimeType: string;
  private readonly resolveUrl?: PartyBoxUrlResolver;
  private payload: TorchFlowPayload | null = null;
  private state: TorchTableState = { page: null, selectedSeq: null };

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
      this.node.replaceChildren(checked.element);
      return;
    }
    this.payload = checked.data;
    this.draw();
  }

  private draw(): void {
    const payload = this.payload;
    if (!payload) return;
    const header = element('div', 'cf-torchflow-header');
    header.append(userText('span', 'cf-title', payload.title, 120));
    header.append(element('span', `cf-status cf-status-${payload.status}`, payload.status));
    const errors = payload.errors?.length ?? 0;
    const meta = element('span', 'cf-meta', `${payload.campfires.length} campfires · ${payload.torches.length} torches${errors > 0 ? ` · ${errors} camper error${errors === 1 ? '' : 's'}` : ''} · backend: `);
    meta.append(userText('bdi', undefined, payload.backend, 40), ' · run ', userText('bdi', undefined, payload.runId, 60));
    header.append(meta);
    const diagram = element('div', 'cf-flow-scroll');
    diagram.append(renderFlowDiagram(payload));
    const table = renderTorchTable(payload.torches, this.state, {
      onPage: (page) => {
        const last = pageCount(payload.torches.length) - 1;
        this.state = { ...this.state, page: page >= last ? null : Math.max(0, page) };
        this.draw();
      },
      onSelect: (seq) => {
        this.state = { ...this.state, selectedSeq: this.state.selectedSeq === seq ? null : seq };
        this.draw();
      },
    }, payload.errors ?? []);
    const children: HTMLElement[] = [header, diagram, table];
    const position = payload.torches.findIndex((torch) => torch.seq === this.state.selectedSeq);
    const selected = payload.torches[position];
    if (selected) children.push(renderTorchDetail(selected, this.resolveUrl, position + 1));
    this.node.replaceChildren(...children);
  }
}
