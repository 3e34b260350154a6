import type { RunEvent, RunInfo, SimulationPayload } from 'campfires';

/** A four-campfire pipeline run as the campfires part logs it. */
export function pipelineRun(): RunInfo {
  return {
    id: 'run_test',
    kind: 'pipeline',
    name: 'live-alert',
    status: 'completed',
    startedAt: 1000,
    endedAt: 2000,
    meta: {
      backend: 'offline (deterministic tool campers)',
      campfires: [
        { name: 'scrape', campers: ['headlines'], inputs: [], output: 'headlines' },
        { name: 'sentiment', campers: ['comments'], inputs: ['headlines'], output: 'mood' },
        { name: 'verify', campers: ['weather', 'traffic'], inputs: ['mood'], output: 'verified' },
        { name: 'summary', campers: ['writer'], inputs: ['verified'], output: null },
      ],
    },
  };
}

let seq = 0;
function event(kind: string, fields: Partial<RunEvent>): RunEvent {
  seq += 1;
  return { seq, runId: 'run_test', ts: 1000 + seq, kind, campfire: null, camper: null, channel: null, messageId: null, data: {}, ...fields };
}

const torch = (claim: string, confidence: number, extra: Record<string, unknown> = {}) => ({ version: 1, claim, confidence, metadata: {}, ...extra });
const input = (messageId: string, from: string, channel: string, delivery: number) => ({ messageId, from, channel, ts: 1000 + delivery, delivery });

/** One cycle through the pipeline as it is logged now: a row per campfire cycle; `claim` lets a test inject hostile text. */
export function pipelineEvents(claim = 'Tube strike announced for Friday'): RunEvent[] {
  seq = 0;
  return [
    event('torch-sent', { campfire: 'scrape', camper: 'headlines', channel: 'headlines', messageId: 'm1', data: { cycle: 1, activeAt: 1000, inputs: [], torch: torch(claim, 0.9) } }),
    event('torch-sent', { campfire: 'sentiment', camper: 'comments', channel: 'mood', messageId: 'm2', data: { cycle: 1, activeAt: 1001, inputs: [input('m1', 'scrape', 'headlines', 1)], torch: torch('Londoners are annoyed', 0.7, { path: 'party_box/ab12.json', metadata: { sentiment: -0.4 } }) } }),
    event('camper-error', { campfire: 'verify', camper: 'traffic', data: { cycle: 1, error: { name: 'Error', message: 'feed missing' } } }),
    event('torch-sent', { campfire: 'verify', camper: 'weather', channel: 'verified', messageId: 'm3', data: { cycle: 1, activeAt: 1002, inputs: [input('m2', 'sentiment', 'mood', 2)], torch: torch('traffic failed: feed missing', 0, { metadata: { error: true } }) } }),
    event('torch-sent', { campfire: 'summary', camper: 'writer', channel: null, messageId: 'm4', data: { cycle: 1, activeAt: 1003, inputs: [input('m3', 'verify', 'verified', 3)], torch: torch('ALERT: Tube strike Friday', 0.6) } }),
  ];
}

/** The same cycle as older versions logged it: receipts, statuses and torchbearers in rows of their own. */
export function olderPipelineEvents(claim = 'Tube strike announced for Friday'): RunEvent[] {
  seq = 0;
  return [
    event('campfire-status', { campfire: 'scrape', data: { status: 'active', cycle: 1 } }),
    event('torchbearer-chosen', { campfire: 'scrape', camper: 'headlines', data: { cycle: 1 } }),
    event('torch-sent', { campfire: 'scrape', camper: 'headlines', channel: 'headlines', messageId: 'm1', data: { cycle: 1, torch: { version: 1, claim, confidence: 0.9, metadata: {} }, antecedents: [] } }),
    event('torch-received', { campfire: 'sentiment', channel: 'headlines', messageId: 'm1', data: { from: 'scrape' } }),
    event('campfire-status', { campfire: 'scrape', data: { status: 'idle', cycle: 1 } }),
    event('torch-sent', { campfire: 'sentiment', camper: 'comments', channel: 'mood', messageId: 'm2', data: { cycle: 1, torch: { version: 1, claim: 'Londoners are annoyed', confidence: 0.7, path: 'party_box/ab12.json', metadata: { sentiment: -0.4 } }, antecedents: ['m1'] } }),
    event('torch-received', { campfire: 'verify', channel: 'mood', messageId: 'm2', data: { from: 'sentiment' } }),
    event('camper-error', { campfire: 'verify', camper: 'traffic', data: { cycle: 1, error: { name: 'Error', message: 'feed missing' } } }),
    event('torch-sent', { campfire: 'verify', camper: 'weather', channel: 'verified', messageId: 'm3', data: { cycle: 1, torch: { version: 1, claim: 'traffic failed: feed missing', confidence: 0, metadata: { error: true } }, antecedents: ['m2'] } }),
    event('torch-received', { campfire: 'summary', channel: 'verified', messageId: 'm3', data: { from: 'verify' } }),
    event('torch-sent', { campfire: 'summary', camper: 'writer', channel: null, messageId: 'm4', data: { cycle: 1, torch: { version: 1, claim: 'ALERT: Tube strike Friday', confidence: 0.6, metadata: {} }, antecedents: ['m3'] } }),
  ];
}

/** A small three-turn simulation payload. */
export function simulationPayload(reason = 'water is scarce'): SimulationPayload {
  return {
    version: 1,
    runId: 'run_sim',
    title: 'River council',
    backend: 'offline (persona policies)',
    status: 'completed',
    agents: [
      { name: 'Ada', description: 'farmer', policy: 'conserve' },
      { name: 'Bo', description: 'trader', policy: 'trade' },
    ],
    turns: [
      { turn: 1, resource_level: 80, stability: 60 },
      { turn: 2, resource_level: 70, stability: 55 },
      { turn: 3, resource_level: 75, stability: 65 },
    ],
    actions: [
      { turn: 1, agent: 'Ada', action: 'conserve', target: null, reason, success: true, message: 'resources +5', fallback: false },
      { turn: 1, agent: 'Bo', action: 'trade', target: 'Ada', reason: 'profit', success: false, message: 'Ada refused', fallback: true },
      { turn: 2, agent: 'Ada', action: 'conserve', target: null, reason, success: true, message: 'resources +5', fallback: false },
    ],
  };
}
