import { ValidationError } from '../core';
import type { Campfire } from './campfire';

/** Refuses two campfires with one name, and wiring where torches would go round in a loop forever. */
export function checkPipelineGraph(campfires: readonly Campfire[]): void {
  const seen = new Set<string>();
  for (const campfire of campfires) {
    if (seen.has(campfire.name)) {
      throw new ValidationError({
        code: 'pipeline_invalid',
        message: `the pipeline has two campfires named "${campfire.name}"; each subscribes to channels under its name, so names must differ`,
        issues: [{ field: 'pipeline.campfires', message: 'duplicate campfire name', given: campfire.name, allowed: 'distinct names' }],
      });
    }
    seen.add(campfire.name);
  }
  const listeners = new Map<string, Campfire[]>();
  for (const campfire of campfires) {
    for (const input of campfire.inputs) listeners.set(input, [...(listeners.get(input) ?? []), campfire]);
  }
  const state = new Map<Campfire, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (campfire: Campfire): void => {
    if (state.get(campfire) === 'done') return;
    if (state.get(campfire) === 'visiting') {
      const loop = [...path.slice(path.indexOf(campfire.name)), campfire.name];
      throw new ValidationError({
        code: 'pipeline_loop',
        message: `torches would go round forever: ${loop.join(' -> ')}; wire campfires so that no torch can come back to where it started`,
        issues: [{ field: 'pipeline.campfires', message: 'loop in the channel wiring', given: loop, allowed: 'wiring without loops' }],
      });
    }
    state.set(campfire, 'visiting');
    path.push(campfire.name);
    for (const next of campfire.output ? (listeners.get(campfire.output) ?? []) : []) visit(next);
    path.pop();
    state.set(campfire, 'done');
  };
  for (const campfire of campfires) visit(campfire);
}
