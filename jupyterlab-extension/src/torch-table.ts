import { torchRecipients, type TorchFlowError, type TorchFlowTorch } from 'campfires/display';
import { element, userText } from './dom';

/** Longest name, channel or route a table cell shows; the whole text is in the cell's tooltip. */
const NAME_CHARACTERS = 60;

/** Torches shown per page: enough to read, few enough that 1,000-torch runs stay fast. */
export const TORCHES_PER_PAGE = 50;

/** What the table shows: which page, and which torch is selected. */
export interface TorchTableState {
  /** Zero-based page; null follows the newest torches as a live run grows. */
  page: number | null;
  selectedSeq: number | null;
  /** The cycle a timeline shows: its rows are highlighted (null: none). */
  cycle?: number | null;
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

/**
 * Renders one page of torches in order (position, cycle, route, channel, torchbearer,
 * claim, confidence) with pager buttons. `#` is the torch's place in the run. Camper
 * errors whose run-log place falls within the page are rows of their own, marked failed.
 */
export function renderTorchTable(torches: TorchFlowTorch[], state: TorchTableState, events: TorchTableEvents, errors: readonly TorchFlowError[] = []): HTMLElement {
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
  // The errors of this page: after the previous page's last torch, up to this page's last (all later ones on the last page).
  const after = start > 0 ? (torches[start - 1] as TorchFlowTorch).seq : -Infinity;
  const upTo = page >= pages - 1 ? Infinity : (shown.at(-1)?.seq ?? Infinity);
  const pageErrors = errors.filter((error) => error.seq > after && error.seq <= upTo);
  const rows: { seq: number; row: HTMLTableRowElement }[] = [
    ...shown.map((torch, index) => ({ seq: torch.seq, row: torchRow(torch, start + index + 1, state, events) })),
    ...pageErrors.map((error) => ({ seq: error.seq, row: errorRow(error) })),
  ];
  rows.sort((a, b) => a.seq - b.seq);
  for (const { row } of rows) body.append(row);
  table.append(body);
  // The rows scroll inside the output, so following a timeline never scrolls the notebook.
  const scroll = element('div', 'cf-torch-scroll');
  scroll.append(table);
  container.append(scroll);
  if (state.cycle !== undefined) markCycle(container, state.cycle);
  return container;
}

/** Highlights the rows of `cycle` (none for null) and returns the first, without redrawing the table. */
export function markCycle(container: HTMLElement, cycle: number | null): HTMLTableRowElement | null {
  let first: HTMLTableRowElement | null = null;
  for (const row of container.querySelectorAll<HTMLTableRowElement>('tr[data-cycle]')) {
    const current = cycle !== null && row.dataset.cycle === String(cycle);
    row.classList.toggle('cf-torch-current', current);
    if (current) {
      row.setAttribute('aria-current', 'step');
      first ??= row;
    } else row.removeAttribute('aria-current');
  }
  return first;
}

/** Scrolls the table's own box (never the page) so `row` shows near its top. */
export function scrollToRow(container: HTMLElement, row: HTMLTableRowElement): void {
  const scroll = container.querySelector<HTMLElement>('.cf-torch-scroll');
  if (!scroll) return;
  const head = scroll.querySelector('thead')?.getBoundingClientRect().height ?? 0;
  const top = row.getBoundingClientRect().top - scroll.getBoundingClientRect().top + scroll.scrollTop;
  scroll.scrollTop = Math.max(0, top - head - 4);
}

function torchRow(torch: TorchFlowTorch, position: number, state: TorchTableState, events: TorchTableEvents): HTMLTableRowElement {
  const row = element('tr', torch.seq === state.selectedSeq ? 'cf-torch cf-torch-selected' : 'cf-torch', undefined, {
    'data-seq': String(torch.seq),
    'data-cycle': String(torch.cycle),
    'data-position': String(position),
    tabindex: '0',
  });
  if (torch.error) row.classList.add('cf-torch-error');
  const route = element('td', 'cf-torch-route');
  route.append(userText('bdi', undefined, torch.from, NAME_CHARACTERS), ' → ');
  if (torch.to.length > 0) {
    torch.to.forEach((name, index) => route.append(...(index > 0 ? [', '] : []), userText('bdi', undefined, name, NAME_CHARACTERS)));
  } else {
    route.append(torchRecipients(torch));
  }
  row.append(
    element('td', 'cf-torch-position cf-torch-number', String(position)),
    element('td', 'cf-torch-number', String(torch.cycle)),
    route,
    userText('td', 'cf-torch-name', torch.channel, NAME_CHARACTERS),
    userText('td', 'cf-torch-name', torch.torchbearer, NAME_CHARACTERS),
    claimCell(torch),
    element('td', 'cf-torch-number', torch.confidence.toFixed(2)),
  );
  row.addEventListener('click', () => events.onSelect(torch.seq));
  row.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') events.onSelect(torch.seq);
  });
  return row;
}

/** What each model attempt's outcome is called in the table's marker. */
const ATTEMPT_WORDS = { ok: 'ok', invalid: 'refused', error: 'failed' } as const;

/**
 * The claim, and a marker when the model needed more than one try for it ("3 model
 * attempts: refused, failed, ok"), so a reader sees which torches took retries without
 * opening each; the detail lists the attempts.
 */
function claimCell(torch: TorchFlowTorch): HTMLTableCellElement {
  const cell = userText('td', 'cf-torch-claim', torch.claim);
  const attempts = torch.modelAttempts ?? [];
  if (attempts.length > 1 || attempts.some((attempt) => attempt.outcome !== 'ok')) {
    const outcomes = attempts.map((attempt) => ATTEMPT_WORDS[attempt.outcome]).join(', ');
    const marker = element('span', 'cf-torch-attempts', `${attempts.length} model attempt${attempts.length === 1 ? '' : 's'}: ${outcomes}`);
    marker.title = 'Select the torch to see each attempt, why an answer was refused and the raw answer';
    cell.append(marker);
  }
  return cell;
}

function errorRow(error: TorchFlowError): HTMLTableRowElement {
  const row = element('tr', 'cf-camper-error', undefined, { 'data-error-seq': String(error.seq), 'data-cycle': String(error.cycle) });
  const claim = element('td', 'cf-torch-claim', 'failed: ');
  claim.append(userText('bdi', undefined, error.message));
  row.append(
    element('td', 'cf-torch-position cf-torch-number', '✕', { title: 'a camper failed' }),
    element('td', 'cf-torch-number', String(error.cycle)),
    userText('td', 'cf-torch-route', error.campfire, NAME_CHARACTERS),
    element('td', undefined, ''),
    userText('td', 'cf-torch-name', error.camper, NAME_CHARACTERS),
    claim,
    element('td', undefined, 'error'),
  );
  return row;
}
