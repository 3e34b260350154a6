import { PermissionError } from '../core';

/**
 * The one-shot right to write one torch to a campfire's output channel, given to the
 * camper whose answer is final in a cycle. The campfire accepts only the grant it
 * issued last, from the camper it named, once.
 */
export class TorchbearerGrant {
  /** Set when the torch has been sent; a used grant is worthless. */
  used = false;

  constructor(
    readonly campfire: string,
    readonly camper: string,
    readonly channel: string | null,
    readonly cycle: number,
  ) {}
}

/** The refusal a camper gets when it writes to a channel without this cycle's unused grant. */
export function notTorchbearerError(camper: string, campfire: string | null, channel: string | null, reason: string): PermissionError {
  const where = campfire ? `campfire "${campfire}"` : 'no campfire';
  return new PermissionError({
    code: 'not_torchbearer',
    message: `camper "${camper}" of ${where} may not write to ${channel ? `channel "${channel}"` : 'an output channel'}: ${reason}; only the cycle's torchbearer may send, once`,
    details: { camper, campfire, channel, reason },
  });
}
