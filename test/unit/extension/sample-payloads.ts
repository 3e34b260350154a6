import type { SimulationPayload, TorchFlowPayload, TorchFlowTorch } from 'campfires/display';

/** A torch as the kernel sends it, with overrides. */
export function torch(seq: number, overrides: Partial<TorchFlowTorch> = {}): TorchFlowTorch {
  return {
    seq,
    messageId: `msg-${seq}`,
    cycle: Math.floor(seq / 3),
    from: 'collector',
    torchbearer: 'reddit-reader',
    channel: 'raw-posts',
    to: ['triage'],
    claim: `claim number ${seq}`,
    confidence: 0.5,
    error: false,
    ts: 1_700_000_000_000 + seq,
    metadata: {},
    ...overrides,
  };
}

/** The four-campfire alert pipeline: collector -> triage -> (summarizer, notifier). */
export function alertFlow(torches: TorchFlowTorch[] = [torch(1), torch(2)]): TorchFlowPayload {
  return {
    version: 1,
    runId: 'run-1',
    title: 'Live alert',
    backend: 'offline (deterministic campers)',
    status: 'running',
    campfires: [
      { name: 'collector', campers: ['reddit-reader'], inputs: [], output: 'raw-posts', status: 'idle' },
      { name: 'triage', campers: ['scorer', 'tagger'], inputs: ['raw-posts'], output: 'alerts', status: 'active' },
      { name: 'summarizer', campers: ['writer'], inputs: ['alerts'], output: 'digest', status: 'idle' },
      { name: 'notifier', campers: ['pager'], inputs: ['alerts'], output: null, status: 'idle' },
    ],
    channels: [
      { name: 'raw-posts', from: ['collector'], to: ['triage'] },
      { name: 'alerts', from: ['triage'], to: ['summarizer', 'notifier'] },
      { name: 'digest', from: ['summarizer'], to: [] },
    ],
    torches,
  };
}

/** A three-turn council run of two agents. */
export function councilRun(): SimulationPayload {
  return {
    version: 1,
    runId: 'sim-1',
    title: 'Council of the valley',
    backend: 'offline (persona policies)',
    status: 'completed',
    agents: [
      { name: 'Mara', description: 'the steward', policy: 'conserve' },
      { name: 'Tobin', description: 'the trader', policy: 'trade' },
    ],
    turns: [
      { turn: 1, resource_level: 100, stability: 50 },
      { turn: 2, resource_level: 90, stability: 55 },
      { turn: 3, resource_level: 95, stability: 60 },
    ],
    actions: [
      { turn: 1, agent: 'Mara', action: 'gather', target: null, reason: 'stores are low', success: true, message: 'gathered 10', fallback: false },
      { turn: 1, agent: 'Tobin', action: 'trade', target: 'Mara', reason: 'profit', success: false, message: 'no partner', fallback: true },
      { turn: 2, agent: 'Mara', action: 'build', target: null, reason: 'walls', success: true, message: 'built', fallback: false },
    ],
  };
}
