import type { Torch } from '../messages';
import { Camper, type CamperAnswer, type CamperContext, type CamperOptions } from './camper';

/** What a tool camper's function receives: the cycle's context plus the built prompt. */
export interface ToolCamperInput extends CamperContext {
  prompt: string;
}

/** A plain function that answers for a tool camper. */
export type ToolCamperFunction = (input: ToolCamperInput) => CamperAnswer | Promise<CamperAnswer>;

/** A deterministic camper around a plain function: no model, same input, same torch. */
export class FunctionCamper extends Camper {
  constructor(
    name: string,
    private readonly fn: ToolCamperFunction,
    options: CamperOptions = {},
  ) {
    super(name, options);
  }

  override overridePrompt(prompt: string, context: CamperContext): CamperAnswer | Promise<CamperAnswer> {
    // Spelled out rather than spread: cheaper on the per-cycle path.
    return this.fn({ campfire: context.campfire, cycle: context.cycle, inputs: context.inputs, previous: context.previous, partyBox: context.partyBox, clock: context.clock, prompt });
  }
}

/**
 * A camper from a plain function (a deterministic tool camper).
 * @example createToolCamper('counter', ({ inputs }) => ({ claim: `${inputs.length} inputs` }))
 */
export function createToolCamper(name: string, fn: ToolCamperFunction, options: CamperOptions = {}): FunctionCamper {
  return new FunctionCamper(name, fn, options);
}

/** A camper that passes the torch it refines (or its first input) on unchanged; useful for relays and benchmarks. */
export function createRelayCamper(name: string): FunctionCamper {
  return new FunctionCamper(name, ({ previous, inputs }): CamperAnswer => {
    const torch: Torch | undefined = previous ?? inputs[0]?.torch;
    return torch ?? null;
  });
}
