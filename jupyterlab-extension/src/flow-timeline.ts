import type { TorchFlowPayload } from 'campfires/display';
import type { FlowMoment } from './flow-diagram';

/**
 * A torch flow indexed by cycle, so a timeline can show any cycle in time independent of
 * the run's size: the cycles in order, where each one's torches are, who spoke first when.
 */
export interface FlowTimeline {
  /** The cycle numbers the run's torches and camper errors carry, in order. */
  cycles: number[];
  /** For each cycle (by position), the indices in `payload.torches` of its torches, in order. */
  torchesAt: number[][];
  /** What the diagram shows at each position (built on demand). */
  moment(position: number): FlowMoment;
  /** `cycle 3 (4 of 4)`. */
  describe(position: number): string;
}

/** The first index in sorted `values` greater than `value`. */
function upperBound(values: readonly number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((values[middle] as number) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Indexes a payload's torches and camper errors by cycle. */
export function flowTimeline(payload: TorchFlowPayload): FlowTimeline {
  const errors = payload.errors ?? [];
  const cycles = [...new Set([...payload.torches.map((torch) => torch.cycle), ...errors.map((error) => error.cycle)])].sort((a, b) => a - b);
  const positionOf = new Map(cycles.map((cycle, index) => [cycle, index]));
  const torchesAt: number[][] = cycles.map(() => []);
  const speakersAt: Set<string>[] = cycles.map(() => new Set());
  const channelsAt: Set<string>[] = cycles.map(() => new Set());
  const firstSpoke = new Map<string, number>();
  const cyclesOfChannel = new Map<string, number[]>();
  payload.torches.forEach((torch, index) => {
    const position = positionOf.get(torch.cycle) as number;
    torchesAt[position]?.push(index);
    speakersAt[position]?.add(torch.from);
    if (torch.channel) {
      channelsAt[position]?.add(torch.channel);
      const list = cyclesOfChannel.get(torch.channel) ?? [];
      list.push(torch.cycle);
      cyclesOfChannel.set(torch.channel, list);
    }
    firstSpoke.set(torch.from, Math.min(firstSpoke.get(torch.from) ?? Infinity, torch.cycle));
  });
  for (const error of errors) {
    speakersAt[positionOf.get(error.cycle) as number]?.add(error.campfire);
    firstSpoke.set(error.campfire, Math.min(firstSpoke.get(error.campfire) ?? Infinity, error.cycle));
  }
  for (const list of cyclesOfChannel.values()) list.sort((a, b) => a - b);
  return {
    cycles,
    torchesAt,
    moment(position) {
      const cycle = cycles[position] ?? Infinity;
      const spoken = new Set<string>();
      for (const [name, first] of firstSpoke) if (first <= cycle) spoken.add(name);
      const counts = new Map<string, number>();
      for (const [channel, list] of cyclesOfChannel) counts.set(channel, upperBound(list, cycle));
      return { spoken, current: speakersAt[position] ?? new Set(), carrying: channelsAt[position] ?? new Set(), counts };
    },
    describe(position) {
      if (cycles.length === 0) return 'no cycles yet';
      return `cycle ${cycles[position]} (${position + 1} of ${cycles.length})`;
    },
  };
}
