import type { TorchFlowTorch } from 'campfires/display';
import { element } from './dom';

/** Torches shown per page: enough to read, few enough that 1,000-torch runs stay fast. */
export const TORCHES_PER_PAGE = 50;

/** What the table shows: which page, and which torch is selected. */
export interface TorchTableState {
  /** Zero-based page; null follows the newest torches as a live run grows. */
  page: number | null;
  selectedSeq: number | null;
}

/** Callbacks the table raises when a person pages or clicks a torch. */
export interface TorchTableEvents {
  onPage(page: number): void;
  onSelect(seq: number): void;
}

/** Number of pages needed for a torch count (at least one). */
export function pageCount(torchCount: number): number {
  return Math.max(1, Math.ceil(torchCount / TORCHES_PER_PAGE));
}

/** Renders one page of torches in order (seq, cycle, route, torchbearer, claim, confidence) with pager buttons. */
export function renderTorchTable(torches: TorchFlowTorch[], state: TorchTableState, events: TorchTableEvents): HTMLElement {
  const container = element('div', 'cf-torches');
  const pages = pageCount(torches.length);
  const page = Math.min(state.page ?? pages - 1, pages - 1);
  const start = page * TORCHES_PER_PAGE;
  const shown = torches.slice(start, start + TORCHES_PER_PAGE);

  const pager = element('div', 'cf-pager');
  const previous = element('button', 'cf-pager-previous', '‹ Previous', { type: 'button' });
  previous.disabled = page === 0;
  previous.addEventListener('click', () => events.onPage(page - 1));
  const next = element('button', 'cf-pager-next', 'Next ›', { type: 'button' });
  next.disabled = page >= pages - 1;
  next.addEventListener('click', () => events.onPage(page + 1));
  const summary =
    torches.length === 0
      ? 'No torches yet'
      : `Torches ${start + 1}–${start + shown.length} of ${torches.length} (page ${page + 1} of ${pages})`;
  pager.append(previous, element('span', 'cf-pager-summary', summary), next);
  container.append(pager);

  const table = element('table', 'cf-torch-table');
  const head = element('tr');
  for (const title of ['#', 'cycle', 'from → to', 'channel', 'torchbearer', 'claim', 'confidence']) {
    head.append(element('th', undefined, title));
  }
  const thead = element('thead');
  thead.append(head);
  table.append(thead);
  const body = element('tbody');
  for (const torch of shown) {
    const row = element('tr', torch.seq === state.selectedSeq ? 'cf-torch cf-torch-selected' : 'cf-torch', undefined, {
      'data-seq': String(torch.seq),
      tabindex: '0',
    });
    if (torch.error) row.classList.add('cf-torch-error');
    const cells = [
      String(torch.seq),
      String(torch.cycle),
      `${torch.from} → ${torch.to.join(', ') || '(no listener)'}`,
      torch.channel,
      torch.torchbearer,
      torch.claim,
      torch.confidence.toFixed(2),
    ];
    cells.forEach((text, index) => row.append(element('td', index === 5 ? 'cf-torch-claim' : undefined, text)));
    row.addEventListener('click', () => events.onSelect(torch.seq));
    row.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') events.onSelect(torch.seq);
    });
    body.append(row);
  }
  table.append(body);
  container.append(table);
  return container;
}
