import { cutText, type TorchFlowPayload } from 'campfires/display';
import { svgElement } from './dom';
import { layoutFlow, NODE_HEIGHT, NODE_WIDTH, type PlacedNode } from './flow-layout';

/** Widths of one character of a node name (13 px bold) and an edge label (11 px), generously. */
const NAME_CHAR_WIDTH = 8.5;
const LABEL_CHAR_WIDTH = 7;
/** Room for a node name inside its box. */
const NAME_ROOM = NODE_WIDTH - 16;
/** Vertical distance between the labels of channels that join the same two campfires. */
const LABEL_STACK = 13;

/** `text` on one line, cut to `max` characters on a character boundary. */
function clip(text: string, max: number): string {
  return cutText(text.replace(/\s+/g, ' ').trim(), { characters: Math.max(2, max) });
}

/** What the diagram shows at one point of the run (see {@link FlowDiagram.show}). */
export interface FlowMoment {
  /** Campfires that have sent a torch (or failed) by now. */
  spoken: ReadonlySet<string>;
  /** Campfires working in the cycle shown: highlighted. */
  current: ReadonlySet<string>;
  /** Channels a torch crossed in the cycle shown: the torch is drawn on them. */
  carrying: ReadonlySet<string>;
  /** Torches each channel has carried by now. */
  counts: ReadonlyMap<string, number>;
}

/** A drawn diagram, and a cheap way to show it at another point of the run (classes, labels, torches; no redraw). */
export interface FlowDiagram {
  svg: SVGSVGElement;
  show(moment: FlowMoment): void;
}

/** The point of a cubic Bézier curve halfway along its parameter. */
function midpoint(points: readonly [number, number][]): [number, number] {
  const [p0, p1, p2, p3] = points as [[number, number], [number, number], [number, number], [number, number]];
  return [(p0[0] + 3 * p1[0] + 3 * p2[0] + p3[0]) / 8, (p0[1] + 3 * p1[1] + 3 * p2[1] + p3[1]) / 8];
}

/**
 * Draws the campfires as boxes left to right and the channels as labelled arrows,
 * each labelled with how many torches crossed it.
 */
export function renderFlowDiagram(payload: TorchFlowPayload): SVGSVGElement {
  return drawFlowDiagram(payload).svg;
}

