import { isolateText, oneLine } from '../core';
import { ATTEMPT_OUTCOME_WORDS, torchRecipients, type TorchFlowError, type TorchFlowModelAttempt, type TorchFlowPayload, type TorchFlowTorch } from '../display';

const NODE_WIDTH = 160;
const NODE_HEIGHT = 46;
const COLUMN_GAP = 90;
const ROW_GAP = 28;
const LINE_HEIGHT = 16;
/** Width of one character of a 10 px edge label, generously: a label is cut to the gap it sits in. */
const EDGE_CHAR_WIDTH = 6.5;
/** How many torches the static diagram lists (the newest); the rest are counted. */
export const TORCH_LIST_LIMIT = 24;

/** Column of each campfire: how many channel hops it is from a campfire nobody feeds. */
function columnsOf(payload: TorchFlowPayload): Map<string, number> {
  const column = new Map(payload.campfires.map((campfire) => [campfire.name, 0]));
  const feeders = new Map<string, string[]>();
  for (const channel of payload.channels) {
    for (const to of channel.to) feeders.set(to, [...(feeders.get(to) ?? []), ...channel.from.filter((from) => from !== to)]);
  }
  // Longest path by relaxation; a cycle stops growing after one pass per campfire.
  for (let pass = 0; pass < payload.campfires.length; pass += 1) {
    let changed = false;
    for (const [name, from] of feeders) {
      const depth = Math.max(...from.map((feeder) => (column.get(feeder) ?? 0) + 1));
      if (column.has(name) && depth > (column.get(name) ?? 0) && depth < payload.campfires.length) {
        column.set(name, depth);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return column;
}

/** `1 torch`, `2 torches`: a count with its noun. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** A torch and its place in the run (1 for the first torch sent), or a camper that failed. */
export type FlowEntry = { kind: 'torch'; position: number; torch: TorchFlowTorch } | { kind: 'error'; error: TorchFlowError };

/** The run's torches (numbered by their place) and camper errors, in run-log order. */
export function flowEntries(payload: TorchFlowPayload): FlowEntry[] {
  const entries: FlowEntry[] = payload.torches.map((torch, index) => ({ kind: 'torch', position: index + 1, torch }));
  for (const error of payload.errors ?? []) entries.push({ kind: 'error', error });
  const seqOf = (entry: FlowEntry) => (entry.kind === 'torch' ? entry.torch.seq : entry.error.seq);
  return entries.sort((a, b) => seqOf(a) - seqOf(b));
}

/** How many campers of each campfire failed. */
export function failuresByCampfire(payload: TorchFlowPayload): Map<string, number> {
  const failures = new Map<string, number>();
  for (const error of payload.errors ?? []) failures.set(error.campfire, (failures.get(error.campfire) ?? 0) + 1);
  return failures;
}

/** User text in a plain-text line: on one line, cut, and isolated so its direction stays its own. */
function shown(text: string, max: number): string {
  return isolateText(oneLine(text, max));
}

/** One line of the torch list, as the text form shows it; `position` is the torch's place in the run. */
export function torchLine(torch: TorchFlowTorch, position = torch.seq): string {
  const asset = torch.path ? ` [${shown(torch.path, 40)}]` : torch.url ? ` [${shown(torch.url, 40)}]` : '';
  const mark = torch.error ? 'ERROR ' : '';
  const to = torch.to.length > 0 ? torch.to.map((name) => shown(name, 40)).join(', ') : torchRecipients(torch);
  return `#${position} cycle ${torch.cycle} ${shown(torch.from, 40)} (${shown(torch.torchbearer, 40)}) → ${to}${torch.channel ? ` via ${shown(torch.channel, 40)}` : ''}: ${mark}"${shown(torch.claim, 90)}" (${torch.confidence.toFixed(2)})${asset}`;
}

/** Who answered a model attempt: `provider:model` when the provider was recorded. */
export function attemptModel(attempt: TorchFlowModelAttempt): string {
  return attempt.provider ? `${attempt.provider}:${attempt.model}` : attempt.model;
}

/** One model attempt behind a torch, as the text form shows it under the torch's line. */
export function modelAttemptLine(attempt: TorchFlowModelAttempt): string {
  const head = `attempt ${attempt.attempt}${attempt.of !== undefined ? ` of ${attempt.of}` : ''} by ${shown(attempt.camper, 40)} (${shown(attemptModel(attempt), 60)}${attempt.ms !== undefined ? `, ${Math.round(attempt.ms)} ms` : ''})`;
  const reason = attempt.reason !== undefined ? ` — ${shown(attempt.reason, 120)}` : '';
  const answer = attempt.answer !== undefined ? `; answered "${shown(attempt.answer, 90)}"` : '';
  return `${head}: ${ATTEMPT_OUTCOME_WORDS[attempt.outcome]}${reason}${answer}${attempt.replayed ? ' (replayed from the record)' : ''}`;
}

/** The line of a camper that failed, as the text form shows it. */
export function camperErrorLine(error: TorchFlowError): string {
  return `ERROR cycle ${error.cycle} ${shown(error.campfire, 40)} (${shown(error.camper, 40)}) failed: "${shown(error.message, 90)}"`;
}

/** A torch line short enough for the diagram: no asset path, clipped to `maxChars`. */
function shortTorchLine(torch: TorchFlowTorch, position: number, maxChars: number): string {
  const head = `#${position} c${torch.cycle} ${oneLine(torch.from, 24)} → ${oneLine(torchRecipients(torch), 30)}: ${torch.error ? 'ERROR ' : ''}`;
  const tail = ` (${torch.confidence.toFixed(2)})${torch.path || torch.url ? ' [box]' : ''}`;
  return `${head}"${oneLine(torch.claim, Math.max(12, maxChars - head.length - tail.length - 2))}"${tail}`;
}

function shortErrorLine(error: TorchFlowError, maxChars: number): string {
  const head = `c${error.cycle} ${oneLine(error.campfire, 24)} (${oneLine(error.camper, 24)}) failed: `;
  return `${head}"${oneLine(error.message, Math.max(12, maxChars - head.length - 2))}"`;
}

/**
 * A vega spec of the torch flow: campfires as boxes left to right, channels as
 * labelled arrows, and (unless `list` is false) the newest torches listed below in order.
 */
export function torchFlowVegaSpec(payload: TorchFlowPayload, options: { list?: boolean } = {}): Record<string, unknown> {
  const column = columnsOf(payload);
  const rows = new Map<number, number>();
  const position = new Map<string, { x: number; y: number }>();
  for (const campfire of payload.campfires) {
    const col = column.get(campfire.name) ?? 0;
    const row = rows.get(col) ?? 0;
    rows.set(col, row + 1);
    position.set(campfire.name, { x: col * (NODE_WIDTH + COLUMN_GAP), y: 24 + row * (NODE_HEIGHT + ROW_GAP) });
  }
  const sentOn = new Map<string, number>();
  for (const torch of payload.torches) sentOn.set(torch.channel, (sentOn.get(torch.channel) ?? 0) + 1);
  const failures = failuresByCampfire(payload);
  const nodes = payload.campfires.map((campfire) => {
    const at = position.get(campfire.name) ?? { x: 0, y: 0 };
    const campers = plural(campfire.campers.length, 'camper');
    const failed = failures.get(campfire.name) ?? 0;
    return {
      ...at,
      cx: at.x + NODE_WIDTH / 2,
      name: oneLine(campfire.name, 20),
      sub: failed > 0 ? `${campers} · ${failed} failed` : `${campers} · ${campfire.status}`,
      active: campfire.status === 'active',
      failed: failed > 0,
    };
  });
  const edges = payload.channels.flatMap((channel) =>
    channel.from.flatMap((from) =>
      channel.to.flatMap((to) => {
        const a = position.get(from);
        const b = position.get(to);
        if (!a || !b || from === to) return [];
        const x1 = a.x + NODE_WIDTH;
        const y1 = a.y + NODE_HEIGHT / 2;
        const x2 = b.x;
        const y2 = b.y + NODE_HEIGHT / 2;
        const count = sentOn.get(channel.name) ?? 0;
        return [{ x1, y1, x2, y2, mx: (x1 + x2) / 2, my: (y1 + y2) / 2 - 6, label: `${oneLine(channel.name, Math.max(4, Math.floor((x2 - x1) / EDGE_CHAR_WIDTH) - String(count).length - 3))} (${count})`, width: count > 0 ? 2 : 1 }];
      }),
    ),
  );
  const maxColumn = Math.max(0, ...column.values());
  const maxRows = Math.max(1, ...rows.values());
  const diagramHeight = 24 + maxRows * (NODE_HEIGHT + ROW_GAP);
  const width = Math.max(640, (maxColumn + 1) * (NODE_WIDTH + COLUMN_GAP));
  const maxChars = Math.floor(width / 6.7);
  const entries = options.list === false ? [] : flowEntries(payload).slice(-TORCH_LIST_LIMIT);
  const hidden = payload.torches.length + (payload.errors?.length ?? 0) - entries.length;
  const errorCount = payload.errors?.length ?? 0;
  const lines = options.list === false ? [] : [
    { text: `${plural(payload.torches.length, 'torch', 'torches')}${hidden > 0 ? ` (newest ${entries.length} shown)` : ''}${errorCount > 0 ? `, ${plural(errorCount, 'camper error')}` : ''}`, error: false, bold: true },
    ...entries.map((entry) =>
      entry.kind === 'torch'
        ? { text: shortTorchLine(entry.torch, entry.position, maxChars), error: entry.torch.error, bold: false }
        : { text: shortErrorLine(entry.error, maxChars), error: true, bold: false },
    ),
  ].map((line, index) => ({ ...line, y: diagramHeight + 10 + index * LINE_HEIGHT }));
  const height = lines.length > 0 ? diagramHeight + 20 + lines.length * LINE_HEIGHT : diagramHeight;
  const field = (name: string) => ({ field: name });
  const value = (v: unknown) => ({ value: v });
  return {
    $schema: 'https://vega.github.io/schema/vega/v5.json',
    width,
    height,
    padding: 10,
    background: 'white',
    data: [
      { name: 'nodes', values: nodes },
      { name: 'edges', values: edges },
      { name: 'lines', values: lines },
    ],
    marks: [
      { type: 'text', encode: { enter: { x: value(0), y: value(4), text: value(`${oneLine(payload.title, 70)} · ${payload.status} · ${oneLine(payload.backend, 30)}`), fontSize: value(13), fontWeight: value('bold'), baseline: value('top'), fill: value('#222') } } },
      { type: 'rule', from: { data: 'edges' }, encode: { enter: { x: field('x1'), y: field('y1'), x2: { field: 'x2', offset: -6 }, y2: field('y2'), stroke: value('#8a6d3b'), strokeWidth: field('width') } } },
      { type: 'symbol', from: { data: 'edges' }, encode: { enter: { x: { field: 'x2', offset: -5 }, y: field('y2'), shape: value('triangle-right'), size: value(70), fill: value('#8a6d3b') } } },
      { type: 'text', from: { data: 'edges' }, encode: { enter: { x: field('mx'), y: field('my'), text: field('label'), align: value('center'), fontSize: value(10), fill: value('#555') } } },
      { type: 'rect', from: { data: 'nodes' }, encode: { enter: { x: field('x'), y: field('y'), width: value(NODE_WIDTH), height: value(NODE_HEIGHT), cornerRadius: value(6), stroke: { signal: "datum.failed ? '#b00020' : '#b35900'" }, strokeWidth: { signal: 'datum.failed ? 3 : 1.5' }, fill: { signal: "datum.active ? '#ffd9a8' : '#fff4e6'" } } } },
      { type: 'text', from: { data: 'nodes' }, encode: { enter: { x: field('cx'), y: { field: 'y', offset: 19 }, text: field('name'), align: value('center'), fontSize: value(12), fontWeight: value('bold'), fill: value('#222') } } },
      { type: 'text', from: { data: 'nodes' }, encode: { enter: { x: field('cx'), y: { field: 'y', offset: 35 }, text: field('sub'), align: value('center'), fontSize: value(10), fill: { signal: "datum.failed ? '#b00020' : '#555'" } } } },
      { type: 'text', from: { data: 'lines' }, encode: { enter: { x: value(0), y: field('y'), text: field('text'), baseline: value('top'), fontSize: value(11), font: value('monospace'), fontWeight: { signal: "datum.bold ? 'bold' : 'normal'" }, fill: { signal: "datum.error ? '#b00020' : '#222'" } } } },
    ],
  };
}
