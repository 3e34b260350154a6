import type { TorchFlowPayload } from 'campfires/display';

/** A campfire placed on the canvas. */
export interface PlacedNode {
  name: string;
  column: number;
  row: number;
  x: number;
  y: number;
}

/** A channel drawn from one campfire to another. */
export interface PlacedEdge {
  channel: string;
  from: string;
  to: string;
}

/** Node and edge positions of a torch flow, left to right. */
export interface FlowLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

/** Size of one campfire box in the diagram, in pixels. */
export const NODE_WIDTH = 150;
/** Height of one campfire box in the diagram, in pixels. */
export const NODE_HEIGHT = 58;
// Wide enough for a channel label of about a dozen characters between two boxes.
const COLUMN_GAP = 110;
const ROW_GAP = 28;
const MARGIN = 16;

/**
 * Lays campfires out left to right: a campfire sits one column right of every
 * campfire that sends it torches (longest path), so a pipeline reads like a sentence.
 */
export function layoutFlow(payload: Pick<TorchFlowPayload, 'campfires' | 'channels'>): FlowLayout {
  const names = payload.campfires.map((campfire) => campfire.name);
  const known = new Set(names);
  const edges: PlacedEdge[] = [];
  for (const channel of payload.channels) {
    for (const from of channel.from) {
      for (const to of channel.to) {
        if (known.has(from) && known.has(to)) edges.push({ channel: channel.name, from, to });
      }
    }
  }
  const column = new Map(names.map((name) => [name, 0]));
  // Longest-path columns; capped passes keep a cyclic pipeline finite.
  for (let pass = 0; pass < names.length; pass += 1) {
    let changed = false;
    for (const edge of edges) {
      if (edge.from === edge.to) continue;
      const next = (column.get(edge.from) ?? 0) + 1;
      if (next > (column.get(edge.to) ?? 0) && next < names.length) {
        column.set(edge.to, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const rowsUsed = new Map<number, number>();
  const nodes: PlacedNode[] = names.map((name) => {
    const nodeColumn = column.get(name) ?? 0;
    const row = rowsUsed.get(nodeColumn) ?? 0;
    rowsUsed.set(nodeColumn, row + 1);
    return {
      name,
      column: nodeColumn,
      row,
      x: MARGIN + nodeColumn * (NODE_WIDTH + COLUMN_GAP),
      y: MARGIN + row * (NODE_HEIGHT + ROW_GAP),
    };
  });
  const columns = Math.max(1, ...nodes.map((node) => node.column + 1));
  const rows = Math.max(1, ...rowsUsed.values());
  return {
    nodes,
    edges,
    width: 2 * MARGIN + columns * NODE_WIDTH + (columns - 1) * COLUMN_GAP,
    height: 2 * MARGIN + rows * NODE_HEIGHT + (rows - 1) * ROW_GAP,
  };
}