/** {@link renderFlowDiagram}, keeping what a timeline needs to show another cycle. */
export function drawFlowDiagram(payload: TorchFlowPayload): FlowDiagram {
  const layout = layoutFlow(payload);
  const svg = svgElement('svg', {
    class: 'cf-flow-diagram',
    width: layout.width,
    height: layout.height,
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    role: 'img',
    'aria-label': `Torch flow: ${payload.campfires.length} campfires, ${layout.edges.length} channel links`,
  });
  const defs = svgElement('defs');
  const marker = svgElement('marker', {
    id: `cf-arrow-${payload.runId.replace(/[^A-Za-z0-9_-]/g, '')}`,
    viewBox: '0 0 10 10',
    refX: 9,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: 'auto-start-reverse',
  });
  marker.append(svgElement('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'cf-arrow-head' }));
  defs.append(marker);
  svg.append(defs);

  const byName = new Map(layout.nodes.map((node) => [node.name, node]));
  const torchCounts = new Map<string, number>();
  for (const torch of payload.torches) torchCounts.set(torch.channel, (torchCounts.get(torch.channel) ?? 0) + 1);

  const failures = new Map<string, number>();
  for (const error of payload.errors ?? []) failures.set(error.campfire, (failures.get(error.campfire) ?? 0) + 1);
  // Channels joining the same two campfires stack their labels instead of drawing them on top of each other.
  const labelsBetween = new Map<string, number>();
  const edgeParts: { channel: string; group: SVGGElement; label: SVGTextElement; title: SVGTitleElement; name: string; torch: SVGGElement }[] = [];

  for (const edge of layout.edges) {
    const from = byName.get(edge.from) as PlacedNode;
    const to = byName.get(edge.to) as PlacedNode;
    const group = svgElement('g', { class: 'cf-edge', 'data-channel': edge.channel, 'data-from': edge.from, 'data-to': edge.to });
    const x1 = from.x + NODE_WIDTH;
    const y1 = from.y + NODE_HEIGHT / 2;
    const x2 = to.x;
    const y2 = to.y + NODE_HEIGHT / 2;
    const bend = Math.max(30, Math.abs(x2 - x1) / 2);
    const points: [number, number][] =
      edge.from === edge.to || x2 <= x1
        ? [[x1, y1], [x1 + 60, y1 - 70], [x2 - 60, y2 - 70], [x2, y2]]
        : [[x1, y1], [x1 + bend, y1], [x2 - bend, y2], [x2, y2]];
    const d = `M ${x1} ${y1} C ${points[1]?.join(' ')}, ${points[2]?.join(' ')}, ${x2} ${y2}`;
    group.append(svgElement('path', { d, class: 'cf-edge-line', 'marker-end': `url(#${marker.id})` }));
    const count = torchCounts.get(edge.channel) ?? 0;
    const pair = `${edge.from}\u0000${edge.to}`;
    const stacked = labelsBetween.get(pair) ?? 0;
    labelsBetween.set(pair, stacked + 1);
    // A label is as wide as the gap it sits in (the space between the two boxes), never wider.
    const room = Math.max(NODE_WIDTH * 0.6, x2 - x1 - 8);
    const suffix = ` (${count})`;
    const name = clip(edge.channel, Math.floor(room / LABEL_CHAR_WIDTH) - suffix.length);
    const label = svgElement(
      'text',
      { x: (x1 + x2) / 2, y: Math.min(y1, y2) + (y1 === y2 ? -6 : (Math.abs(y2 - y1) / 2) - 6) - stacked * LABEL_STACK, 'text-anchor': 'middle', class: 'cf-edge-label' },
      `${name}${suffix}`,
    );
    const title = svgElement('title', {}, `${edge.channel}: ${count === 1 ? '1 torch' : `${count} torches`}`);
    // The torch on its way, drawn halfway along the channel in the cycle a timeline shows.
    const [tx, ty] = midpoint(points);
    const torch = svgElement('g', { class: 'cf-edge-torch', transform: `translate(${tx}, ${ty})`, 'aria-hidden': 'true' });
    torch.append(svgElement('circle', { r: 8, class: 'cf-edge-torch-glow' }), svgElement('path', { d: 'M 0 -6 C 4 -2, 5 2, 0 6 C -5 2, -4 -2, 0 -6 z', class: 'cf-edge-torch-flame' }));
    group.append(label, title, torch);
    edgeParts.push({ channel: edge.channel, group, label, title, name, torch });
    svg.append(group);
  }

  const nodeParts: { name: string; group: SVGGElement }[] = [];
  for (const campfire of payload.campfires) {
    const node = byName.get(campfire.name) as PlacedNode;
    const failed = failures.get(campfire.name) ?? 0;
    const group = svgElement('g', {
      class: `cf-node cf-node-${campfire.status}${failed > 0 ? ' cf-node-failed' : ''}`,
      'data-campfire': campfire.name,
      transform: `translate(${node.x}, ${node.y})`,
    });
    group.append(svgElement('rect', { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 8, class: 'cf-node-box' }));
    const name = clip(campfire.name, Math.floor(NAME_ROOM / NAME_CHAR_WIDTH));
    // A long name is held to the box's width (wide letters would otherwise spill over its edge).
    const fit: Record<string, string | number> = [...name].length * NAME_CHAR_WIDTH > NAME_ROOM * 0.8 ? { textLength: NAME_ROOM, lengthAdjust: 'spacingAndGlyphs' } : {};
    group.append(svgElement('text', { x: NODE_WIDTH / 2, y: 22, 'text-anchor': 'middle', class: 'cf-node-name', ...fit }, name));
    const campers = campfire.campers.length === 1 ? '1 camper' : `${campfire.campers.length} campers`;
    group.append(
      svgElement('text', { x: NODE_WIDTH / 2, y: 42, 'text-anchor': 'middle', class: 'cf-node-detail' }, failed > 0 ? `${campers} · ${failed} failed` : `${campers} · ${campfire.status}`),
    );
    const failedLine = failed > 0 ? `\n${failed === 1 ? '1 camper error' : `${failed} camper errors`}` : '';
    group.append(svgElement('title', {}, `${campfire.name}\ncampers: ${campfire.campers.join(', ') || 'none'}\ninputs: ${campfire.inputs.join(', ') || 'none'}\noutput: ${campfire.output ?? 'none'}${failedLine}`));
    svg.append(group);
    nodeParts.push({ name: campfire.name, group });
  }
  const show = (moment: FlowMoment): void => {
    for (const { name, group } of nodeParts) {
      group.classList.toggle('cf-node-spoken', moment.spoken.has(name));
      group.classList.toggle('cf-node-current', moment.current.has(name));
    }
    for (const part of edgeParts) {
      const count = moment.counts.get(part.channel) ?? 0;
      const label = `${part.name} (${count})`;
      if (part.label.textContent !== label) {
        part.label.textContent = label;
        part.title.textContent = `${part.channel}: ${count === 1 ? '1 torch' : `${count} torches`}`;
      }
      part.group.classList.toggle('cf-edge-carrying', moment.carrying.has(part.channel));
    }
  };
  return { svg, show };
}

